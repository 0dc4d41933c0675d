"""The sample-export generator: determinism, coverage of every quirk, and truth that holds.

The files are read back here with the standard library (csv, json, gzip) and fastexcel, independently of
the platform's own loader: every row listed in truth/bad_rows.csv must fail for the listed reason, every
other row must parse under the contract's types.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import fastexcel
import polars as pl
import pytest

from c360_tools.generate import GenerateSummary, generate
from c360_tools.generate.spec import ENTITIES, Entity
from orchestration.ingest.schema import entities_by_name

PERSONS, DAYS = 1000, 7
NULL_TOKENS = {"", "NULL", "null", "None", "-", "N/A", "\\N"}
TRUTH_COLUMNS = {
    "persons": ["person_id", "name", "phones", "emails", "birthday", "gender", "unionid", "province", "city",
                "household_id", "app_devices"],
    "xref": ["source", "source_key", "person_id", "linkable_group"],
    "orders": ["order_key", "channel", "order_id", "person_id", "status", "paid_amount_fen", "refunded_amount_fen",
               "net_amount_fen", "sharer_openid", "created_at"],
    "sharers": ["sharer_openid", "person_id", "order_count", "sales_fen", "cumulative_commission_fen", "sharer_type",
                "store_id"],
    "bad_rows": ["file", "row", "reason", "column", "record_key"],
}
BY_FOLDER = {e.folder: e for e in ENTITIES}


# --- reading the files back ---------------------------------------------------------------------------------


def decode(raw: bytes) -> tuple[str, str]:
    """The text and the encoding it was in."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("gb18030"), "gb18030"


def read_records(path: Path) -> tuple[list[str], list[list]]:
    """Header cells and data records (lists of cells, None for an empty xlsx cell or a JSON null)."""
    name = path.name
    if name.endswith(".xlsx"):
        sheet = fastexcel.read_excel(str(path)).load_sheet(0, header_row=None, dtypes="string").to_polars()
        rows = [list(r) for r in sheet.rows()]
        width = len([c for c in rows[0] if c is not None])
        return [c for c in rows[0][:width]], [r[:width] for r in rows[1:]]
    raw = path.read_bytes()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    text, _ = decode(raw)
    if name.endswith(".jsonl"):
        objects = [json.loads(line) for line in text.splitlines() if line.strip()]
        header = list(objects[0])
        return header, [[o.get(k) for k in header] for o in objects]
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], rows[1:]


def canonical_header(entity: Entity, header: list[str]) -> list[str | None]:
    aliases = {c.name: c.name for c in entity.cols} | {c.zh: c.name for c in entity.cols}
    return [aliases.get(cell.strip()) for cell in header]


# --- the contract's value types --------------------------------------------------------------------------------

_TS = re.compile(r"^(\d{4})[-/](\d{2})[-/](\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?$")


def parses_as_ts(text: str) -> bool:
    if re.fullmatch(r"\d{10}", text):
        return True
    m = _TS.match(text)
    if not m:
        return False
    y, mo, d, h, mi, s = (int(x) if x else 0 for x in m.groups()[:6])
    try:
        datetime(y, mo, d, h, mi, s)
    except ValueError:
        return False
    sep_ok = ("/" in text[:10]) == (text[4] == "/" and text[7] == "/")
    return sep_ok


def parses_as_date(text: str, month_day_allowed: bool) -> bool:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            datetime.strptime(text, fmt)
            return fmt != "%Y%m%d" or len(text) == 8
        except ValueError:
            pass
    m = re.fullmatch(r"(\d{2})(?:-|月)(\d{2})日?", text) if month_day_allowed else None
    return bool(m) and _valid_month_day(int(m.group(1)), int(m.group(2)))


def _valid_month_day(month: int, day: int) -> bool:
    try:
        date(2000, month, day)
        return True
    except ValueError:
        return False


