"""The pipeline runs that test_identity and test_marts share (no tests here): end to end on the
labelled sample (../shared/samples).

The nightly job runs in process three times on one data folder (the whole module shares them):

  run 1  the sample's exports up to 2026-10-10;
  run 2  the same folder again, nothing new;
  run 3  the remaining days, plus one new app account whose phone is one customer's and whose email
         is another's, so that two customers of run 1 must merge.

Run 3's marts are then compared with the sample's truth (c360_tools.evaluate).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import duckdb
import pytest

from c360.runner import run_nightly
from c360_tools.evaluate import EvaluationReport, evaluate
from orchestration.lib.settings import Paths

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SAMPLE = SHARED / "samples"
FIRST_DAYS_UNTIL = date(2026, 10, 10)
MERGE_DAY = "2026-10-15"
MERGE_USER_ID = "900000001"

pytestmark = pytest.mark.skipif(
    not (SAMPLE / "landing").is_dir() or not (SAMPLE / "truth").is_dir(),
    reason=f"the labelled sample is not at {SAMPLE} (../shared is absent from this checkout)",
)


@dataclass(frozen=True)
class Snapshot:
    xref: dict[tuple[str, str], str]  # (source, source_key) -> customer_id
    customers: frozenset[str]
    history: dict[str, str]  # old_customer_id -> customer_id


@dataclass(frozen=True)
class SampleRuns:
    first: Snapshot
    second: Snapshot
    third: Snapshot
    merge_pair: tuple[str, str]  # the two run-1 customers the new app account joins
    warehouse: Path
    truth: Path
    report: EvaluationReport


def _file_date(path: Path) -> date | None:
    try:
        return date.fromisoformat(path.name[:10])
    except ValueError:
        return None


def _copy_landing(source: Path, target: Path, keep) -> None:
    for file in sorted(source.rglob("*")):
        if file.is_file() and keep(_file_date(file)):
            destination = target / file.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, destination)


def _run(paths: Paths) -> None:
    result = run_nightly(paths)
    failure = result.failure or ""
    # This module tests the dbt models; the quality gate and publish have their own tests.
    assert result.run_id, failure
    assert not failure.startswith("step dbt_models") and "ingest" not in failure.split(":")[0], failure
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.customers").fetchone()[0] > 0


def _snapshot(warehouse: Path) -> Snapshot:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        xref = {(s, k): c for s, k, c in con.execute("select source, source_key, customer_id from marts.customer_xref").fetchall()}
        customers = frozenset(r[0] for r in con.execute("select customer_id from marts.customers").fetchall())
        history = dict(con.execute(
            "select old_customer_id, customer_id from marts.customer_id_history where event_key = old_customer_id"  # retired ids
        ).fetchall())
    return Snapshot(xref, customers, history)


def _pick_merge_pair(warehouse: Path) -> tuple[str, str, str, str]:
    """Two customers of one record each: X with a linking phone and no email, Y with a linking email."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        x_id, phone = con.execute(
            """select i.customer_id, i.id_value from marts.customer_identifiers i
               join marts.customers c using (customer_id)
               where i.id_type = 'phone' and i.links and c.email is null and c.record_count = 1
                 and c.customer_id in (select customer_id from marts.customer_xref where source = 'crm.members')
               order by i.customer_id limit 1"""
        ).fetchone()
        y_id, email = con.execute(
            """select i.customer_id, i.id_value from marts.customer_identifiers i
               join marts.customers c using (customer_id)
               where i.id_type = 'email' and i.links and c.phone is null and c.customer_id <> ?
               order by i.customer_id limit 1""",
            [x_id],
        ).fetchone()
    return x_id, phone, y_id, email


def _write_merging_account(landing: Path, phone: str, email: str) -> None:
    folder = landing / "app" / "users"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{MERGE_DAY}.csv").write_text(
        "user_id,phone,email,nickname,birthday,gender,device_ids,register_time,last_login_time,push_enabled,update_time\n"
        f"{MERGE_USER_ID},{phone},{email},,,,,{MERGE_DAY} 10:00:00,,,{MERGE_DAY} 10:00:00\n",
        encoding="utf-8",
    )


@cache
def sample_runs() -> SampleRuns:
    work = Path(tempfile.mkdtemp(prefix="c360-identity-"))
    paths = Paths(landing_dir=work / "landing", data_dir=work / "data")
    _copy_landing(SAMPLE / "landing", paths.landing_dir, lambda d: d is None or d <= FIRST_DAYS_UNTIL)
    _run(paths)
    first = _snapshot(paths.warehouse)
    _run(paths)
    second = _snapshot(paths.warehouse)
    x_id, phone, y_id, email = _pick_merge_pair(paths.warehouse)
    _copy_landing(SAMPLE / "landing", paths.landing_dir, lambda d: d is not None and d > FIRST_DAYS_UNTIL)
    _write_merging_account(paths.landing_dir, phone, email)
    _run(paths)
    third = _snapshot(paths.warehouse)
    report = evaluate(paths.warehouse, SAMPLE / "truth")
    print(report.format())
    return SampleRuns(first, second, third, (x_id, y_id), paths.warehouse, SAMPLE / "truth", report)
