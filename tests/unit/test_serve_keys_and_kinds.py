"""The service's API keys (hashed, scoped) and identifier kinds: a caller's value normalised as the
identity models normalise (phones checked against the dbt macro itself)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from unit.test_normalisers import FULLWIDTH, batch, normalise

from orchestration.serve.auth import hash_key, keys_from_env, load_keyring, new_key
from orchestration.serve.kinds import lookup_kinds, normalised_value


def test_keys_from_the_environment_are_kept_hashed_with_their_scope(tmp_path):
    ring = load_keyring("alpha, full:beta ,masked:gamma", None)
    assert len(ring) == 3
    assert ring.authenticate("Bearer alpha").scope == "masked"
    assert ring.authenticate("Bearer beta").sees_unmasked
    assert not ring.authenticate("bearer gamma").sees_unmasked
    for header in (None, "", "Bearer", "Bearer ", "Basic alpha", "Bearer alphax", "alpha"):
        assert ring.authenticate(header) is None
    assert all(h.startswith("sha256:") and "alpha" not in h for h in keys_from_env("alpha"))


def test_a_keys_file_holds_hashes_only(tmp_path):
    key, line = new_key("full")
    assert key not in line and line == f"full {hash_key(key)}"
    keys_file = tmp_path / "keys"
    keys_file.write_text(f"# the sidebar\n{line} sidebar\nmasked {hash_key('other')}\n", encoding="utf-8")
    ring = load_keyring(None, keys_file)
    assert ring.authenticate(f"Bearer {key}").sees_unmasked
    assert ring.authenticate("Bearer other").scope == "masked"
    assert ring.authenticate(f"Bearer {hash_key(key)}") is None  # the stored hash is not a key


@pytest.mark.parametrize("bad", ["root:alpha"])
def test_an_unknown_scope_is_refused(bad, tmp_path):
    with pytest.raises(ValueError, match="unknown scope"):
        load_keyring(bad, None)
    (tmp_path / "keys").write_text("masked deadbeef\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected"):
        load_keyring(None, tmp_path / "keys")


def test_the_kinds_are_the_seeds():
    assert list(lookup_kinds()) == ["external_userid", "phone", "unionid", "openid", "app_user_id",
                                    "web_customer_id", "crm_member_id", "customer_id"]


def test_ids_lose_white_space_and_malformed_ones_are_refused():
    kinds = lookup_kinds()
    assert normalised_value(kinds["openid"], " oMp3x-1_a\u3000") == "oMp3x-1_a"
    assert normalised_value(kinds["openid"], "o'; drop") is None
    assert normalised_value(kinds["customer_id"], "C0E905B1172B24E4C") == "C0E905B1172B24E4C"
    assert normalised_value(kinds["customer_id"], "0E905B1172B24E4C") is None
    assert normalised_value(kinds["phone"], "138****8000") is None


mainland = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
written = st.tuples(mainland, st.sampled_from(["{}", "+86 {}", "86-{}", "0086{}", "+86{}", " {} ", "{}\t"]),
                    st.booleans(), st.booleans())


def _form(example: tuple[str, str, bool, bool]) -> str:
    number, pattern, spaced, fullwidth = example
    if spaced:
        number = f"{number[:3]} {number[3:7]}-{number[7:]}"
    text = pattern.format(number)
    return text.translate(FULLWIDTH) if fullwidth else text


@batch
@given(st.lists(written, min_size=1, max_size=40))
def test_a_phone_normalises_as_the_dbt_macro_normalises_it(examples):
    forms = [_form(e) for e in examples]
    phone = lookup_kinds()["phone"]
    for form, row in zip(forms, normalise(forms)):
        if row["phone_kind"] == "placeholder":  # never matched by the models, so no customer has it
            continue
        assert row["phone"] is not None
        assert normalised_value(phone, form) == row["phone"], form


def test_c360_serve_binds_to_this_machine_unless_told_otherwise():
    from c360.cli import build_parser

    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.workers) == ("127.0.0.1", 8360, 1)
    assert build_parser().parse_args(["serve", "--host", "0.0.0.0"]).host == "0.0.0.0"


def test_c360_serve_refuses_to_start_without_keys(monkeypatch, capsys):
    from c360.cli import main

    monkeypatch.delenv("C360_SERVE_KEYS", raising=False)
    monkeypatch.delenv("C360_SERVE_KEYS_FILE", raising=False)
    assert main(["serve"]) == 2
    assert "no API keys" in capsys.readouterr().err
