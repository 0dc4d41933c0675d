"""No personal data in logs, run metadata or quality reports: a whole pipeline run on generated data (the
night the card service's tests read too), every log line, console line and metadata value scanned for the
persons' raw phones, emails and names."""

from __future__ import annotations

import re

import duckdb
import polars as pl
import pytest

from orchestration.publish.swap import PublishLayout, pseudonymise_rules

pytestmark = pytest.mark.slow


def personal_values(truth_dir) -> set[str]:
    persons = pl.read_csv(truth_dir / "persons.csv", infer_schema=False)
    values: set[str] = set()
    for column in ("phones", "emails"):
        for cell in persons[column].drop_nulls():
            values |= {v for v in cell.split("|") if len(v) >= 7}
    values |= {n for n in persons["name"].drop_nulls() if len(n) >= 3}
    return values


def test_a_whole_run_leaks_no_phone_email_or_name(generated_night):
    secrets = personal_values(generated_night.truth_dir)
    assert len(secrets) > 400
    data_dir = generated_night.paths.data_dir
    quality_reports = [p.read_text(encoding="utf-8", errors="ignore") for p in (data_dir / "quality_docs").rglob("*.html")]
    haystacks = {"event log": generated_night.event_log, "console": generated_night.console,
                 "quality reports": "\n".join(quality_reports)}
    assert len(haystacks["event log"]) > 100_000 and quality_reports
    pattern = re.compile("|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True)))
    for where, text in haystacks.items():
        found = pattern.findall(text)
        assert not found, f"personal data in the {where}: {sorted(set(found))[:3]}"
    assert_pseudonymised_copy_holds_nothing_in_clear(PublishLayout(data_dir), secrets)


def identifiers_in_clear(con) -> set[str]:
    """Every identifier the clear version publishes: ids, keys, identifier values, sharer ids and unionids."""
    queries = [
        "select customer_id from c360.customers", "select source_key from c360.customer_xref",
        "select record_key from c360.customer_xref", "select id_value from c360.customer_identifiers",
        "select order_id from c360.orders", "select order_key from c360.orders", "select buyer_record_key from c360.orders",
        "select sharer_id from c360.sharers", "select sharer_unionid from c360.sharers",
    ]
    return {v for q in queries for (v,) in con.execute(q).fetchall() if v is not None and len(str(v)) >= 5}


def assert_pseudonymised_copy_holds_nothing_in_clear(layout, secrets: set[str]) -> None:
    rules = pseudonymise_rules()
    named = [c for kind in ("hash", "drop", "keep") for c in rules[kind]] + list(rules["generalise"])
    assert len(named) == len(set(named)), "a column is named in two lists of pseudonymise.yaml"
    with duckdb.connect(str(layout.published), read_only=True) as con:
        published_columns = {r[0] for r in con.execute("select column_name from duckdb_columns() where schema_name = 'c360'").fetchall()}
        clear = identifiers_in_clear(con) | secrets
    unnamed = published_columns - set(named) - {"version", "published_at", "row_counts", "check_summary", "input_files", "erased_requests"}
    assert unnamed == set(), f"published columns pseudonymise.yaml does not classify: {sorted(unnamed)}"
    with duckdb.connect(str(layout.pseudonymised), read_only=True) as con:
        tables = [r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'c360'").fetchall()]
        values = {str(v) for t in tables for row in con.execute(f"select * from c360.{t}").fetchall() for v in row if v is not None}
    leaked = values & clear
    assert not leaked, f"the pseudonymised copy holds values in clear: {sorted(leaked)[:3]}"
    texts = " ".join(v for v in values if not v.isdigit())
    assert not [s for s in secrets if s in texts][:1], "a phone, email or name inside a pseudonymised value"


def test_the_console_capture_sees_every_way_a_run_can_print(tmp_path):
    """What the scan above reads as the console: Python's streams, a logging handler made during the run,
    the descriptors themselves and a child process."""
    import logging
    import os
    import subprocess
    import sys

    from generated_night import console_into

    with console_into(tmp_path / "console.txt"):
        print("printed")
        handler = logging.StreamHandler()  # bound to sys.stderr as the block set it
        logging.getLogger("c360.test.console").addHandler(handler)
        logging.getLogger("c360.test.console").warning("logged")
        logging.getLogger("c360.test.console").removeHandler(handler)
        os.write(2, b"written\n")
        subprocess.run([sys.executable, "-c", "print('child')"], check=True)
    console = (tmp_path / "console.txt").read_text(encoding="utf-8")
    assert {"printed", "logged", "written", "child"} <= set(console.split())