def parses_as(col, value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return col.type in ("int", "fen")
    text = value
    match col.type:
        case "ts":
            return parses_as_ts(text)
        case "date" | "partial_date":
            return parses_as_date(text, month_day_allowed=col.type == "partial_date")
        case "int" | "fen":
            return bool(re.fullmatch(r"-?\d{1,18}", text))
        case "yuan":
            return bool(re.fullmatch(r"\d{1,15}(\.\d{1,2})?", re.sub(r"[¥￥,\s]", "", text)))
        case "bool01":
            return text.lower() in {"0", "1", "true", "false", "y", "n", "是", "否"}
        case "enum":
            return text in col.values
    return True


def clean(value):
    if value is None or isinstance(value, int):
        return value
    text = value.strip()
    return None if text in NULL_TOKENS else text


def strip_marker(text: str) -> str:
    if text.startswith('="') and text.endswith('"'):
        return text[2:-1]
    return text[1:] if text.startswith("'") else text


def row_failures(entity: Entity, header: list[str | None], row: list) -> list[tuple[str, str]]:
    """Every (reason, column) this row breaks; a good row breaks nothing."""
    if len(row) != len(header):
        return [("wrong_field_count", "")]
    failures = []
    for name, raw in zip(header, row):
        if name is None:
            continue
        col = entity.col(name)
        value = clean(raw)
        if isinstance(value, str) and col.role == "id":
            value = strip_marker(value)
        if name == "order_id" and isinstance(value, str) and re.fullmatch(r"\d\.\d+E\+\d+", value):
            failures.append(("scientific_order_id", name))
        elif value is None:
            if col.required:
                failures.append(("required_missing", name))
        elif not parses_as(col, value):
            reason = {"ts": "unparseable_timestamp", "fen": "unparseable_amount", "yuan": "unparseable_amount",
                      "int": "unparseable_number"}.get(col.type, f"bad_{col.type}")
            failures.append((reason, name))
    return failures


def record_key(entity: Entity, header: list[str | None], row: list) -> str:
    values = dict(zip(header, row))
    return "|".join(strip_marker(clean(str(values[k])) or "") for k in entity.key)


# --- fixtures ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, GenerateSummary]:
    out = tmp_path_factory.mktemp("generated")
    return out, generate(out, persons=PERSONS, days=DAYS, seed=11)


@pytest.fixture(scope="module")
def truth(generated) -> dict[str, pl.DataFrame]:
    out, _ = generated
    return {name: pl.read_csv(out / "truth" / f"{name}.csv", infer_schema=False) for name in TRUTH_COLUMNS}


@pytest.fixture(scope="module")
def landing_files(generated) -> list[Path]:
    out, _ = generated
    return sorted(p for p in (out / "landing").rglob("*") if p.is_file())


def _folder(path: Path, landing: Path) -> str:
    return path.parent.relative_to(landing).as_posix()


# --- tests ---------------------------------------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes(tmp_path):
    def digest(root: Path) -> dict[str, str]:
        return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(root.rglob("*")) if p.is_file()}

    first = generate(tmp_path / "a", persons=120, days=4, seed=3)
    second = generate(tmp_path / "b", persons=120, days=4, seed=3)
    generate(tmp_path / "c", persons=120, days=4, seed=4)
    assert first.files == second.files and first.rows == second.rows
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")


def test_summary_counts_what_was_written(generated, landing_files):
    out, summary = generated
    assert summary.landing_dir == out / "landing" and summary.truth_dir == out / "truth"
    assert summary.files == len(landing_files)
    assert summary.rows == sum(len(read_records(p)[1]) for p in landing_files)


def test_every_folder_and_file_name_follows_the_layout(generated, landing_files):
    out, _ = generated
    landing = out / "landing"
    assert {_folder(p, landing) for p in landing_files} == set(BY_FOLDER)
    pattern = re.compile(r"^(\d{4}-\d{2}-\d{2})(_part2|_resend|_part2_resend|_manual_export)?\.(csv|csv\.gz|xlsx|jsonl)$")
    days = {(date(2026, 10, 1).toordinal() + d) for d in range(DAYS)}
    for path in landing_files:
        m = pattern.match(path.name)
        assert m, path.name
        assert date.fromisoformat(m.group(1)).toordinal() in days
    names = [p.name for p in landing_files]
    assert any("_part2" in n for n in names) and any("_resend" in n for n in names)
    assert any("_manual_export" in n for n in names)


