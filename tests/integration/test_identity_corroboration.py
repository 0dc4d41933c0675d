"""Guarded links need positive corroboration from the buyer's own side, on hand-made records.

Channels buyers each send non-gift parcels to the phone of a CRM member:

  proxy    a buyer who carries no other fact (no unionid, no gender) sends once to 李娜, whose
           membership holds the number: the receiver's name agreeing with the member's proves nothing
           (both are hers);
  own      a buyer whose WeCom contact (same unionid) is remarked 张伟 sends to 张伟 at the number of
           member 张伟: the buyer's own side knows the name on the order;
  surname  a buyer known as 王芳 sends to 王伟 (her surname) at the number of an unnamed member whose
           gender nobody knows: a shared surname is not evidence;
  habit    a bare buyer sends to the same number on two days: the number the buyer habitually uses;
  gender   a buyer whose WeCom contact is a woman sends to the number of a woman's membership: both
           sides know a gender and agree (a test half of all strangers fail).

The evidence weights and the threshold are the seeds' (identity_link_evidence, identity_link_rules).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb
import pytest
from exports import write_csv

from c360.runner import run_nightly
from orchestration.lib.settings import Paths

pytestmark = [pytest.mark.slow, pytest.mark.long]  # make test-long: CI keeps the smaller cases

DAY, NEXT_DAY = "2026-10-01", "2026-10-02"
# case -> (buyer_openid, buyer_unionid, receiver_name, phone, member_id, member_name, member_gender, remark,
#          contact_gender, days the buyer sent parcels)
CASES = {
    "proxy": ("oChProxy00000000000000001", "", "李娜", "13912340001", "M9000001", "李娜", "女", None, "", (DAY,)),
    "own": ("oChOwn0000000000000000001", "oUn1dOwn000000000000000001", "张伟", "13912340002", "M9000002", "张伟", "",
            "张伟", "0", (DAY,)),
    "surname": ("oChSurname000000000000001", "oUn1dSurname00000000000001", "王伟", "13912340003", "M9000003", "", "",
                "王芳", "0", (DAY,)),
    "habit": ("oChHabit00000000000000001", "", "赵敏", "13912340004", "M9000004", "", "", None, "", (DAY, NEXT_DAY)),
    "gender": ("oChGender0000000000000001", "oUn1dGender000000000000001", "钱丽", "13912340005", "M9000005", "", "女",
               "小钱", "2", (DAY,)),
}
EXPECTED = {"proxy": (False, None), "own": (True, "name_on_order, shared_person_name"),
            "surname": (False, None), "habit": (True, "repeated_receiver"), "gender": (True, "shared_gender")}

ORDER_HEADER = ["order_id", "line_no", "create_time", "update_time", "status", "buyer_openid", "buyer_unionid",
                "product_id", "quantity", "unit_price_fen", "paid_amount_fen", "is_present", "receiver_name",
                "receiver_phone", "city"]
MEMBER_HEADER = ["member_id", "name", "phone", "gender", "join_date", "update_time"]
CONTACT_HEADER = ["external_userid", "unionid", "name", "gender", "follow_userid", "remark", "add_time", "update_time"]


def write_landing(landing: Path) -> None:
    orders, members, contacts = [], [], []
    for i, (openid, unionid, receiver, phone, member_id, member_name, member_gender, remark, contact_gender,
            days) in enumerate(CASES.values()):
        for j, day in enumerate(days):
            orders.append([f"37000000000000000{i}{j}", "1", f"{day} 10:00:00", f"{day} 10:00:00", "100", openid,
                           unionid, "P100001", "1", "1000", "1000", "0", receiver, phone, "杭州市"])
        members.append([member_id, member_name, phone, member_gender, "2025-01-01", f"{DAY} 10:00:00"])
        if remark:
            contacts.append([f"wmHand{i}", unionid, "微信用户", contact_gender, "staff01", remark,
                             f"{DAY} 10:00:00", f"{DAY} 10:00:00"])
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


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_receiver_phone_joins_only_on_the_buyer_sides_own_evidence(built, case):
    openid, _, _, _, member_id, *_ = CASES[case]
    joined, evidence = EXPECTED[case]
    with duckdb.connect(str(built), read_only=True) as con:
        same = customer_of(con, "channels.buyers", openid) == customer_of(con, "crm.members", member_id)
        verdict = decision(con, openid)
    assert same is joined, (case, verdict)
    assert verdict[:2] == ("linked" if joined else "candidate", evidence), case


def test_the_evidence_is_weighed_by_the_seed_against_the_rules_threshold(built):
    with duckdb.connect(str(built), read_only=True) as con:
        weights = dict(con.execute(
            "select evidence, weight from config.identity_link_evidence where id_type = 'phone'").fetchall())
        needed = con.execute("select min_evidence from config.identity_link_rules where role = 'receiver'").fetchone()[0]
        verdicts = {case: decision(con, CASES[case][0]) for case in CASES}
    for case, (verdict, evidence, score) in verdicts.items():
        assert score == sum(weights[e] for e in (evidence or "").split(", ") if e), case
        assert (verdict == "linked") is (score >= needed), case
    assert weights["name_on_order"] >= needed and needed > 0  # corroboration is needed; a name on the order is enough
