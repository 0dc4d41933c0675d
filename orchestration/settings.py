"""Where things live: every path comes from the environment, with defaults for a local checkout."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


@dataclass(frozen=True)
class Paths:
    landing_dir: Path
    data_dir: Path

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        return self.data_dir / "published.duckdb"


def paths() -> Paths:
    """Read on every call, so that tests and the CLI can point the platform elsewhere."""
    return Paths(
        landing_dir=Path(os.environ.get("C360_LANDING_DIR", "data/landing")).resolve(),
        data_dir=Path(os.environ.get("C360_DATA_DIR", "data")).resolve(),
    )


def duckdb_config() -> dict[str, str]:
    """Settings for the DuckDB connections the platform opens itself. ``C360_DUCKDB_MEMORY_LIMIT`` (dbt's
    too: dbt_project/profiles.yml) caps DuckDB's memory; beyond it DuckDB spills to disk."""
    limit = os.environ.get("C360_DUCKDB_MEMORY_LIMIT")
    return {"memory_limit": limit} if limit else {}
