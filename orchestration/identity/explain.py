"""``c360 explain``: how a customer's records are joined, and why two records are or are not one person.

Reads the warehouse (read-only): marts.identity_links for the links, the identity models for what kept
records apart (a guarded link's conflicts or missing evidence, a blocklisted or capped identifier, an
operator's never_link). Identifier values are shown masked, never whole.
"""

from __future__ import annotations

from collections import deque

import duckdb

from ..lib.masking import mask_email, mask_phone
from .overrides import record_key

LINK_KEY_TABLE = "raw._identity_link_key"


def masked(id_type: str, value: str | None) -> str:
    if value is None:
        return "-"
    if id_type == "phone":
        return mask_phone(value)
    if id_type == "email":
        return mask_email(value)
    return value[:4] + "…" if len(value) > 6 else "…"


def _written(key: str) -> str:
    source, _, source_key = key.partition("|")
    return f"{source}:{source_key}"


def customer_of(con: duckdb.DuckDBPyConnection, record: str) -> str | None:
    source, _, key = record_key(record, "record").partition("|")
    row = con.execute("select customer_id from marts.customer_xref where source = ? and source_key = ?",
                      [source, key]).fetchone()
    return row[0] if row else None


def _links(con: duckdb.DuckDBPyConnection, customer_id: str) -> list[tuple]:
    """The customer's links with the masked value (found again among the first record's identifiers)."""
    return con.execute(
        f"""
        select l.record_a, l.record_b, l.id_type, o.id_value, l.rule, l.strength, l.evidence
        from marts.identity_links as l
        cross join (select max(hash_key) as hash_key from {LINK_KEY_TABLE}) as k
        left join intermediate.int_identity__identifier_observations as o
            on o.source || ':' || o.source_key = l.record_a
            and o.id_type = l.id_type
            and sha256(k.hash_key || '|' || o.id_type || ':' || o.id_value) = l.id_value_hash
        where l.customer_id = ?
        qualify row_number() over (partition by l.record_a, l.record_b, l.id_type, l.id_value_hash order by o.role) = 1
        order by l.record_a, l.record_b
        """,
        [customer_id],
    ).fetchall()


def _describe(link: tuple) -> str:
    a, b, id_type, value, rule, strength, evidence = link
    why = f" [{evidence}]" if evidence else ""
    return f"{a} -- {id_type} {masked(id_type, value)} ({rule}, {strength}){why} -- {b}"


def explain_customer(con: duckdb.DuckDBPyConnection, customer_id: str) -> list[str]:
    records = [f"{s}:{k}" for s, k in con.execute(
        "select source, source_key from marts.customer_xref where customer_id = ? order by 1, 2", [customer_id]).fetchall()]
    if not records:
        return [f"no customer {customer_id}"]
    lines = [f"customer {customer_id}: {len(records)} records"] + [f"  {r}" for r in records]
    links = _links(con, customer_id)
    lines.append(f"joined by {len(links)} links:" if links else "a single record: no links")
    lines += [f"  {_describe(link)}" for link in links]
    return lines


def _path(links: list[tuple], start: str, goal: str) -> list[tuple]:
    """The links from start to goal (breadth first over the customer's links)."""
    around: dict[str, list[tuple[str, tuple]]] = {}
    for link in links:
        around.setdefault(link[0], []).append((link[1], link))
        around.setdefault(link[1], []).append((link[0], link))
    came: dict[str, tuple[str, tuple] | None] = {start: None}
    queue = deque([start])
    while queue and goal not in came:
        here = queue.popleft()
        for there, link in around.get(here, []):
            if there not in came:
                came[there] = (here, link)
                queue.append(there)
    path, at = [], goal
    while came.get(at):
        at, link = came[at]
        path.append(link)
    return path[::-1]


