"""The dbt project as Dagster sees it. The manifest is a build artefact: ``dagster dev`` prepares it
(``prepare_if_dev``), and ``c360`` / CI prepare it before loading the definitions; nothing parses dbt at
import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

from dagster_dbt import DbtProject

from ..lib.settings import DBT_PROJECT_DIR
from ..lib.warehouse import configured_warehouse

# The warehouse the prepared parse was made for: dbt's partial parse is only reused when the rendered
# profile (whose path is $C360_WAREHOUSE) is the same, so a run against another warehouse prepares again.
PREPARED_FOR = ".prepared_for"


def dbt_executable() -> str:
    """The ``dbt`` installed in this interpreter's environment, so that an un-activated venv (cron,
    ``.venv/bin/c360``, a code server started with the resolved interpreter) still finds it."""
    for candidate in (Path(sys.prefix) / "bin" / "dbt", Path(sys.executable).with_name("dbt")):
        if candidate.exists():
            return str(candidate)
    return shutil.which("dbt") or "dbt"


@cache
def dbt_project() -> DbtProject:
    """The project; under ``dagster dev`` its manifest is re-parsed first, as ``prepare_if_dev`` does,
    but with this environment's ``dbt`` (the stock preparer looks on PATH, which an un-activated venv
    lacks)."""
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    if project.preparer.using_dagster_dev():
        prepare_manifest(Path(project.project_dir))
    return project


def manifest_is_stale(project_dir: Path = DBT_PROJECT_DIR) -> bool:
    manifest = project_dir / "target" / "manifest.json"
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [p for folder in ("models", "macros", "seeds", "tests") for p in (project_dir / folder).rglob("*")]
    sources += [project_dir / "dbt_project.yml"]
    return any(p.is_file() and p.stat().st_mtime > built for p in sources)


def dbt_target() -> str:
    """The profiles.yml target of $C360_ENGINE (duckdb or spark)."""
    return configured_warehouse().dbt_target


def dbt_environment() -> dict[str, str]:
    """The variables profiles.yml and the Spark source macros read for this engine's target."""
    return {"DBT_PROFILES_DIR": str(DBT_PROJECT_DIR), **configured_warehouse().dbt_environment()}


def _prepared_stamp() -> str:
    # adapter.dispatch is resolved at parse time: a manifest parsed for one engine is wrong for the other
    warehouse = configured_warehouse()
    database = str(warehouse.database)
    return database if warehouse.dbt_target == "duckdb" else f"{database} target={warehouse.dbt_target}"


def prepare_manifest(project_dir: Path = DBT_PROJECT_DIR) -> None:
    """``dbt parse`` ahead of loading the definitions (what ``dagster-dbt project prepare-and-package``
    does), into a private folder first: the manifest and dbt's partial-parse state are then renamed into
    place, so a process loading the definitions at the same moment never reads half a file, and each
    run's dbt (which starts from that state) parses only what changed instead of the whole project."""
    target = project_dir / "target"
    target.mkdir(exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".parse-", dir=target))
    try:
        subprocess.run(
            [dbt_executable(), "parse", "--quiet", "--project-dir", str(project_dir), "--profiles-dir", str(project_dir),
             "--target-path", str(scratch), "--target", dbt_target()],
            check=True,
            env={**os.environ, **dbt_environment(), "DBT_PROFILES_DIR": str(project_dir)},
            cwd=project_dir,
        )
        if (scratch / "partial_parse.msgpack").exists():
            os.replace(scratch / "partial_parse.msgpack", target / "partial_parse.msgpack")
        os.replace(scratch / "manifest.json", target / "manifest.json")
        (target / PREPARED_FOR).write_text(_prepared_stamp(), encoding="utf-8")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def prepared_for_another_warehouse(project_dir: Path = DBT_PROJECT_DIR) -> bool:
    stamp = project_dir / "target" / PREPARED_FOR
    return not stamp.exists() or stamp.read_text(encoding="utf-8") != _prepared_stamp()


def ensure_manifest() -> None:
    if manifest_is_stale() or prepared_for_another_warehouse():
        prepare_manifest()
