"""Property-based tests of the dbt normaliser macros (dbt_project/macros/normalise/).

The macros are rendered once per session by dbt itself (``dbt compile --inline``: the real
``adapter.dispatch``, the real cross-database macros, the DuckDB adapter), into one SELECT over a
placeholder table. Each hypothesis example is a whole batch of inputs, loaded into an in-memory DuckDB
table and run through that SELECT in one query, so no example ever starts dbt.
"""

from __future__ import annotations

import os
import re
import tempfile
from functools import cache
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
PLACEHOLDER = "__examples__"
NORMALISERS = {
    "phone": "c360.normalise_phone('v')",
    "phone_kind": "c360.phone_kind('v')",
    "email": "c360.normalise_email('v')",
    "email_kind": "c360.email_kind('v')",
    "clean_id": "c360.clean_id('v')",
    "clean_hex_id": "c360.clean_id('v', hex=true)",
    "gender": "c360.normalise_gender('v')",
    "birthday": "c360.normalise_birthday('v')",
    "remark_name": "c360.person_name_from_remark('v')",
    "generic_nickname": "c360.is_generic_nickname('v')",
}
MOBILE = re.compile(r"1[3-9][0-9]{9}")
NORMALISED_PHONE = re.compile(r"1[3-9][0-9]{9}|\+[1-9][0-9]{6,14}")
FULLWIDTH = str.maketrans("0123456789+", "０１２３４５６７８９＋")


@cache
def compiled_select() -> str:
    """The normalisers as one SELECT ... FROM __examples__, compiled by dbt for DuckDB."""
    from dbt.cli.main import dbtRunner

    columns = ",\n".join(f"{{{{ {call} }}}} as {name}" for name, call in NORMALISERS.items())
    sql = f"select i, v,\n{columns}\nfrom {PLACEHOLDER}"
    work = Path(tempfile.mkdtemp(prefix="c360-normalisers-"))
    previous = os.environ.get("C360_WAREHOUSE")
    os.environ["C360_WAREHOUSE"] = str(work / "compile.duckdb")
    try:
        result = dbtRunner().invoke([
            "compile", "--inline", sql, "--quiet",
            "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
            "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
        ])
    finally:
        if previous is None:
            os.environ.pop("C360_WAREHOUSE", None)
        else:
            os.environ["C360_WAREHOUSE"] = previous
    assert result.success, f"dbt could not compile the normalisers: {result.exception}"
    return result.result.results[0].node.compiled_code


def normalise(values: list[str | None]) -> list[dict]:
    """Run every normaliser over ``values`` in one DuckDB query; one dict per input, in order."""
    con = duckdb.connect()
    con.execute("create table examples (i integer, v varchar)")
    if values:
        con.executemany("insert into examples values (?, ?)", list(enumerate(values)))
    cursor = con.execute(compiled_select().replace(PLACEHOLDER, "examples") + " order by i")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def one(value: str | None) -> dict:
    return normalise([value])[0]


batch = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- strategies ----------------------------------------------------------------------------------

mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True).filter(
    lambda m: m != "13800138000" and len(set(m[3:])) > 1
)


@st.composite
def typed_mobile(draw) -> tuple[str, str]:
    """(the mobile, the way someone typed it): every variant the contract lists."""
    m = draw(mobiles)
    a, b, c = m[:3], m[3:7], m[7:]
    variant = draw(st.sampled_from([
        m, f"{a}-{b}-{c}", f"{a} {b} {c}", f"+86 {a} {b} {c}", f"+86{m}", f"86-{m}", f"0086{m}",
        f"+86-{a}-{b}-{c}", f"  {m}  ", m.translate(FULLWIDTH), f"{a}-{b} {c}", f"（+86）{m}",
    ]))
    return m, variant


