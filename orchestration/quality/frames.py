"""Where the quality gate's suites read their frames: DuckDB (the warehouse file, or Spark's Parquet read
through it) or a Spark session (GE's Spark datasource validates the DataFrame there).

The suites are written once, in DuckDB's SQL (expectations/*.yaml); on Spark each statement is
translated by sqlglot, plus the two DuckDB functions it leaves as they are: ``regexp_full_match`` and
``getvariable`` (a Spark session variable there).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import duckdb

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import SparkSession


class Frames(Protocol):
    """What a suite needs from an engine."""

    kind: str  # the Great Expectations datasource: "pandas" or "spark"
    errors: tuple[type[Exception], ...]  # what the engine raises for a statement it cannot run

    def create_view(self, name: str, sql: str) -> None: ...
    def frame(self, sql: str) -> Any: ...  # a pandas or a Spark DataFrame
    def rows(self, sql: str) -> tuple[tuple[str, ...], list[tuple]]: ...
    def row_count(self, frame: Any) -> int: ...


class DuckDBFrames:
    kind = "pandas"
    errors = (duckdb.Error,)

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def create_view(self, name: str, sql: str) -> None:
        self.con.execute(f"create or replace temp view {name} as {sql}")

    def frame(self, sql: str) -> pd.DataFrame:
        return self.con.sql(sql).df()

    def rows(self, sql: str) -> tuple[tuple[str, ...], list[tuple]]:
        relation = self.con.sql(sql)
        return tuple(relation.columns), relation.fetchall()

    def row_count(self, frame: pd.DataFrame) -> int:
        return len(frame)


def to_spark_sql(sql: str, raw_view: Callable[[str], str | None] = lambda table: None) -> str:
    """A suite's DuckDB statement in Spark's SQL; ``raw_view`` names the view Spark reads a table of
    schema raw as (the lake's copy of raw), or None to leave it as it is."""
    import sqlglot
    from sqlglot import exp

    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.RegexpFullMatch):
            value, pattern = node.this, node.expression
            if not isinstance(pattern, exp.Literal):
                raise ValueError(f"regexp_full_match needs a literal pattern on Spark: {node.sql('duckdb')}")
            # Java's $ also matches before a final line break: \z is the very end
            return exp.RegexpLike(this=value, expression=exp.Literal.string(f"^(?:{pattern.this})\\z"))
        if isinstance(node, exp.Table) and node.db == "raw" and (view := raw_view(node.name)):
            return exp.Table(this=exp.to_identifier(view), alias=node.args.get("alias"))
        if isinstance(node, exp.Anonymous) and node.name.lower() == "getvariable":
            (name,) = node.expressions
            return exp.column(name.this, table="session", db="system")
        return node

    return sqlglot.parse_one(sql, read="duckdb").transform(rewrite).sql(dialect="spark")


class SparkFrames:
    kind = "spark"

    def __init__(self, spark: SparkSession, lake_dir: Path):
        from pyspark.errors import PySparkException
        from sqlglot.errors import SqlglotError

        self.spark = spark
        self.lake_dir = lake_dir
        self.errors = (PySparkException, SqlglotError, ValueError)
        self.raw_views: dict[str, str] = {}

    def sql(self, sql: str):
        return self.spark.sql(to_spark_sql(sql, self._raw_view))

    def _raw_view(self, table: str) -> str | None:
        """Schema raw is the lake's copy of it: a table is a view of its Parquet folder, read when first named."""
        if table not in self.raw_views and (self.lake_dir / table).is_dir():
            self.raw_views[table] = f"raw__{table}"
            self.register_parquet(self.raw_views[table], self.lake_dir / table)
        return self.raw_views.get(table)

    def create_view(self, name: str, sql: str) -> None:
        self.sql(f"create or replace temp view {name} as {sql}")

    def frame(self, sql: str):
        return self.sql(sql)

    def rows(self, sql: str) -> tuple[tuple[str, ...], list[tuple]]:
        frame = self.sql(sql)
        return tuple(frame.columns), [tuple(row) for row in frame.collect()]

    def row_count(self, frame) -> int:
        return frame.count()

    def register_parquet(self, name: str, path: Path) -> None:
        self.spark.read.parquet(str(path)).createOrReplaceTempView(name)

    def register_pandas(self, name: str, frame: pd.DataFrame, schema: str) -> None:
        self.spark.createDataFrame(frame, schema=schema).createOrReplaceTempView(name)

    def set_variable(self, name: str, value: str) -> None:
        self.spark.sql(f"declare or replace variable {name} string")
        self.spark.sql(f"set var {name} = :value", args={"value": value})
