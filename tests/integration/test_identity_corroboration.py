"""Guarded links need positive corroboration from the buyer's own side, on hand-made records.

Three Channels buyers each send a non-gift parcel to the phone of a CRM member:

  proxy    a buyer who carries no other fact (no unionid) sends to 李娜, whose membership holds the
           number: the receiver's name agreeing with the member's proves nothing (both are hers);
  own      a buyer whose WeCom contact (same unionid) is remarked 张伟 sends to 张伟 at the number of
           member 张伟: the buyer's own side knows the name on the order;
  surname  a buyer known as 王芳 sends to 王伟 (same surname, same gender as the unnamed member):
           a shared surname and a shared gender are not enough.

Only the own-phone order joins its buyer with the member; the others stay visible candidates.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb
import pytest

from exports import write_csv
from orchestration.pipeline_run import run_nightly
from orchestration.settings import Paths

pytestmark = pytest.mark.slow

DAY = "2026-10-01"
T = f"{DAY} 10:00:00"
# (case, buyer_openid, buyer_unionid, receiver_name, phone, member_id, member_name, member_gender, remark)
CASES = {
    "proxy": ("oChProxy00000000000000001", "", "李娜", "13912340001", "M9000001", "李娜", "女", None),
    "own": ("oChOwn0000000000000000001", "oUn1dOwn000000000000000001", "张伟", "13912340002", "M9000002", "张伟", "男",
            "张伟"),
    "surname": ("oChSurname000000000000001", "oUn1dSurname00000000000001", "王伟", "13912340003", "M9000003", "", "女",
                "王芳"),
}

ORDER_HEADER = ["order_id", "line_no", "create_time", "update_time", "status", "buyer_openid", "buyer_unionid",
                "product_id", "quantity", "unit_price_fen", "paid_amount_fen", "is_present", "receiver_name",
                "receiver_phone", "city"]
MEMBER_HEADER = ["member_id", "name", "phone", "gender", "join_date", "update_time"]
CONTACT_HEADER = ["external_userid", "unionid", "name", "gender", "follow_userid", "remark", "add_time", "update_time"]


def write_landing(landing: Path) -> None:
    orders, members, contacts = [], [], []
    for i, (openid, unionid, receiver, phone, member_id, member_name, gender, remark) in enumerate(CASES.values()):
        orders.append([f"3700000000000000000{i}", "1", T, T, "100", openid, unionid, "P100001", "1", "1000", "1000",
                       "0", receiver, phone, "杭州市"])
        members.append([member_id, member_name, phone, gender, "2025-01-01", T])
        if remark:
            contacts.append([f"wmHand{i}", unionid, "微信用户", "2" if gender == "女" else "1", "staff01", remark, T, T])
    write_csv(landing / "channels" / "orders" / f"{DAY}.csv", ORDER_HEADER, orders)
    write_csv(landing / "crm" / "members" / f"{DAY}.csv", MEMBER_HEADER, members)
    write_csv(landing / "wecom" / "contacts" / f"{DAY}.csv", CONTACT_HEADER, contacts)


@cache
def warehouse(work: Path) -> Path:
    paths = Paths(landing_dir=work / "landing", data_dir=work / "data")
    write_landing(paths.landing_dir)
    result = run_nightly(paths)
    assert result.run_id, result.failure
    return paths.warehouse


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return warehouse(tmp_path_factory.mktemp("corroboration"))


def customer_of(con, source: str, key: str) -> str:
    return con.execute("select customer_id from marts.customer_xref where source = ? and source_key = ?",
                       [source, key]).fetchone()[0]


def decision(con, openid: str) -> tuple[str, str | None, float]:
    return con.execute(
        """select g.decision, g.evidence, g.evidence_score
           from intermediate.int_identity__guarded_links g
           join intermediate.int_identity__nodes n on n.node_id = g.receiver_node_id
           where n.record_key = ?""", [f"channels.buyers|{openid}"]).fetchone()


@pytest.mark.parametrize("case, joined", [("proxy", False), ("own", True), ("surname", False)])
def test_a_receiver_phone_joins_only_on_the_buyer_sides_own_evidence(built, case, joined):
    openid, _, _, _, member_id, *_ = CASES[case]
    with duckdb.connect(str(built), read_only=True) as con:
        same = customer_of(con, "channels.buyers", openid) == customer_of(con, "crm.members", member_id)
        verdict, evidence, score = decision(con, openid)
    assert same is joined, (case, verdict, evidence, score)
    assert verdict == ("linked" if joined else "candidate"), (verdict, evidence)


def test_the_evidence_of_each_candidate_is_named_and_weighed_from_the_seed(built):
    with duckdb.connect(str(built), read_only=True) as con:
        own = decision(con, CASES["own"][0])
        surname = decision(con, CASES["surname"][0])
        proxy = decision(con, CASES["proxy"][0])
        weights = dict(con.execute(
            "select evidence, weight from config.identity_link_evidence where id_type = 'phone'").fetchall())
    assert {"name_on_order", "shared_person_name"} <= set(own[1].split(", "))
    assert own[2] == sum(weights[e] for e in own[1].split(", "))
    assert surname[1] == "shared_gender" and surname[2] == weights["shared_gender"] < 1.0
    assert proxy[1] is None and proxy[2] == 0
