"""The connected-components macro on a long chain: a path of 300,000 nodes numbered in random order
(plain min-label propagation would need 300,000 rounds) must resolve to one component labelled by its
smallest node in a few rounds (contraction with pointer jumping: O(log n))."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dbt.cli.main import dbtRunner

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"


@pytest.mark.slow
def test_a_long_chain_resolves_in_a_few_rounds(tmp_path, monkeypatch):
    monkeypatch.setenv("C360_WAREHOUSE", str(tmp_path / "cc.duckdb"))
    result = dbtRunner().invoke([
        "run-operation", "connected_components_selftest", "--args", json.dumps({"n": 300_000}),
        "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
        "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"), "--quiet",
    ])
    assert result.success, result.exception
    log = (tmp_path / "logs" / "dbt.log").read_text(encoding="utf-8")
    figures = json.loads(log.split("connected_components_selftest ", 1)[1].splitlines()[0])
    assert figures["path_components"] == 1 and figures["label_is_min"] is True
    assert figures["pair_components"] == 10_000
    assert figures["rounds"] <= 20
