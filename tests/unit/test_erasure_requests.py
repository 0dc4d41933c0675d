"""Erasure request files: identifiers normalised like the identity models do, problems named without values."""

from __future__ import annotations

import stat

import pytest

from orchestration.erasure.requests import erasure_key, normalise_identifier, read_requests


@pytest.mark.parametrize(
    ("id_type", "value", "expected"),
    [
        ("phone", "+86 138 0013 8001", "13800138001"),
        ("phone", "0086-13800138001", "13800138001"),
        ("phone", "１３８００１３８００１", "13800138001"),
        ("phone", "+852 9123 4567", "+85291234567"),
        ("email", "  Zhang.San@Example.COM ", "zhang.san@example.com"),
        ("unionid", " oUn1abc ", "oUn1abc"),
    ],
)
def test_identifiers_are_normalised_as_the_models_normalise_them(id_type, value, expected):
    assert normalise_identifier(id_type, value) == expected


def test_bad_lines_are_reported_without_their_values_and_good_ones_kept(tmp_path):
    folder = tmp_path / "erasure"
    folder.mkdir()
    (folder / "2026-10-20.csv").write_text("id_type,id_value\nphone,13900139001\npassport,E1234567\nemail,\n", encoding="utf-8")
    (folder / "2026-10-21.csv").write_text("phone\n13900139002\n", encoding="utf-8")
    requests, problems = read_requests(tmp_path)
    assert [(r.request_file, r.line, r.id_type, r.id_value) for r in requests] == [("erasure/2026-10-20.csv", 1, "phone", "13900139001")]
    assert [(p.request_file, p.line) for p in problems] == [("erasure/2026-10-20.csv", 3), ("erasure/2026-10-20.csv", 4), ("erasure/2026-10-21.csv", 1)]
    assert all("E1234567" not in p.reason and "13900139002" not in p.reason for p in problems)


def test_the_erasure_key_comes_from_the_environment_or_an_owner_only_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("C360_ERASURE_KEY", raising=False)
    first = erasure_key(tmp_path)
    assert len(first) == 64 and erasure_key(tmp_path) == first
    assert stat.S_IMODE((tmp_path / ".erasure_key").stat().st_mode) == 0o600
    monkeypatch.setenv("C360_ERASURE_KEY", "from-the-environment")
    assert erasure_key(tmp_path) == "from-the-environment"