def test_every_file_carries_the_contracts_columns(generated, landing_files):
    """Read against exports.yaml itself: only a manual export lacks a column (one required column)."""
    out, _ = generated
    contract = entities_by_name()
    for path in landing_files:
        entity = contract[_folder(path, out / "landing")]
        aliases = entity.header_aliases()
        header, _ = read_records(path)
        missing = set(entity.column_names) - {aliases.get(cell.strip().casefold()) for cell in header}
        if "_manual_export" in path.name:
            assert len(missing) == 1 and missing <= set(entity.required_columns), (path.name, missing)
        else:
            assert missing == set(), (path.name, missing)


def test_every_format_encoding_and_line_ending_is_present(landing_files):
    formats, encodings, endings, quoted_all = Counter(), Counter(), Counter(), 0
    for path in landing_files:
        formats[".".join(path.name.split(".")[1:])] += 1
        if path.name.endswith((".csv", ".csv.gz")):
            raw = path.read_bytes()
            raw = gzip.decompress(raw) if path.name.endswith(".gz") else raw
            encodings[decode(raw)[1]] += 1
            endings["crlf" if b"\r\n" in raw else "lf"] += 1
            quoted_all += raw.lstrip(b"\xef\xbb\xbf").startswith(b'"')
    assert set(formats) == {"csv", "csv.gz", "xlsx", "jsonl"}
    assert set(encodings) == {"utf-8", "utf-8-sig", "gb18030"}
    assert set(endings) == {"crlf", "lf"}
    assert quoted_all > 0
    assert formats["csv"] > formats["xlsx"] + formats["jsonl"] + formats["csv.gz"]


def test_resends_are_byte_identical(landing_files):
    resends = [p for p in landing_files if "_resend" in p.name]
    assert resends
    for copy in resends:
        assert copy.read_bytes() == copy.with_name(copy.name.replace("_resend", "")).read_bytes()


def test_headers_mix_aliases_spaces_order_and_extra_columns(generated, landing_files):
    out, _ = generated
    zh, canonical, padded, unknown, shuffled = 0, 0, 0, 0, 0
    for path in landing_files:
        if path.name.endswith(".jsonl"):
            continue
        entity = BY_FOLDER[_folder(path, out / "landing")]
        header, _ = read_records(path)
        names = canonical_header(entity, header)
        zh += sum(c.strip() in {col.zh for col in entity.cols if col.zh != col.name} for c in header)
        canonical += sum(c.strip() in entity.names for c in header)
        padded += sum(c != c.strip() for c in header)
        unknown += names.count(None)
        known = [n for n in names if n]
        shuffled += known != [n for n in entity.names if n in known]
    assert zh and canonical and padded and unknown and shuffled


def test_bad_rows_are_bad_and_every_other_row_parses(generated, landing_files, truth):
    out, _ = generated
    landing = out / "landing"
    listed = {(r["file"], int(r["row"])): r for r in truth["bad_rows"].iter_rows(named=True)}
    found = {}
    for path in landing_files:
        rel = path.relative_to(landing).as_posix()
        entity = BY_FOLDER[_folder(path, landing)]
        header_cells, rows = read_records(path)
        header = canonical_header(entity, header_cells)
        missing = [c.name for c in entity.cols if c.required and c.name not in header]
        if missing:
            assert listed.get((rel, 0), {}).get("reason") == "required_column_missing", rel
            assert listed[(rel, 0)]["column"] in missing
            continue
        for number, row in enumerate(rows, start=1):
            failures = row_failures(entity, header, row)
            if (rel, number) in listed:
                entry = listed[(rel, number)]
                assert failures == [(entry["reason"], entry["column"] or "")], (rel, number, row, failures)
                found[(rel, number)] = entry
            else:
                assert failures == [], (rel, number, row, failures)
    assert set(found) | {k for k in listed if k[1] == 0} == set(listed)


def test_every_kind_of_bad_row_is_present(truth):
    reasons = set(truth["bad_rows"]["reason"])
    assert reasons == {"wrong_field_count", "required_missing", "unparseable_timestamp", "unparseable_amount",
                       "unparseable_number", "scientific_order_id", "required_column_missing"}


