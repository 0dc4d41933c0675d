"""The card store of a published version (orchestration/serve/store.py): its cards equal the version's
rows, it is built once and mapped after, a build that died leaves nothing in the way, two processes
opening one version build it once, and it goes with its version."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.published import PublishLayout
from orchestration.publish.swap import swap_in
from orchestration.serve import store
from orchestration.serve.repository import PublishedVersions
from orchestration.serve.store import CardRow

CARDS = [
    ("c-1", "王小明", "13800000001", "1990-01-02", json.dumps({"profile": {"rfm_segment": "champions"}}, ensure_ascii=False)),
    ("c-2", 'a "quoted"\nname', None, None, json.dumps({"orders": [{"status": "paid\nline"}]})),
    ("c-3", None, "13800000003", None, "{}"),
    ("c-4", "gone", "13800000004", None, "{}"),
]
LOOKUPS = [  # (value, kind, customer, candidates): one phone held by two customers answers one of them
    ("13800000001", "phone", "c-1", 1),
    ("ext-1", "external_userid", "c-1", 1),
    ("c-2", "customer_id", "c-2", 1),
    ("13800000003", "phone", "c-3", 2),
]


def write_version(layout: PublishLayout, number: int, cards=CARDS, lookups=LOOKUPS) -> Path:
    layout.versions_dir.mkdir(parents=True, exist_ok=True)
    path = layout.version_file(number)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema c360")
        con.execute("create table c360.customer_cards (customer_id varchar, name varchar, phone varchar, birthday varchar, card_json varchar)")
        con.executemany("insert into c360.customer_cards values (?, ?, ?, ?, ?)", cards)
        con.execute("delete from c360.customer_cards where customer_id = 'c-4'")  # a gap in the rowids
        con.execute("create table c360.customer_lookup (lookup_value varchar, lookup_kind varchar, customer_id varchar, candidate_count integer)")
        con.executemany("insert into c360.customer_lookup values (?, ?, ?, ?)", lookups)
        con.execute("create table c360._publish_log as select ?::bigint as version", [number])
    return path


def make_current(layout: PublishLayout, number: int) -> None:
    swap_in(layout, number)  # as a publish makes a version current


@pytest.fixture
def layout(tmp_path) -> PublishLayout:
    layout = PublishLayout(tmp_path)
    write_version(layout, 1)
    make_current(layout, 1)
    return layout


def card_stores(layout: PublishLayout) -> list[str]:
    return sorted(p.name for p in layout.versions_dir.iterdir() if ".cards-" in p.name)


def test_every_identifier_answers_its_card_exactly_as_published(layout):
    version = PublishedVersions(layout.data_dir).current()
    cards = {card[0]: CardRow(*card) for card in CARDS}
    for value, kind, customer_id, candidates in LOOKUPS:
        match = version.lookup(kind, value)
        assert match is not None and match.card == cards[customer_id] and match.candidate_count == candidates
    assert version.lookup("phone", "13800000004") is None  # deleted with its card
    assert version.lookup("external_userid", "13800000001") is None  # a value under another kind
    assert version.number == 1


def test_a_built_store_is_mapped_not_built_again(layout, monkeypatch):
    PublishedVersions(layout.data_dir).current()
    [built] = card_stores(layout)

    def no_second_build(*_args):
        raise AssertionError("the store was built again")

    monkeypatch.setattr(store, "build", no_second_build)
    assert PublishedVersions(layout.data_dir).current().lookup("customer_id", "c-2") is not None
    assert card_stores(layout) == [built]
    assert not list(layout.versions_dir.glob(".*"))  # no lock file or build folder left


def test_a_build_that_died_leaves_nothing_in_the_way(layout):
    number, inode = 1, layout.version_file(1).stat().st_ino
    target = layout.version_card_store(number, inode)
    abandoned = target.with_name(f".{target.name}.deadbeef.building")
    abandoned.mkdir()
    (abandoned / "cards.bin").write_bytes(b"half")
    assert PublishedVersions(layout.data_dir).current().lookup("phone", "13800000001").card.customer_id == "c-1"
    assert not abandoned.exists()


def _open_and_look_up(data_dir: str, results) -> None:
    results.put(PublishedVersions(Path(data_dir)).current().lookup("external_userid", "ext-1").card.customer_id)


def test_two_processes_opening_one_version_build_one_store(layout):
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_open_and_look_up, args=(str(layout.data_dir), results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0, 0]
    assert [results.get(timeout=5) for _ in workers] == ["c-1", "c-1"]
    assert len(card_stores(layout)) == 1
    assert not list(layout.versions_dir.glob(".*"))


def test_a_version_number_written_again_gets_its_own_store(layout):
    PublishedVersions(layout.data_dir).current()
    layout.version_file(1).unlink()  # its store stays: only the inode tells the two files apart
    renamed = [("c-1", "李四", "13900000009", None, "{}")]
    write_version(layout, 1, cards=renamed, lookups=[("13900000009", "phone", "c-1", 1)])
    make_current(layout, 1)
    version = PublishedVersions(layout.data_dir).current()
    assert version.lookup("phone", "13900000009").card.name == "李四"
    assert version.lookup("phone", "13800000001") is None
    assert len(card_stores(layout)) == 2


def test_a_removed_version_takes_its_store_with_it(layout):
    PublishedVersions(layout.data_dir).current()
    write_version(layout, 2)
    make_current(layout, 2)
    PublishedVersions(layout.data_dir).current()
    assert len(card_stores(layout)) == 2
    layout.remove_version(1)
    assert [name.split(".")[0] for name in card_stores(layout)] == ["v000002"]
