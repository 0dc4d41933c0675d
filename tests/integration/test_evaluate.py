"""The evaluation: pair counts from contingency against brute force, and evaluate() on a tiny
hand-made warehouse and truth folder whose figures are known."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from c360_tools.evaluate import evaluate, pair_counts_from_contingency


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=40))
def test_pair_counts_from_contingency_equal_enumerated_pairs(labels):
    """labels[i] = (truth cluster, predicted cluster) of item i."""
    cells: dict[tuple[int, int], int] = {}
    for label in labels:
        cells[label] = cells.get(label, 0) + 1
    counts = pair_counts_from_contingency((t, p, n) for (t, p), n in cells.items())
    pairs = list(combinations(labels, 2))
    assert counts.together_in_truth == sum(a[0] == b[0] for a, b in pairs)
    assert counts.together_in_prediction == sum(a[1] == b[1] for a, b in pairs)
    assert counts.together_in_both == sum(a == b for a, b in pairs)
    assert 0 <= counts.precision <= 1 and 0 <= counts.recall <= 1


TRUTH = {
    "xref.csv": """source,source_key,person_id,linkable_group
miniprogram.users,u1,P1,P1#0
app.users,a1,P1,P1#0
crm.members,m1,P1,P1#1
miniprogram.users,u2,P2,P2#0
app.users,a2,P2,P2#0
crm.members,m3,P3,P3#0
""",
    "orders.csv": """order_key,channel,order_id,person_id,status,paid_amount_fen,refunded_amount_fen,net_amount_fen,sharer_openid,created_at
app:1,app,1,P1,paid,100,0,100,,2026-10-01T00:00:00+08:00
app:2,app,2,P2,refunded,200,200,0,,2026-10-01T00:00:00+08:00
web:3,web,3,P3,completed,300,0,300,,2026-10-01T00:00:00+08:00
""",
    "sharers.csv": """sharer_openid,person_id,order_count,sales_fen,cumulative_commission_fen,sharer_type,store_id
u1,P1,1,100,10,0,
""",
    "persons.csv": """person_id,name,phones,emails,birthday,gender,unionid,province,city,household_id,app_devices
P1,张三,13900000001|13900000002,,1990-01-01,male,,,,1,
P2,李四,13900000003,b@qq.com,--02-03,female,,,,2,
P3,王五,13900000004,,,female,,,,3,
""",
}

MARTS = """
create schema marts;
create table marts.customer_xref as select * from (values
    ('CA', 'miniprogram.users', 'u1'), ('CA', 'app.users', 'a1'),      -- P1#0 together
    ('CB', 'crm.members', 'm1'),                                        -- P1#1 apart (a split person)
    ('CC', 'miniprogram.users', 'u2'), ('CC', 'app.users', 'a2'), ('CC', 'crm.members', 'm3')  -- P2 + P3 over-merged
) t(customer_id, source, source_key);
create table marts.orders as select * from (values
    ('app:1', 'CA', 'paid', 100, 0, 100, null),
    ('app:2', 'CC', 'refunded', 200, 100, 100, null),
    ('web:9', 'CB', 'paid', 5, 0, 5, null)
) t(order_key, customer_id, status, paid_amount_fen, refunded_amount_fen, net_amount_fen, sharer_id);
create table marts.sharers as select * from (values ('u1', 'CA', 1, 100, 9)) t(sharer_id, customer_id, order_count, sales_fen, cumulative_commission_fen);
create table marts.customers as select * from (values
    ('CA', '张三', '13900000002', null, '1990-01-01', 'male'),
    ('CB', null, null, null, null, 'unknown'),
    ('CC', '王五', '13900000003', 'b@qq.com', '--02-03', 'female')
) t(customer_id, name, phone, email, birthday, gender);
"""


def _tiny(tmp_path: Path) -> tuple[Path, Path]:
    truth = tmp_path / "truth"
    truth.mkdir()
    for name, text in TRUTH.items():
        (truth / name).write_text(text, encoding="utf-8")
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(MARTS)
    return warehouse, truth


STRONG_EVIDENCE = """
create schema intermediate; create schema config;
create table config.identity_link_rules as select * from (values
    ('phone', 'authorised', true, 'firm'), ('phone', 'registered', true, 'firm'), ('phone', 'receiver', true, 'guarded')
) t(id_type, role, links, strength);
create table intermediate.int_identity__identifier_observations as select * from (values
    ('miniprogram.users', 'u1', 'phone', '13900000001', 'authorised'),
    ('app.users', 'a1', 'phone', '13900000001', 'registered'),
    ('crm.members', 'm1', 'phone', '13900000001', 'registered'),
    ('miniprogram.users', 'u2', 'phone', '13900000003', 'receiver'),
    ('app.users', 'a2', 'phone', '13900000003', 'receiver')
) t(source, source_key, id_type, id_value, role);
"""


def test_strong_evidence_counts_pairs_a_firm_identifier_proves(tmp_path):
    warehouse, truth = _tiny(tmp_path)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(STRONG_EVIDENCE)
    report = evaluate(warehouse, truth)
    # P1's u1, a1 and m1 share a registered/authorised phone: 3 pairs, only (u1, a1) joined (m1 is in CB);
    # P2's u2 and a2 share only a receiver phone: no strong evidence
    assert (report.strong_pairs, report.strong_pairs_joined) == (3, 1)
    assert report.strong_evidence_recall == 1 / 3
    assert "strong evidence   joined 33.33% (1/3)" in report.format()


def test_evaluate_reports_the_known_figures_of_a_tiny_case(tmp_path):
    report = evaluate(*_tiny(tmp_path))
    # truth pairs: P1 3 records -> 3, P2 -> 1, P3 -> 0 : 4; predicted: CA 1, CB 0, CC 3 : 4; both: (u1,a1), (u2,a2) : 2
    assert (report.identity.together_in_truth, report.identity.together_in_prediction, report.identity.together_in_both) == (4, 4, 2)
    assert report.precision == 0.5 and report.recall == 0.5
    assert report.linkable_pairs == 2 and report.linkable_pairs_joined == 2
    assert report.persons_split == 1 and report.linkable_groups_split == 0
    assert report.customers_over_merged == 1
    assert (report.strong_pairs, report.strong_pairs_joined) == (0, 0)  # no identifier observations: nothing proven
    assert report.orders_in_mixed_customers == 1  # app:2 sits in CC, which holds P2's and P3's records
    assert (report.truth_orders, report.orders_present, report.orders_attributed) == (3, 2, 2)
    assert (report.orders_status_exact, report.orders_money_exact) == (2, 1)
    assert (report.truth_sharers, report.sharers_present, report.sharers_exact, report.sharers_person_exact) == (1, 1, 0, 1)
    assert report.golden["phone"] == (2, 2)  # CA -> P1, CC -> P2 (its majority person)
    assert report.golden["name"] == (1, 2)
    text = report.format()
    assert "precision 0.5000" in text and "over-merged" in text and "orders sit in one" in text
    assert report.to_dict()["identity"]["f1"] == 0.5