def _kept_apart(con: duckdb.DuckDBPyConnection, a: str, b: str) -> list[str]:
    keys = [record_key(a, "record"), record_key(b, "record")]
    reasons = []
    for decision, evidence, score, needed, conflicts in con.execute(
        """
        select g.decision, g.evidence, g.evidence_score, g.min_evidence,
               concat_ws(', ',
                   case when g.override_conflict then 'never_link override' end,
                   case when g.unionid_conflict then 'different unionids' end,
                   case when g.gender_conflict then 'different genders' end,
                   case when g.person_name_conflict then 'different real names' end,
                   case when g.other_phone_conflict then 'the buyer holds another phone' end,
                   case when g.other_receiver_phone_conflict then 'the buyer receives at another phone too' end,
                   case when g.cardinality_conflict then 'too many records of one source for one person' end)
        from intermediate.int_identity__guarded_links as g
        join intermediate.int_identity__firm_components as ca on ca.record_key = ?
        join intermediate.int_identity__firm_components as cb on cb.record_key = ?
        where not g.links
          and ((g.target_component_node_id = ca.component_node_id and g.receiver_component_node_id = cb.component_node_id)
            or (g.target_component_node_id = cb.component_node_id and g.receiver_component_node_id = ca.component_node_id))
        """,
        keys,
    ).fetchall():
        if decision == "kept_apart":
            reasons.append(f"a receiver phone would join them, but the guard found: {conflicts}")
        else:
            reasons.append(f"a receiver phone would join them, but it is only a candidate: evidence "
                           f"{evidence or 'none'} weighs {score:g} of the {needed:g} needed")
    for id_type, value, status, reason in con.execute(
        """
        select b.id_type, b.id_value, b.link_status, b.reason
        from intermediate.int_identity__blocked_identifiers as b
        join intermediate.int_identity__identifier_observations as oa
            on oa.id_type = b.id_type and oa.id_value = b.id_value and oa.record_key = ?
        join intermediate.int_identity__identifier_observations as ob
            on ob.id_type = b.id_type and ob.id_value = b.id_value and ob.record_key = ?
        """,
        keys,
    ).fetchall():
        reasons.append(f"they share {id_type} {masked(id_type, value)}, which does not link: {status} ({reason})")
    for file, line in con.execute(
        """select file, line from intermediate.int_identity__overrides
           where action = 'never_link' and ((record_key = ? and other_record_key = ?) or (record_key = ? and other_record_key = ?))""",
        keys + keys[::-1],
    ).fetchall():
        reasons.append(f"an operator said never_link ({file} line {line})")
    return reasons or ["nothing links them: they share no identifier that links"]


def explain_pair(con: duckdb.DuckDBPyConnection, a: str, b: str) -> list[str]:
    first, second = customer_of(con, a), customer_of(con, b)
    if first is None or second is None:
        return [f"no such record: {a if first is None else b}"]
    if first == second:
        path = _path(_links(con, first), a, b)
        return [f"{a} and {b} are one customer ({first}), joined by:"] + [f"  {_describe(link)}" for link in path]
    return [f"{a} ({first}) and {b} ({second}) are two customers:"] + [f"  {r}" for r in _kept_apart(con, a, b)]


def explain(con: duckdb.DuckDBPyConnection, targets: list[str]) -> list[str]:
    """One customer id, one SOURCE:KEY (its customer), or two SOURCE:KEY (why they are, or are not, one)."""
    if len(targets) == 2:
        return explain_pair(con, *targets)
    (target,) = targets
    if ":" not in target:
        return explain_customer(con, target)
    customer = customer_of(con, target)
    return explain_customer(con, customer) if customer else [f"no such record: {target}"]


def largest_customers(con: duckdb.DuckDBPyConnection, count: int = 3) -> str:
    """Markdown: how the ``count`` customers holding the most records are joined (run metadata)."""
    largest = [r[0] for r in con.execute(
        "select customer_id from marts.customer_xref group by 1 order by count(*) desc, 1 limit ?", [count]).fetchall()]
    blocks = ["```\n" + "\n".join(explain_customer(con, customer)) + "\n```" for customer in largest]
    return "\n\n".join(blocks) or "no customers"
