"""The labelled truth: who is who, and the figures a correct platform publishes.

Computed from the generator's own state, never by reading the landing files back.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from .orders import OrderTruth
from .records import Built
from .sources import World

PERSON_COLUMNS = ["person_id", "name", "phones", "emails", "birthday", "gender", "unionid", "province", "city",
                  "household_id", "app_devices"]
COUNTED_STATUSES = ("paid", "shipped", "completed", "partially_refunded")  # what a sharer's figures count


def persons_table(world: World) -> pl.DataFrame:
    p = world.persons
    return p.select(
        "person_id", "name",
        pl.concat_list("phone0", "phone1", "phone2").list.drop_nulls().list.join("|").alias("phones"),
        pl.concat_list("email0", "email1").list.drop_nulls().list.join("|").alias("emails"),
        "birthday", pl.when(pl.col("gender") == 1).then(pl.lit("male")).otherwise(pl.lit("female")).alias("gender"),
        "unionid", "province", "city", pl.col("household").alias("household_id"),
        "app_devices",
    )


def _person_ids(world: World) -> pl.DataFrame:
    return world.persons.select(pl.col("pid").cast(pl.Int32), "person_id")


def xref_table(world: World, built: list[Built]) -> pl.DataFrame:
    """One row per source record, with its person and its linkable group."""
    xref = pl.concat([x for b in built for x in b.xref]).unique(["source", "source_key"], keep="first",
                                                                 maintain_order=True)
    xref = xref.sort("source", "source_key").with_row_index("rid")
    idents = pl.concat([i for b in built for i in b.idents]).select(
        "source", "source_key", "id_type", "id_value").unique(maintain_order=True)
    groups = linkable_groups(xref, idents)
    return (xref.join(groups, on="rid", how="left", maintain_order="left")
            .join(_person_ids(world), on="pid", how="left", maintain_order="left")
            .select("source", "source_key", "person_id",
                    (pl.col("person_id") + "#" + pl.col("group").cast(pl.String)).alias("linkable_group")))


def linkable_groups(xref: pl.DataFrame, idents: pl.DataFrame) -> pl.DataFrame:
    """``rid, group``: connected components of each person's records over the identifiers they share.

    Identifiers are the person's own (their numbers, emails, unionid, mini program openid), so a shared
    store phone or a gift receiver's number links nothing, and only those a record shows in its latest
    version (the contract's delta rule), so a number replaced inside the window links nothing. Groups
    are numbered per person in the order their first record appears in (source, source_key) order.
    """
    links = idents.join(xref.select("source", "source_key", "rid", "pid"), on=["source", "source_key"])
    # only an identifier that two records share links anything
    links = links.filter(pl.len().over("pid", "id_type", "id_value") > 1)
    ident_ids = links.select("pid", "id_type", "id_value").unique().sort("pid", "id_type", "id_value").with_row_index("iid")
    links = links.join(ident_ids, on=["pid", "id_type", "id_value"]).select("rid", "iid")
    label = xref.select("rid", pl.col("rid").alias("label"))
    while True:  # min-label propagation; components are a handful of records, so this ends in a few rounds
        by_ident = links.join(label, on="rid").group_by("iid").agg(pl.col("label").min())
        by_record = links.join(by_ident, on="iid").group_by("rid").agg(pl.col("label").min().alias("new"))
        updated = label.join(by_record, on="rid", how="left", maintain_order="left").select(
            "rid", pl.min_horizontal("label", pl.col("new").fill_null(pl.col("label"))).alias("label"))
        if updated["label"].equals(label["label"]):
            break
        label = updated
    return label.join(xref.select("rid", "pid"), on="rid", maintain_order="left").select(
        "rid", (pl.col("label").rank("dense").over("pid") - 1).cast(pl.Int64).alias("group"))


def orders_table(world: World, truths: list[OrderTruth]) -> pl.DataFrame:
    orders = pl.concat([t.orders for t in truths])
    return (orders.join(_person_ids(world), on="pid", how="left", maintain_order="left")
            .select("order_key", "channel", "order_id", "person_id", "status", "paid_amount_fen",
                    "refunded_amount_fen", "net_amount_fen", "sharer_openid", "created_at")
            .sort("order_key"))


def sharers_table(world: World, orders: pl.DataFrame, truths: list[OrderTruth]) -> pl.DataFrame:
    commission = pl.concat([t.commission for t in truths if t.commission is not None])
    counted = (orders.filter(pl.col("sharer_openid").is_not_null() & pl.col("status").is_in(COUNTED_STATUSES))
               .join(commission, on="order_key", how="left")
               .group_by("sharer_openid")
               .agg(pl.len().cast(pl.Int64).alias("order_count"), pl.col("net_amount_fen").sum().alias("sales_fen"),
                    pl.col("commission_fen").sum().alias("cumulative_commission_fen")))
    return (world.sharers.join(_person_ids(world), on="pid", how="left", maintain_order="left")
            .join(counted, on="sharer_openid", how="left", maintain_order="left")
            .select("sharer_openid", "person_id",
                    *[pl.col(c).fill_null(0).cast(pl.Int64) for c in ("order_count", "sales_fen",
                                                                      "cumulative_commission_fen")],
                    pl.col("sharer_type").cast(pl.Int64), "store_id")
            .sort("sharer_openid"))


def write_truth(truth_dir: Path, tables: dict[str, pl.DataFrame]) -> None:
    truth_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.write_csv(truth_dir / f"{name}.csv")