landlines = st.builds(
    lambda area, number, sep: f"0{area}{sep}{number[:4]}{sep}{number[4:]}",
    st.from_regex(r"[1-9][0-9]{1,2}", fullmatch=True),
    st.from_regex(r"[2-8][0-9]{7}", fullmatch=True),
    st.sampled_from(["-", " ", ""]),
)
masked = mobiles.map(lambda m: f"{m[:3]}****{m[7:]}")
international = st.builds(
    lambda cc, number: (f"+{cc} {number}", f"+{cc}{number}"),
    st.sampled_from(["852", "853", "886", "1", "44", "65", "81"]),
    st.from_regex(r"[1-9][0-9]{6,9}", fullmatch=True),
)
emails = st.builds(
    lambda local, domain, tld: f"{local}@{domain}.{tld}",
    st.from_regex(r"[a-z0-9][a-z0-9._]{1,15}", fullmatch=True),
    st.sampled_from(["qq", "163", "126", "gmail", "hotmail", "outlook", "foxmail", "yeah"]),
    st.sampled_from(["com", "net", "cn"]),
)


# --- phones --------------------------------------------------------------------------------------

@batch
@given(st.lists(typed_mobile(), min_size=1, max_size=40))
def test_every_typed_form_of_a_mobile_normalises_to_its_eleven_digits(cases):
    rows = normalise([typed for _, typed in cases])
    for (mobile, typed), row in zip(cases, rows):
        assert row["phone"] == mobile, typed
        assert row["phone_kind"] == "mobile", typed


@batch
@given(st.lists(st.one_of(landlines, masked, st.sampled_from(
    ["13800138000", "+86 138 0013 8000", "11111111111", "00000000000", "13900000000", "abc", "不详", "13900", "123"]
)), min_size=1, max_size=40))
def test_landlines_masked_placeholders_and_junk_never_normalise(values):
    for value, row in zip(values, normalise(values)):
        assert row["phone"] is None, value
        assert row["phone_kind"] in {"landline", "masked", "placeholder", "junk"}, value


@batch
@given(st.lists(landlines, min_size=1, max_size=20), st.lists(masked, min_size=1, max_size=20))
def test_landlines_and_masked_numbers_are_recognised_as_such(lands, masks):
    rows = normalise(lands + masks)
    assert [r["phone_kind"] for r in rows[: len(lands)]] == ["landline"] * len(lands)
    assert [r["phone_kind"] for r in rows[len(lands):]] == ["masked"] * len(masks)


@batch
@given(st.lists(international, min_size=1, max_size=20))
def test_foreign_numbers_keep_their_country_code(cases):
    rows = normalise([typed for typed, _ in cases])
    for (typed, expected), row in zip(cases, rows):
        assert row["phone"] == expected, typed
        assert row["phone_kind"] == "international"


@batch
@given(st.lists(st.one_of(st.text(max_size=25), st.from_regex(r"[+0-9 ()\-*]{0,20}", fullmatch=True)), max_size=40))
def test_any_text_gives_a_normalised_phone_or_nothing_and_normalising_twice_changes_nothing(values):
    rows = normalise(values)
    outputs = [r["phone"] for r in rows]
    for value, out in zip(values, outputs):
        assert out is None or NORMALISED_PHONE.fullmatch(out), (value, out)
    again = normalise([o for o in outputs if o is not None])
    assert [r["phone"] for r in again] == [o for o in outputs if o is not None]


def test_null_stays_null():
    row = one(None)
    assert row["phone"] is None and row["phone_kind"] is None
    assert row["email"] is None and row["email_kind"] is None
    assert row["clean_id"] is None and row["gender"] is None and row["birthday"] is None


# --- emails --------------------------------------------------------------------------------------

@batch
@given(st.lists(st.tuples(emails, st.sampled_from([str, str.upper, str.title]), st.sampled_from(["", " ", "  ", "\t"])),
                min_size=1, max_size=40))
def test_emails_are_lower_cased_and_trimmed(cases):
    typed = [pad + style(email) + pad for email, style, pad in cases]
    for (email, _, _), value, row in zip(cases, typed, normalise(typed)):
        assert row["email"] == email, value
        assert row["email_kind"] == "valid"


