"""No personal data in logs, run metadata or quality reports: a whole pipeline run on generated data,
every log line and metadata value scanned for the persons' raw phones, emails and names."""

from __future__ import annotations

import re

import dagster as dg
import polars as pl
import pytest
from dagster._serdes import serialize_value

from orchestration.generate import generate
from orchestration.pipeline_run import run_nightly
from orchestration.settings import Paths

pytestmark = pytest.mark.slow


def personal_values(truth_dir) -> set[str]:
    persons = pl.read_csv(truth_dir / "persons.csv", infer_schema=False)
    values: set[str] = set()
    for column in ("phones", "emails"):
        for cell in persons[column].drop_nulls():
            values |= {v for v in cell.split("|") if len(v) >= 7}
    values |= {n for n in persons["name"].drop_nulls() if len(n) >= 3}
    return values


def test_a_whole_run_leaks_no_phone_email_or_name(tmp_path, capfd):
    summary = generate(tmp_path / "gen", persons=300, days=4, seed=9)
    secrets = personal_values(summary.truth_dir)
    assert len(secrets) > 300
    with dg.instance_for_test() as instance:
        result = run_nightly(Paths(landing_dir=summary.landing_dir, data_dir=tmp_path / "data"), instance=instance)
        assert result.success, result.failure
        records = [serialize_value(entry) for entry in instance.all_logs(result.run_id)]
    captured = capfd.readouterr()
    quality_reports = [p.read_text(encoding="utf-8", errors="ignore") for p in (tmp_path / "data" / "quality_docs").rglob("*.html")]
    haystacks = {"event log": "\n".join(records), "console": captured.out + captured.err, "quality reports": "\n".join(quality_reports)}
    assert len(haystacks["event log"]) > 100_000 and quality_reports
    pattern = re.compile("|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True)))
    for where, text in haystacks.items():
        found = pattern.findall(text)
        assert not found, f"personal data in the {where}: {sorted(set(found))[:3]}"
