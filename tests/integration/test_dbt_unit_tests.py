"""The dbt unit tests (``unit_tests:`` beside the rule-heavy models) pass. The nightly build leaves them
out (they check the models' SQL, not the night's data); here they run once, against a copy of a built
warehouse (a unit test reads its inputs' columns from the database)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

from integration.test_identity_runs import pytestmark, sample_runs  # noqa: F401  (pytestmark: the same skip)

from orchestration.dbt.project import dbt_executable
from orchestration.lib.settings import DBT_PROJECT_DIR


def unit_tests_in_the_manifest() -> set[str]:
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))
    return {node["name"] for node in manifest.get("unit_tests", {}).values()}


def test_every_dbt_unit_test_passes(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(sample_runs().warehouse, warehouse)
    target = tmp_path / "target"
    finished = subprocess.run(
        [dbt_executable(), "test", "--select", "test_type:unit", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target)],
        env={**os.environ, "C360_WAREHOUSE": str(warehouse)}, capture_output=True, text=True, timeout=600,
    )
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    ran = {r["unique_id"].split(".")[-1]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    assert finished.returncode == 0, finished.stdout[-3000:]
    assert len(ran) >= 5 and set(ran) >= unit_tests_in_the_manifest(), ran
    assert set(ran.values()) == {"pass"}, ran