@batch
@given(st.lists(st.one_of(
    st.from_regex(r"[a-z]{1,6}", fullmatch=True).map(lambda w: f"{w}@{w}.com"),
    st.sampled_from(["test@test.com", "TEST@test.com ", "a@a.com", "noreply@qq.com", "x@example.com", "test@163.com"]),
), min_size=1, max_size=30))
def test_placeholder_emails_are_recognised_and_never_normalise(values):
    for value, row in zip(values, normalise(values)):
        assert row["email"] is None, value
        assert row["email_kind"] == "placeholder", value


@batch
@given(st.lists(st.text(max_size=30), max_size=40))
def test_any_text_gives_a_lower_case_address_or_nothing(values):
    rows = normalise(values)
    for value, row in zip(values, rows):
        out = row["email"]
        assert out is None or (out == out.lower() and out.count("@") == 1 and out.strip() == out), (value, out)
    valid = [r["email"] for r in rows if r["email"] is not None]
    assert [r["email"] for r in normalise(valid)] == valid


# --- ids, gender, birthday, names ----------------------------------------------------------------

@batch
@given(st.lists(st.tuples(st.from_regex(r"[A-Za-z0-9_\-]{6,32}", fullmatch=True),
                          st.sampled_from(["", " ", "\u3000", "\u00a0", "\t"])), min_size=1, max_size=40))
def test_ids_lose_surrounding_white_space_and_keep_their_case(cases):
    values = [pad + identifier + pad for identifier, pad in cases]
    assert [r["clean_id"] for r in normalise(values)] == [identifier for identifier, _ in cases]


@batch
@given(st.lists(st.sampled_from(["4.2000012E+19", "3.7e18", "1E+10", "", "   "]), min_size=1, max_size=10))
def test_ids_in_scientific_notation_or_empty_are_dropped(values):
    assert all(r["clean_id"] is None for r in normalise(values))


def test_hex_device_ids_that_look_scientific_are_kept():
    rows = normalise(["95941962e1331", " 1e5 ", ""])
    assert [r["clean_hex_id"] for r in rows] == ["95941962e1331", "1e5", None]
    assert [r["clean_id"] for r in rows] == [None, None, None]


@pytest.mark.parametrize(
    "value, expected",
    [("1", "male"), ("2", "female"), ("0", "unknown"), ("男", "male"), ("女", "female"), ("未知", "unknown"),
     ("M", "male"), ("F", "female"), ("U", "unknown"), (" m ", "male"), ("female", "female"), ("?", "unknown")],
)
def test_gender_codes_of_every_source(value, expected):
    assert one(value)["gender"] == expected


@batch
@given(st.lists(st.dates(min_value=__import__("datetime").date(1900, 1, 1), max_value=__import__("datetime").date(2099, 12, 31)),
                min_size=1, max_size=40))
def test_real_dates_and_month_days_are_kept(dates):
    values = [d.isoformat() for d in dates] + [d.strftime("--%m-%d") for d in dates]
    assert [r["birthday"] for r in normalise(values)] == values


@pytest.mark.parametrize("value", ["2026-02-30", "1990-13-01", "--13-01", "--02-30", "0000-00-00", "19900102", "abc"])
def test_impossible_birthdays_are_dropped(value):
    assert one(value)["birthday"] is None


@pytest.mark.parametrize(
    "remark, name",
    [("何芳-VIP", "何芳"), ("胡蕾 老客户", "胡蕾"), ("赵娟娟,复购", "赵娟娟"), ("徐菲(宝妈)", "徐菲"),
     ("李思敏（宝妈）", "李思敏"), ("雷鹏博", "雷鹏博"), ("  ", None)],
)
def test_the_name_part_of_a_staff_remark(remark, name):
    assert one(remark)["remark_name"] == name


@pytest.mark.parametrize("nickname, generic", [("微信用户", True), ("用户325301", True), ("", True), ("追梦人", False), ("Leo", False)])
def test_generic_nicknames(nickname, generic):
    assert one(nickname)["generic_nickname"] is generic