def test_bad_row_keys_name_a_good_copy_in_the_same_file(generated, truth):
    out, _ = generated
    landing = out / "landing"
    for entry in truth["bad_rows"].filter(pl.col("row") != "0").iter_rows(named=True):
        path = landing / entry["file"]
        entity = BY_FOLDER[_folder(path, landing)]
        header_cells, rows = read_records(path)
        header = canonical_header(entity, header_cells)
        number = int(entry["row"])
        neighbours = [rows[i - 1] for i in (number - 1, number + 1) if 1 <= i <= len(rows)]
        keys = [record_key(entity, header, r) for r in neighbours if not row_failures(entity, header, r)]
        assert entry["record_key"] in keys


def test_value_quirks_are_all_there(generated, landing_files):
    out, _ = generated
    cells = defaultdict(list)
    for path in landing_files:
        entity = BY_FOLDER[_folder(path, out / "landing")]
        header_cells, rows = read_records(path)
        header = canonical_header(entity, header_cells)
        for row in rows:
            for name, value in zip(header, row):
                if name and isinstance(value, str):
                    cells[(entity.col(name).type, entity.col(name).role, name)].append(value)
    texts = lambda pred: [v for k, vs in cells.items() if pred(*k) for v in vs]  # noqa: E731
    ts = texts(lambda t, r, n: t == "ts")
    for pattern in (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d", r"\d{4}-\d\d-\d\d \d\d:\d\d",
                    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r"\d{10}"):
        assert any(re.fullmatch(pattern, v) for v in ts), pattern
    dates = texts(lambda t, r, n: t in ("date", "partial_date"))
    for pattern in (r"\d{4}-\d\d-\d\d", r"\d{4}/\d\d/\d\d", r"\d{8}", r"\d\d-\d\d", r"\d\d月\d\d日"):
        assert any(re.fullmatch(pattern, v) for v in dates), pattern
    yuan = texts(lambda t, r, n: t == "yuan")
    assert any("¥" in v for v in yuan) and any("￥" in v for v in yuan) and any("," in v for v in yuan)
    phones = texts(lambda t, r, n: r == "phone") + texts(lambda t, r, n: n == "remark_mobiles")
    for pattern in (r"\+86 1\d\d \d{4} \d{4}", r"86-1\d{10}", r"00861\d{10}", r"[１-９][０-９]{10}", r"1\d\d-\d{4}-\d{4}",
                    r"0\d{2,3}[- ]?\d{4} ?\d{4}", r"1\d\d\*{4}\d{4}", r"13800138000|11111111111|00000000000"):
        assert any(re.fullmatch(pattern, v.strip()) for v in phones), pattern
    emails = texts(lambda t, r, n: r == "email")
    assert any(v != v.strip() for v in emails) and any(v.strip() != v.strip().lower() for v in emails)
    assert any(v.strip() in ("test@test.com", "a@a.com") for v in emails)
    every = [v for vs in cells.values() for v in vs]
    assert {"NULL", "null", "None", "-", "N/A", "\\N"} <= set(every)
    ids = texts(lambda t, r, n: r == "id")
    assert any(v.startswith("'") for v in ids) and any(v.startswith('="') for v in ids)
    addresses = cells[("str", "", "address")]
    assert any("\n" in v for v in addresses) and any("," in v for v in addresses) and any('"' in v for v in addresses)


