"""A PySpark session on the local Spark warehouse, for the steps after dbt that read it as Spark
DataFrames (the quality gate). Its settings are the ones dbt-spark's session starts with: they are read
from the `spark` target of dbt_project/profiles.yml, their one home, rendered as dbt renders them.

The embedded Derby metastore admits one process at a time, so a session is opened only while no dbt
runs (the `warehouse` pool) and in a child process that exits with its JVM (orchestration/quality/checks.py).
"""

from __future__ import annotations

import ast
import os
from typing import TYPE_CHECKING

from .settings import DBT_PROJECT_DIR
from .yaml_files import read_yaml

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from .warehouse import Warehouse


def dbt_spark_settings(environment: dict[str, str]) -> dict[str, str]:
    """The Spark settings profiles.yml's `spark` target gives a session, for these environment variables."""
    import jinja2

    target = read_yaml(DBT_PROJECT_DIR / "profiles.yml")["c360"]["outputs"]["spark"]
    jinja = jinja2.Environment()
    jinja.filters["as_native"] = lambda value: value
    template = jinja.from_string(target["server_side_parameters"])
    variables = {**os.environ, **environment}
    rendered = template.render(env_var=lambda name, default=None: variables.get(name, default))
    return ast.literal_eval(rendered.strip())


def local_spark_session(warehouse: Warehouse, app_name: str = "c360") -> SparkSession:
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name).enableHiveSupport()
    for key, value in dbt_spark_settings(warehouse.dbt_environment()).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
