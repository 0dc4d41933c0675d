"""Compare the marts of a built warehouse with a labelled ``truth/`` folder.

``truth/`` holds ``xref.csv`` (source, source_key, person_id, linkable_group), ``orders.csv``,
``sharers.csv`` and ``persons.csv`` (see ``shared/samples/README.md``). Every figure is computed in
DuckDB over the marts ``customer_xref``, ``orders``, ``sharers`` and ``customers``; pair counts come
from cluster-count contingency (sum of C(n, 2)), never from enumerating pairs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from orchestration.lib.warehouse import Warehouse

from .metrics import PairCounts

MARTS_SCHEMA = "marts"


@dataclass
class EvaluationReport:
    # records
    truth_records: int
    resolved_records: int
    missing_records: int  # in truth, absent from customer_xref (counted as singletons)
    extra_records: int  # in customer_xref, absent from truth
    truth_persons: int
    predicted_customers: int  # customers holding at least one truth record
    # identity resolution, pairwise over the truth records
    identity: PairCounts
    linkable_pairs: int
    linkable_pairs_joined: int
    persons_split: int  # persons whose records are in more than one customer
    linkable_groups_split: int  # linkable groups (records sharing an identifier) split across customers
    # pairs of one person's records that firm identifiers prove (a shared unionid, account, authorised or
    # registered phone...: strength 'firm' in identity_link_rules), transitively; a receiver phone alone
    # is not strong evidence (the parcel may be somebody else's)
    strong_pairs: int
    strong_pairs_joined: int
    customers_over_merged: int  # customers holding records of more than one person
    # orders
    truth_orders: int
    orders_present: int
    orders_attributed: int  # the order's customer holds the truth buyer's records
    orders_status_exact: int
    orders_paid_exact: int
    orders_refunded_exact: int
    orders_net_exact: int
    orders_money_exact: int  # status, paid, refunded and net all exact
    orders_sharer_exact: int
    orders_in_mixed_customers: int  # orders whose customer holds records of more than one person
    # sharers
    truth_sharers: int
    sharers_present: int
    sharers_exact: int  # order_count, sales_fen and cumulative_commission_fen all exact
    sharers_person_exact: int
    # golden record, over customers mapped to a truth person (their majority person)
    golden: dict[str, tuple[int, int]] = field(default_factory=dict)  # attribute -> (agreeing, compared)
    # details for a reader who wants the failing keys
    sample_failures: dict[str, list[str]] = field(default_factory=dict)

    # --- derived figures -------------------------------------------------------------------------
    @property
    def precision(self) -> float:
        return self.identity.precision

    @property
    def recall(self) -> float:
        return self.identity.recall

    @property
    def f1(self) -> float:
        return self.identity.f1

    @property
    def linkable_recall(self) -> float:
        return self.linkable_pairs_joined / self.linkable_pairs if self.linkable_pairs else 1.0

    @property
    def strong_evidence_recall(self) -> float:
        return self.strong_pairs_joined / self.strong_pairs if self.strong_pairs else 1.0

    @staticmethod
    def _share(part: int, whole: int) -> float:
        return part / whole if whole else 1.0

    @property
    def order_attribution(self) -> float:
        return self._share(self.orders_attributed, self.truth_orders)

    @property
    def money_agreement(self) -> float:
        return self._share(self.orders_money_exact, self.truth_orders)

    @property
    def sharer_exact_rate(self) -> float:
        return self._share(self.sharers_exact, self.truth_sharers)

    def to_dict(self) -> dict:
        out = asdict(self)
        out["identity"] = {
            **asdict(self.identity),
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }
        out.update(
            linkable_recall=self.linkable_recall,
            strong_evidence_recall=self.strong_evidence_recall,
            order_attribution=self.order_attribution,
            money_agreement=self.money_agreement,
            sharer_exact_rate=self.sharer_exact_rate,
        )
        return out

    def format(self) -> str:
        pct = lambda part, whole: f"{self._share(part, whole):.2%} ({part:,}/{whole:,})"  # noqa: E731
        i = self.identity
        lines = [
            "identity resolution",
            f"  records           {self.truth_records:,} in truth, {self.resolved_records:,} resolved, "
            f"{self.missing_records:,} missing, {self.extra_records:,} not in truth",
            f"  persons           {self.truth_persons:,} in truth -> {self.predicted_customers:,} customers",
            f"  pairwise          precision {i.precision:.4f}  recall {i.recall:.4f}  F1 {i.f1:.4f}"
            f"  ({i.together_in_both:,} of {i.together_in_prediction:,} predicted pairs true;"
            f" {i.together_in_truth:,} true pairs)",
            f"  linkable pairs    joined {pct(self.linkable_pairs_joined, self.linkable_pairs)}",
            f"  strong evidence   joined {pct(self.strong_pairs_joined, self.strong_pairs)}"
            " (pairs a firm identifier proves; a receiver phone alone is not proof)",
            f"  persons split     {self.persons_split:,} ({self.linkable_groups_split:,} linkable groups split)",
            f"  over-merged       {self.customers_over_merged:,} customers hold more than one person;"
            f" {pct(self.orders_in_mixed_customers, self.truth_orders)} orders sit in one",
            "orders",
            f"  present           {pct(self.orders_present, self.truth_orders)}",
            f"  attributed        {pct(self.orders_attributed, self.truth_orders)}",
            f"  money exact       {pct(self.orders_money_exact, self.truth_orders)}"
            f"  (status {self.orders_status_exact:,}, paid {self.orders_paid_exact:,},"
            f" refunded {self.orders_refunded_exact:,}, net {self.orders_net_exact:,})",
            f"  sharer exact      {pct(self.orders_sharer_exact, self.truth_orders)}",
            "sharers",
            f"  present           {pct(self.sharers_present, self.truth_sharers)}",
            f"  figures exact     {pct(self.sharers_exact, self.truth_sharers)}",
            f"  person exact      {pct(self.sharers_person_exact, self.truth_sharers)}",
        ]
        if self.golden:
            lines.append("golden record (customers mapped to their majority person)")
            for attribute, (agree, compared) in self.golden.items():
                lines.append(f"  {attribute:<17} {pct(agree, compared)}")
        for name, keys in self.sample_failures.items():
            if keys:
                lines.append(f"e.g. {name}: {', '.join(keys)}")
        return "\n".join(lines)


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    value = con.execute(sql).fetchone()[0]
    return int(value or 0)


def _load_truth(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> None:
    for name in ("xref", "orders", "sharers", "persons"):
        path = truth_dir / f"{name}.csv"
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: a truth folder holds xref, orders, sharers and persons")
        con.execute(
            f"create temp table truth_{name} as select * from read_csv(?, header = true, all_varchar = true)",
            [str(path)],
        )


def _identity(con: duckdb.DuckDBPyConnection) -> dict:
    # truth records with their customer; a record missing from customer_xref is a singleton of its own
    con.execute(
        f"""
        create temp table scored_records as
        select
            t.source, t.source_key, t.person_id, t.linkable_group,
            coalesce(x.customer_id, '__missing__' || t.source || '|' || t.source_key) as customer_id,
            x.customer_id is null as missing
        from truth_xref as t
        left join {MARTS_SCHEMA}.customer_xref as x
            on x.source = t.source and x.source_key = t.source_key
        """
    )
    sums = con.execute(
        """
        with
        cells as (select person_id, customer_id, count(*) as n from scored_records group by all),
        persons as (select person_id, count(*) as n from scored_records group by all),
        customers as (select customer_id, count(*) as n from scored_records group by all),
        groups as (select linkable_group, count(*) as n from scored_records group by all),
        group_cells as (select linkable_group, customer_id, count(*) as n from scored_records group by all)
        select
            (select coalesce(sum(n * (n - 1) // 2), 0) from cells),
            (select coalesce(sum(n * (n - 1) // 2), 0) from persons),
            (select coalesce(sum(n * (n - 1) // 2), 0) from customers),
            (select coalesce(sum(n * (n - 1) // 2), 0) from groups),
            (select coalesce(sum(n * (n - 1) // 2), 0) from group_cells)
        """
    ).fetchone()
    both, in_truth, in_prediction, linkable, linkable_joined = (int(v) for v in sums)
    return dict(
        identity=PairCounts(both, in_truth, in_prediction),
        linkable_pairs=linkable,
        linkable_pairs_joined=linkable_joined,
        truth_records=_scalar(con, "select count(*) from scored_records"),
        missing_records=_scalar(con, "select count(*) from scored_records where missing"),
        resolved_records=_scalar(con, f"select count(*) from {MARTS_SCHEMA}.customer_xref"),
        extra_records=_scalar(
            con,
            f"""select count(*) from {MARTS_SCHEMA}.customer_xref as x
                anti join truth_xref as t on t.source = x.source and t.source_key = x.source_key""",
        ),
        truth_persons=_scalar(con, "select count(distinct person_id) from scored_records"),
        predicted_customers=_scalar(con, "select count(distinct customer_id) from scored_records where not missing"),
        persons_split=_scalar(
            con, "select count(*) from (select person_id from scored_records group by 1 having count(distinct customer_id) > 1)"
        ),
        linkable_groups_split=_scalar(
            con,
            "select count(*) from (select linkable_group from scored_records group by 1 having count(distinct customer_id) > 1)",
        ),
        customers_over_merged=_scalar(
            con,
            "select count(*) from (select customer_id from scored_records where not missing group by 1 having count(distinct person_id) > 1)",
        ),
    )


STRONG_EVIDENCE_TABLES = ("intermediate.int_identity__identifier_observations", "config.identity_link_rules")


def _strong_evidence(con: duckdb.DuckDBPyConnection) -> dict:
    """Pairs of one truth person's records joined, transitively, by identifiers of a firm rule."""
    present = {f"{s}.{t}" for s, t in con.execute(
        "select table_schema, table_name from information_schema.tables").fetchall()}
    if not set(STRONG_EVIDENCE_TABLES) <= present:
        return dict(strong_pairs=0, strong_pairs_joined=0)
    con.execute(
        f"""
        create temp table strong_links as
        with firm as (
            select distinct s.source || '|' || s.source_key as record, s.person_id, o.id_type, o.id_value
            from scored_records as s
            inner join {STRONG_EVIDENCE_TABLES[0]} as o on o.source = s.source and o.source_key = s.source_key
            inner join {STRONG_EVIDENCE_TABLES[1]} as r
                on r.id_type = o.id_type and r.role = o.role and r.links and r.strength = 'firm'
        )
        select record, dense_rank() over (order by person_id, id_type, id_value) as identifier
        from firm
        qualify count(*) over (partition by person_id, id_type, id_value) > 1
        """
    )
    con.execute("""create temp table strong_labels as
                   select source || '|' || source_key as record, source || '|' || source_key as label from scored_records""")
    for _ in range(64):  # min-label propagation: one person's records, a handful of rounds
        changed = con.execute(
            """
            with by_identifier as (
                select l.identifier, min(b.label) as label
                from strong_links as l inner join strong_labels as b using (record) group by l.identifier
            ),
            by_record as (
                select l.record, min(i.label) as label
                from strong_links as l inner join by_identifier as i using (identifier) group by l.record
            )
            update strong_labels set label = by_record.label
            from by_record
            where by_record.record = strong_labels.record and by_record.label < strong_labels.label
            """
        ).fetchone()[0]
        if not changed:
            break
    both, total = con.execute(
        """
        with labelled as (
            select b.label, s.customer_id
            from scored_records as s inner join strong_labels as b on b.record = s.source || '|' || s.source_key
        )
        select
            (select coalesce(sum(n * (n - 1) // 2), 0) from (select count(*) as n from labelled group by label, customer_id)),
            (select coalesce(sum(n * (n - 1) // 2), 0) from (select count(*) as n from labelled group by label))
        """
    ).fetchone()
    return dict(strong_pairs=int(total), strong_pairs_joined=int(both))


def _orders(con: duckdb.DuckDBPyConnection) -> dict:
    con.execute(
        """create temp table mixed_customers as
           select customer_id from scored_records where not missing
           group by customer_id having count(distinct person_id) > 1"""
    )
    con.execute(
        f"""
        create temp table scored_orders as
        select
            t.order_key,
            o.order_key is not null as present,
            exists (
                select 1 from scored_records as r
                where r.customer_id = o.customer_id and r.person_id = t.person_id
            ) as attributed,
            o.status = t.status as status_exact,
            o.paid_amount_fen = cast(t.paid_amount_fen as bigint) as paid_exact,
            o.refunded_amount_fen = cast(t.refunded_amount_fen as bigint) as refunded_exact,
            o.net_amount_fen = cast(t.net_amount_fen as bigint) as net_exact,
            o.sharer_id is not distinct from nullif(t.sharer_openid, '') as sharer_exact,
            o.customer_id in (select customer_id from mixed_customers) as in_mixed_customer
        from truth_orders as t
        left join {MARTS_SCHEMA}.orders as o on o.order_key = t.order_key
        """
    )
    figures = con.execute(
        """
        select
            count(*),
            count(*) filter (where present),
            count(*) filter (where attributed),
            count(*) filter (where status_exact),
            count(*) filter (where paid_exact),
            count(*) filter (where refunded_exact),
            count(*) filter (where net_exact),
            count(*) filter (where status_exact and paid_exact and refunded_exact and net_exact),
            count(*) filter (where sharer_exact),
            count(*) filter (where in_mixed_customer)
        from scored_orders
        """
    ).fetchone()
    names = ["truth_orders", "orders_present", "orders_attributed", "orders_status_exact", "orders_paid_exact", "orders_refunded_exact", "orders_net_exact", "orders_money_exact", "orders_sharer_exact", "orders_in_mixed_customers"]
    return dict(zip(names, (int(v or 0) for v in figures)))


def _sharers(con: duckdb.DuckDBPyConnection) -> dict:
    figures = con.execute(
        f"""
        select
            count(*),
            count(s.sharer_id),
            count(*) filter (
                where s.order_count = cast(t.order_count as bigint)
                  and s.sales_fen = cast(t.sales_fen as bigint)
                  and s.cumulative_commission_fen = cast(t.cumulative_commission_fen as bigint)
            ),
            count(*) filter (
                where exists (
                    select 1 from scored_records as r
                    where r.customer_id = s.customer_id and r.person_id = t.person_id
                )
            )
        from truth_sharers as t
        left join {MARTS_SCHEMA}.sharers as s on s.sharer_id = t.sharer_openid
        """
    ).fetchone()
    return dict(
        truth_sharers=int(figures[0]),
        sharers_present=int(figures[1]),
        sharers_exact=int(figures[2]),
        sharers_person_exact=int(figures[3]),
    )


def _golden(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    rows = con.execute(
        f"""
        with majority as (
            select customer_id, person_id
            from (
                select customer_id, person_id, row_number() over (
                    partition by customer_id order by count(*) desc, person_id) as rank
                from scored_records where not missing
                group by customer_id, person_id
            ) where rank = 1
        ),
        paired as (
            select c.*, p.name as t_name, p.phones as t_phones, p.emails as t_emails,
                   p.birthday as t_birthday, p.gender as t_gender
            from {MARTS_SCHEMA}.customers as c
            inner join majority as m on m.customer_id = c.customer_id
            inner join truth_persons as p on p.person_id = m.person_id
        )
        select 'name', count(*) filter (where name = t_name), count(name) from paired
        union all
        select 'phone', count(*) filter (where list_contains(string_split(t_phones, '|'), phone)), count(phone) from paired
        union all
        select 'email', count(*) filter (where list_contains(string_split(t_emails, '|'), email)), count(email) from paired
        union all
        select 'birthday', count(*) filter (where birthday = t_birthday), count(birthday) from paired
        union all
        select 'gender', count(*) filter (where gender = t_gender), count(*) filter (where gender <> 'unknown') from paired
        """
    ).fetchall()
    return {name: (int(agree), int(compared)) for name, agree, compared in rows}


def _failures(con: duckdb.DuckDBPyConnection, limit: int = 5) -> dict[str, list[str]]:
    def keys(sql: str) -> list[str]:
        return [str(r[0]) for r in con.execute(sql + f" limit {limit}").fetchall()]

    return {
        "orders missing": keys("select order_key from scored_orders where not present order by 1"),
        "orders with other money or status": keys(
            "select order_key from scored_orders where present and not "
            "(status_exact and paid_exact and refunded_exact and net_exact) order by 1"
        ),
        "orders attributed to another person": keys(
            "select order_key from scored_orders where present and not attributed order by 1"
        ),
        "over-merged customers": keys(
            "select customer_id from scored_records where not missing group by 1 "
            "having count(distinct person_id) > 1 order by 1"
        ),
    }


def evaluate(warehouse: Path, truth_dir: Path, engine: str = "duckdb") -> EvaluationReport:
    """Evaluate the marts dbt built on ``engine`` for ``warehouse`` (a DuckDB file, opened read-only)
    against ``truth_dir``."""
    warehouse, truth_dir = Path(warehouse), Path(truth_dir)
    if not warehouse.exists():
        raise FileNotFoundError(f"{warehouse} does not exist: run the pipeline first")
    with Warehouse(warehouse, engine).connect(read_only=True) as con:
        _load_truth(con, truth_dir)
        identity = _identity(con) | _strong_evidence(con)
        orders = _orders(con)
        sharers = _sharers(con)
        golden = _golden(con)
        failures = _failures(con)
    return EvaluationReport(**identity, **orders, **sharers, golden=golden, sample_failures=failures)