def test_jsonl_has_numbers_strings_and_nulls(generated, landing_files):
    kinds = Counter()
    for path in (p for p in landing_files if p.name.endswith(".jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            for value in json.loads(line).values():
                kinds[type(value).__name__] += 1
    assert kinds["int"] and kinds["str"] and kinds["NoneType"]


def test_truth_files_have_the_sample_columns(truth):
    for name, columns in TRUTH_COLUMNS.items():
        assert truth[name].columns == columns, name


def test_xref_covers_every_record_and_buyer(generated, landing_files, truth):
    out, _ = generated
    landing = out / "landing"
    xref = truth["xref"]
    keys = defaultdict(set)
    for source, key in xref.select("source", "source_key").iter_rows():
        keys[source].add(key)
    assert xref.select("source", "source_key").is_duplicated().sum() == 0
    persons = set(truth["persons"]["person_id"])
    assert set(xref["person_id"]) <= persons
    group_owner = xref.select(pl.col("linkable_group").str.split("#").list.get(0), "person_id")
    assert (group_owner["linkable_group"] == group_owner["person_id"]).all()
    wanted = {"miniprogram/orders": ("miniprogram.buyers", "buyer_openid"),
              "channels/orders": ("channels.buyers", "buyer_openid"), "miniprogram/users": ("miniprogram.users", "openid"),
              "crm/members": ("crm.members", "member_id"), "app/users": ("app.users", "user_id"),
              "wecom/contacts": ("wecom.contacts", "external_userid"), "web/customers": ("web.customers", "customer_id"),
              "official_account/followers": ("official_account.followers", "openid"),
              "miniprogram/sharers": ("miniprogram.sharers", "sharer_openid")}
    seen = defaultdict(set)
    for path in landing_files:
        folder = _folder(path, landing)
        entity = BY_FOLDER[folder]
        header_cells, rows = read_records(path)
        header = canonical_header(entity, header_cells)
        for row in rows:
            if row_failures(entity, header, row):
                continue
            values = dict(zip(header, row))
            if folder in wanted:
                source, column = wanted[folder]
                seen[source].add(strip_marker(clean(values[column])))
            if folder == "web/orders" and clean(values["customer_id"]) is None:
                seen["web.guests"].add(strip_marker(clean(values["order_id"])))
    for source, found in seen.items():
        assert found == keys[source], source


def test_order_money_follows_the_business_rules(truth):
    orders = truth["orders"].with_columns(
        pl.col("paid_amount_fen", "refunded_amount_fen", "net_amount_fen").cast(pl.Int64))
    assert (orders["net_amount_fen"] == orders["paid_amount_fen"] - orders["refunded_amount_fen"]).all()
    never_paid = orders.filter(pl.col("status").is_in(["pending_payment", "cancelled"]))
    assert never_paid.height and (never_paid["paid_amount_fen"] == 0).all()
    assert (never_paid["refunded_amount_fen"] == 0).all()
    refunded = orders.filter(pl.col("status") == "refunded")
    assert refunded.height and (refunded["refunded_amount_fen"] >= refunded["paid_amount_fen"]).all()
    partly = orders.filter(pl.col("status") == "partially_refunded")
    assert partly.height
    assert ((partly["refunded_amount_fen"] > 0) & (partly["refunded_amount_fen"] < partly["paid_amount_fen"])).all()
    others = orders.filter(~pl.col("status").is_in(["refunded", "partially_refunded"]))
    assert (others["refunded_amount_fen"] == 0).all()
    assert set(orders["channel"]) == {"miniprogram", "channels", "app", "web"}
    assert orders["created_at"].str.contains(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$").all()
    assert (orders["order_key"] == orders["channel"] + ":" + orders["order_id"]).all()
    assert orders["person_id"].null_count() == 0


def test_sharer_figures_add_up_from_the_orders(truth):
    orders = truth["orders"].with_columns(pl.col("net_amount_fen").cast(pl.Int64))
    counted = (orders.filter(pl.col("sharer_openid").is_not_null()
                             & pl.col("status").is_in(["paid", "shipped", "completed", "partially_refunded"]))
               .group_by("sharer_openid").agg(pl.len().alias("n"), pl.col("net_amount_fen").sum().alias("sales")))
    sharers = truth["sharers"].with_columns(pl.col("order_count", "sales_fen", "cumulative_commission_fen")
                                            .cast(pl.Int64))
    joined = sharers.join(counted, on="sharer_openid", how="left").fill_null(0)
    assert (joined["order_count"] == joined["n"]).all() and (joined["sales_fen"] == joined["sales"]).all()
    assert (sharers["cumulative_commission_fen"] >= 0).all()
    assert (sharers["order_count"] > 0).any()
    staff = sharers.filter(pl.col("sharer_type") == "1")
    assert staff.height and staff["store_id"].null_count() == 0
    assert set(orders["sharer_openid"].drop_nulls()) <= set(sharers["sharer_openid"])
    assert {"miniprogram", "channels"} <= set(orders.filter(pl.col("sharer_openid").is_not_null())["channel"])


def test_persons_carry_several_phones_households_and_recycled_numbers(truth):
    persons = truth["persons"]
    assert persons["person_id"].is_unique().all()
    phones = persons.select("person_id", pl.col("phones").str.split("|")).explode("phones")
    assert phones["phones"].str.contains(r"^1\d{10}$").all()
    assert (persons["phones"].str.count_matches(r"\|") > 0).any()
    assert persons["household_id"].is_duplicated().any()
    devices = persons.select("household_id", pl.col("app_devices").str.split("|")).explode("app_devices").drop_nulls()
    shared = devices.group_by("app_devices").agg(pl.col("household_id").n_unique().alias("homes"), pl.len())
    assert (shared["len"] > 1).any() and (shared["homes"] == 1).all()
    assert persons["birthday"].str.starts_with("--").any()
    assert persons["unionid"].null_count() > 0
    assert phones["phones"].is_duplicated().any()  # a recycled number: two persons, years apart


# --- linkable groups: only what each record's latest version shows -----------------------------------------------

_MOBILE = re.compile(r"(?:\+86|0086|86)?(1[3-9]\d{9})")
_PLACEHOLDER_MOBILES = {"13800138000", "11111111111", "00000000000"}
_TS_PARTS = re.compile(r"(\d{4})[-/](\d\d)[-/](\d\d)[ T](\d\d):(\d\d)(?::(\d\d))?(Z|[+-]\d\d:\d\d)?")
# (entity folder, source, record column) -> how each identifier is read from a row: (id_type, column, kind)
_IDENTIFIERS = {
    ("miniprogram/users", "miniprogram.users", "openid"): [("mp_openid", "openid", "id"), ("unionid", "unionid", "id"),
                                                           ("phone", "phone", "phone")],
    ("miniprogram/sharers", "miniprogram.sharers", "sharer_openid"): [("mp_openid", "sharer_openid", "id"),
                                                                      ("unionid", "sharer_unionid", "id")],
    ("miniprogram/orders", "miniprogram.buyers", "buyer_openid"): [("mp_openid", "buyer_openid", "id"),
                                                                   ("unionid", "buyer_unionid", "id"),
                                                                   ("phone", "receiver_phone", "receiver")],
    ("channels/orders", "channels.buyers", "buyer_openid"): [("unionid", "buyer_unionid", "id"),
                                                             ("phone", "receiver_phone", "receiver")],
    ("wecom/contacts", "wecom.contacts", "external_userid"): [("unionid", "unionid", "id"),
                                                              ("phone", "remark_mobiles", "phone_list")],
    ("official_account/followers", "official_account.followers", "openid"): [("unionid", "unionid", "id")],
    ("app/users", "app.users", "user_id"): [("phone", "phone", "phone"), ("email", "email", "email")],
    ("web/customers", "web.customers", "customer_id"): [("phone", "phone", "phone"), ("email", "email", "email")],
    ("web/orders", "web.guests", "order_id"): [("phone", "guest_phone", "phone"), ("email", "guest_email", "email")],
    ("crm/members", "crm.members", "member_id"): [("phone", "phone", "phone")],
}


def _epoch(text) -> int:
    """A contract timestamp as epoch seconds (no offset: Asia/Shanghai)."""
    text = str(text).strip()
    if re.fullmatch(r"\d{10}", text):
        return int(text)
    y, mo, d, h, mi, s, offset = _TS_PARTS.fullmatch(text).groups()
    local = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0))
    seconds = 8 * 3600 if offset is None else 0 if offset == "Z" else (
        (1 if offset[0] == "+" else -1) * (int(offset[1:3]) * 3600 + int(offset[4:6]) * 60))
    return int((local - datetime(1970, 1, 1)).total_seconds()) - seconds


def _mobile(text) -> str | None:
    """The 11-digit mobile a phone cell carries, or None (masked, landline, placeholder, junk)."""
    import unicodedata
    compact = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", str(text)))
    m = _MOBILE.fullmatch(compact)
    return m.group(1) if m and m.group(1) not in _PLACEHOLDER_MOBILES else None


def _read_identifiers(value, kind: str, values: dict) -> list[str]:
    value = clean(value if not isinstance(value, int) else str(value))
    if value is None:
        return []
    match kind:
        case "id":
            return [strip_marker(value)]
        case "phone":
            return [m for m in [_mobile(value)] if m]
        case "receiver":  # a gift's receiver is another person
            gift = clean(values.get("is_present"))
            return [] if gift is not None and str(gift) == "1" else [m for m in [_mobile(value)] if m]
        case "phone_list":
            return [m for m in (_mobile(p) for p in re.split(r"[,;，]", value) if p.strip()) if m]
        case "email":
            return [value.lower()]
    raise ValueError(kind)


def test_linkable_groups_use_only_what_each_records_latest_version_shows(generated, landing_files, truth):
    """Read the exports as the platform must (good rows of whole files, the contract's delta rule: latest
    update_time, then later file date, then later row), take each record's identifiers from its latest
    version only, keep the person's own, and rebuild the linkable groups: they are the truth's exactly.
    A number that only an earlier version shows (a phone changed inside the window) links nothing."""
    out, _ = generated
    landing = out / "landing"
    wanted = {folder: (source, column, ids) for (folder, source, column), ids in _IDENTIFIERS.items()}
    latest: dict[tuple[str, str], tuple[tuple, str, dict]] = {}  # (folder, record key) -> (rank, source, values)
    earlier: dict[tuple[str, str], set] = defaultdict(set)  # (source, source_key) -> identifiers of any version
    for path in landing_files:
        folder = _folder(path, landing)
        if folder not in wanted:
            continue
        entity = BY_FOLDER[folder]
        header_cells, rows = read_records(path)
        header = canonical_header(entity, header_cells)
        if any(c.required and c.name not in header for c in entity.cols):
            continue  # a file without a required column is rejected as a whole
        file_date = path.name[:10]
        update_col = "updated_at" if folder.startswith("web/") else "update_time"
        for number, row in enumerate(rows, start=1):
            if row_failures(entity, header, row):
                continue
            values = dict(zip(header, row))
            rank = (_epoch(clean(values[update_col])), file_date, number)
            key = record_key(entity, header, row)
            source, column, ids = wanted[folder]
            record = strip_marker(clean(str(values[column])))
            if folder == "web/orders" and clean(values["customer_id"]) is not None:
                continue  # not a guest checkout
            for id_type, col, kind in ids:
                earlier[(source, record)] |= {(id_type, v) for v in _read_identifiers(values.get(col), kind, values)}
            if (folder, key) not in latest or rank > latest[(folder, key)][0]:
                latest[(folder, key)] = (rank, source, values)
    shown: dict[tuple[str, str], set] = defaultdict(set)  # (source, source_key) -> identifiers of latest versions
    for (folder, _), (_, source, values) in latest.items():
        _, column, ids = wanted[folder]
        record = strip_marker(clean(str(values[column])))
        for id_type, col, kind in ids:
            shown[(source, record)] |= {(id_type, v) for v in _read_identifiers(values.get(col), kind, values)}

    persons = truth["persons"]
    own = {(p, "unionid", u) for p, u in persons.select("person_id", "unionid").iter_rows() if u}
    for p, phones, emails in persons.select("person_id", "phones", "emails").iter_rows():
        own |= {(p, "phone", v) for v in (phones or "").split("|") if v}
        own |= {(p, "email", v) for v in (emails or "").split("|") if v}
    xref = truth["xref"]
    records = list(xref.select("source", "source_key", "person_id").iter_rows())
    parent = list(range(len(records)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    holder: dict[tuple, int] = {}
    superseded = 0  # own identifiers that only an earlier version of a record shows
    for i, (source, key, person) in enumerate(records):
        mine = {(t, v) for t, v in shown[(source, key)] if t == "mp_openid" or (person, t, v) in own}
        superseded += len({(t, v) for t, v in earlier[(source, key)] if (person, t, v) in own} - mine)
        for t, v in mine:
            j = holder.setdefault((person, t, v), i)
            parent[find(i)] = find(j)
    rebuilt = defaultdict(set)
    for i, (source, key, _) in enumerate(records):
        rebuilt[find(i)].add((source, key))
    expected = defaultdict(set)
    for source, key, group in xref.select("source", "source_key", "linkable_group").iter_rows():
        expected[group].add((source, key))
    assert superseded > 0  # the set has numbers changed inside the window, so the rule is exercised
    assert {frozenset(g) for g in rebuilt.values()} == {frozenset(g) for g in expected.values()}
