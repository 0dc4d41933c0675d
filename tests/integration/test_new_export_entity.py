"""A new export entity, added the way the README's "to change X, edit Y" says: its schema in exports.yaml,
its line in staging/__sources.yml, one staging model with its YAML. In a copy of the project (pointed at
by $C360_EXPORTS_FILE and $C360_DBT_PROJECT_DIR), its files are ingested by the code location's raw asset,
land in raw, are built by dbt into the staging model (the delta rule applied), and read back."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from exports import write_csv

from orchestration.lib.settings import DEFAULT_DBT_PROJECT_DIR, DEFAULT_EXPORTS_FILE

pytestmark = pytest.mark.slow  # dbt parses the copied project, then builds one model (75 s at a load average of 10)

TOY_EXPORT = """
  loyalty:                # a toy channel: stamp cards of a loyalty scheme
    stamps:
      key: [stamp_id]
      columns:
        stamp_id:    {type: str, id: true, required: true, zh: "印章卡号"}
        member_id:   {type: str, id: true, required: true, zh: "会员号"}
        stamps:      {type: int, required: true, zh: "印章数"}
        update_time: {type: ts, required: true, zh: "更新时间"}
"""

TOY_SOURCE_LINE = "  - name: loyalty__stamps\n"

TOY_MODEL_SQL = """with latest as (

    {{ latest_version(source('raw', 'loyalty__stamps'), ['stamp_id'], 'update_time') }}

)

select
    {{ c360.clean_id('stamp_id') }} as stamp_id,
    {{ c360.clean_id('member_id') }} as member_id,
    stamps,
    update_time,
    {{ c360.staging_lineage_columns() }}
from latest
"""

TOY_MODEL_YML = """version: 2
models:
- name: stg_loyalty__stamps
  description: 'The latest version of each `loyalty/stamps` record (key: stamp_id).'
  columns:
  - name: stamp_id
    description: 印章卡号
    data_tests:
    - not_null
    - unique
  - name: member_id
    description: 会员号
    data_tests:
    - not_null
  - name: stamps
    description: 印章数
  - name: update_time
    description: 更新时间
"""

# Runs in a fresh interpreter: the code location reads the project's locations once, when it is imported.
RUN_THE_TOY = """
import json
from datetime import date

import dagster as dg
import duckdb

from orchestration.automation.jobs import NIGHTLY_JOB, partition_range_tags
from orchestration.dbt.project import prepare_manifest
from orchestration.lib.settings import paths

prepare_manifest()
from orchestration.definitions import defs

raw, staging = dg.AssetKey(["raw", "loyalty", "stamps"]), dg.AssetKey(["staging", "stg_loyalty__stamps"])
graph = defs.resolve_asset_graph()
result = defs.resolve_job_def(NIGHTLY_JOB).execute_in_process(
    asset_selection=[raw, staging], tags=partition_range_tags(date(2026, 10, 1), date(2026, 10, 2)),
    instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
with duckdb.connect(str(paths().warehouse), read_only=True) as con:
    staged = con.execute(
        "select stamp_id, member_id, stamps, _source_file from staging.stg_loyalty__stamps order by stamp_id").fetchall()
    print(json.dumps({
        "success": result.success,
        "staging_parents": sorted(k.to_user_string() for k in graph.get(staging).parent_keys),
        "materialised": sorted(e.asset_key.to_user_string() for e in result.get_asset_materialization_events()),
        "checks": sorted((e.check_name, e.passed) for e in result.get_asset_check_evaluations() if e.asset_key == staging),
        "raw_rows": con.execute("select count(*) from raw.loyalty__stamps").fetchone()[0],
        "rejects": con.execute('select source_file, reason, "column" from raw._rejects').fetchall(),
        "staged": staged,
    }))
"""


def _project_with_the_toy_export(root: Path) -> tuple[Path, Path]:
    """A copy of exports.yaml and the dbt project with the toy export added; (exports file, dbt project)."""
    exports = root / "exports.yaml"
    exports.write_text(DEFAULT_EXPORTS_FILE.read_text(encoding="utf-8") + TOY_EXPORT, encoding="utf-8")
    project = root / "dbt_project"
    shutil.copytree(DEFAULT_DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    sources = project / "models" / "staging" / "__sources.yml"
    text = sources.read_text(encoding="utf-8")
    last_export = "  - name: touchpoints__messages\n"
    assert last_export in text
    sources.write_text(text.replace(last_export, last_export + TOY_SOURCE_LINE), encoding="utf-8")
    models = project / "models" / "staging" / "loyalty"
    models.mkdir()
    (models / "stg_loyalty__stamps.sql").write_text(TOY_MODEL_SQL, encoding="utf-8")
    (models / "stg_loyalty__stamps.yml").write_text(TOY_MODEL_YML, encoding="utf-8")
    return exports, project


def _toy_landing(landing: Path) -> None:
    folder = landing / "loyalty" / "stamps"
    # Chinese and canonical headers mixed, as admin consoles export them; one row whose count is not a number
    write_csv(folder / "2026-10-01.csv", ["印章卡号", "member_id", "印章数", "update_time"], [
        ["S1", "M1", "3", "2026-10-01 10:00:00"],
        ["S2", "'M2", "5", "2026-10-01 11:00:00"],
        ["S3", "M3", "many", "2026-10-01 12:00:00"],
    ])
    write_csv(folder / "2026-10-02.csv", ["stamp_id", "member_id", "stamps", "update_time"], [
        ["S1", "M1", "4", "2026-10-02 09:00:00"],  # a later version of S1: the delta rule keeps it
    ])


def test_a_new_export_entity_runs_from_its_landing_file_to_its_staging_model(tmp_path):
    exports, project = _project_with_the_toy_export(tmp_path)
    _toy_landing(tmp_path / "landing")
    env = {**os.environ, "C360_EXPORTS_FILE": str(exports), "C360_DBT_PROJECT_DIR": str(project),
           "C360_LANDING_DIR": str(tmp_path / "landing"), "C360_DATA_DIR": str(tmp_path / "data")}
    env.pop("DAGSTER_HOME", None)
    done = subprocess.run([sys.executable, "-c", RUN_THE_TOY], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])

    assert outcome["success"] is True
    assert "raw/loyalty/stamps" in outcome["staging_parents"]  # the translator maps the new source to its raw asset
    assert {"raw/loyalty/stamps", "staging/stg_loyalty__stamps"} <= set(outcome["materialised"])
    assert outcome["checks"] and all(passed for _, passed in outcome["checks"])  # the model YAML's data_tests ran
    assert outcome["raw_rows"] == 3
    assert outcome["rejects"] == [["loyalty/stamps/2026-10-01.csv", "unparseable_number", "stamps"]]
    assert outcome["staged"] == [
        ["S1", "M1", 4, "loyalty/stamps/2026-10-02.csv"],
        ["S2", "M2", 5, "loyalty/stamps/2026-10-01.csv"],
    ]
