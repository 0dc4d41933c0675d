"""The tables dbt wrote in Spark's warehouse, as folders of Parquet files.

``<warehouse>/<schema>.db/<table>/`` is a table dbt-spark wrote whole (a folder is complete once Spark's
committer wrote its ``_SUCCESS``). A stateful table (the id registry, the id history) is never rewritten
in place: each build writes a new version under ``<table>__versions/<run start>-<invocation>/`` and
switches the table's location to it in the metastore, then names it in ``<table>__versions/_current``
for readers outside Spark (dbt_project/macros/spark/incremental.sql). This module reads that layout and
clears what a killed build left behind.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

VERSIONS_SUFFIX = "__versions"
CURRENT = "_current"
COMMITTED = "_SUCCESS"
KEPT_PREVIOUS_VERSIONS = 1  # beside the current one, for a look back after a bad build


def is_complete(folder: Path) -> bool:
    return (folder / COMMITTED).exists()


def versions(versions_dir: Path) -> list[Path]:
    """The version folders, oldest first (their names start with the build's start time)."""
    return sorted(p for p in versions_dir.iterdir() if p.is_dir() and p.name != CURRENT)


def named_current_version(versions_dir: Path) -> str | None:
    for part in sorted((versions_dir / CURRENT).glob("part-*")):
        for line in part.read_text(encoding="utf-8").splitlines():
            if line.strip():
                return json.loads(line)["version"]
    return None


def current_version(versions_dir: Path) -> Path | None:
    """The version ``_current`` names; without it (a build killed while writing it), the newest complete one."""
    named = named_current_version(versions_dir)
    if named and is_complete(versions_dir / named):
        return versions_dir / named
    complete = [v for v in versions(versions_dir) if is_complete(v)]
    return complete[-1] if complete else None


def _has_parquet(folder: Path) -> bool:
    return any(folder.glob("*.parquet"))


def schema_tables(schema_dir: Path) -> dict[str, Path]:
    """Table name -> the folder holding its current Parquet files."""
    tables = {t.name: t for t in sorted(schema_dir.iterdir()) if t.is_dir() and _has_parquet(t)}
    for versions_dir in sorted(schema_dir.glob(f"*{VERSIONS_SUFFIX}")):
        current = current_version(versions_dir)
        if current is not None:
            tables[versions_dir.name.removesuffix(VERSIONS_SUFFIX)] = current
    return tables


def _dbt_schema_dirs(warehouse_dir: Path) -> list[Path]:
    """``<schema>.db`` folders dbt wrote: raw.db holds the lake's sources, external tables read from raw."""
    return [d for d in sorted(warehouse_dir.glob("*.db")) if d.name != "raw.db"]


def spark_tables(warehouse_dir: Path) -> dict[str, dict[str, Path]]:
    """The tables dbt built on Spark, by schema (``warehouse_dir``: Spark's ``spark.sql.warehouse.dir``)."""
    tables: dict[str, dict[str, Path]] = {}
    for schema_dir in _dbt_schema_dirs(warehouse_dir):
        found = schema_tables(schema_dir)
        if found:
            tables[schema_dir.name.removesuffix(".db")] = found
    return tables


def clear_abandoned_writes(warehouse_dir: Path) -> list[Path]:
    """Remove what killed builds left: a table folder Spark never finished (no ``_SUCCESS``: dbt-spark
    could not create the table over it), a version written but never switched to, versions older than
    the previous one, and a stateful table's first folder once it has versions. Returns what was removed.

    Only for the local session, before dbt runs (no build is writing then): a cluster's warehouse is the
    cluster's to tidy."""
    removed: list[Path] = []
    for schema_dir in _dbt_schema_dirs(warehouse_dir):
        for folder in sorted(p for p in schema_dir.iterdir() if p.is_dir()):
            if folder.name.endswith(VERSIONS_SUFFIX):
                removed += _clear_versions(folder)
            elif not is_complete(folder) and not (schema_dir / f"{folder.name}{VERSIONS_SUFFIX}").exists():
                removed.append(folder)
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    return removed


def _clear_versions(versions_dir: Path) -> list[Path]:
    named = named_current_version(versions_dir)
    if named is None or not is_complete(versions_dir / named):
        return []  # the metastore's pointer is unknown here: keep everything until a build names one
    stale: list[Path] = []
    all_versions = versions(versions_dir)
    position = [v.name for v in all_versions].index(named)
    stale += all_versions[: max(0, position - KEPT_PREVIOUS_VERSIONS)]
    # newer than the named one: either the switch happened and _current was not yet written (complete:
    # keep it, it may be what the metastore points at) or the build died while writing it (incomplete)
    stale += [v for v in all_versions[position + 1 :] if not is_complete(v)]
    first_folder = versions_dir.with_name(versions_dir.name.removesuffix(VERSIONS_SUFFIX))
    if first_folder.exists():
        stale.append(first_folder)  # the metastore stopped pointing at it at the first switch
    return stale
