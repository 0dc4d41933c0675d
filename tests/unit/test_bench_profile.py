"""bench.profile: the slowest nodes of a dbt run and the heaviest operators of a model's plan."""

import json

import duckdb

from bench.profile import explain_analyze, operators, slowest_nodes


def test_the_slowest_nodes_come_first_with_their_compiled_sql(tmp_path):
    run = tmp_path / "dbt_models-1"
    (run / "compiled" / "c360" / "models").mkdir(parents=True)
    (run / "compiled" / "c360" / "models" / "big.sql").write_text("select 1")
    results = [
        {"unique_id": "model.c360.small", "execution_time": 1.5},
        {"unique_id": "model.c360.big", "execution_time": 9.0},
        {"unique_id": "test.c360.unique_big_id", "execution_time": 3.0},
    ]
    (run / "run_results.json").write_text(json.dumps({"results": results}))
    nodes = slowest_nodes(run / "run_results.json", top=2)
    assert [(s, u) for s, u, _ in nodes] == [(9.0, "model.c360.big"), (3.0, "test.c360.unique_big_id")]
    assert nodes[0][2].read_text() == "select 1" and nodes[1][2] is None


def test_the_plan_names_each_operator_with_its_time_and_rows(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table t as select range as i, range % 7 as g from range(200000)")
    found = operators(explain_analyze(warehouse, "select g, count(*) from t group by g"))
    kinds = {name.split()[0] for _, _, name in found}
    assert "TABLE_SCAN" in kinds and any(kind.endswith("GROUP_BY") for kind in kinds)
    scan = next(rows for _, rows, name in found if name.startswith("TABLE_SCAN"))
    assert scan == 200000
    assert [s for s, _, _ in found] == sorted((s for s, _, _ in found), reverse=True)
