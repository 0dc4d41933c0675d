"""A published version's card store: what the card service reads per lookup, memory-mapped.

Fetching a card with DuckDB is a query, and planning a one-row fetch costs most of a millisecond of CPU;
the store makes a lookup a binary search in the identifier index and a slice of one file. It is built
once per version from the version's DuckDB file by the first service process that opens that version
(the others wait on a lock, then map the same files, which the page cache shares), kept beside the
version in ``published_versions/`` and removed with it (``PublishLayout.version_card_store``). It is named
by the version file's inode too: a number can come back after a publish that failed before its swap.

    lower.npy upper.npy card_row.npy candidates.npy   the identifier index, sorted by lower
    offsets.npy cards.bin                              card i is cards.bin[offsets[i]:offsets[i + 1]]
    meta.json                                          the version number and the card count

A card's bytes are a JSON array ``[customer_id, name, phone, birthday]``, a newline, then ``card_json``.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import mmap
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from ..lib.published import LOG_TABLE, PUBLISHED_SCHEMA

CARD_TABLE = f"{PUBLISHED_SCHEMA}.customer_cards"
LOOKUP_TABLE = f"{PUBLISHED_SCHEMA}.customer_lookup"
INDEX_ARRAYS = ("lower", "upper", "card_row", "candidates")
BATCH_ROWS = 100_000

CARD_ROWS_SQL = f"""
    select to_json([customer_id, name, phone, birthday]) || chr(10) || card_json as record
    from {CARD_TABLE}
    order by rowid
"""
# card_row is the card's position in the store (cards in rowid order), whatever gaps rowids have
INDEX_SQL = f"""
    with cards as (select customer_id, row_number() over (order by rowid) - 1 as card_row from {CARD_TABLE})
    select
        md5_number_lower(l.lookup_kind || '|' || l.lookup_value) as lower,
        md5_number_upper(l.lookup_kind || '|' || l.lookup_value) as upper,
        c.card_row,
        l.candidate_count as candidates
    from {LOOKUP_TABLE} as l
    join cards as c using (customer_id)
    order by lower
"""


@dataclass(frozen=True)
class CardRow:
    customer_id: str
    name: str | None
    phone: str | None
    birthday: str | None
    card_json: str


def key_hash(kind: str, value: str) -> tuple[int, int]:
    """The (lower, upper) 64-bit halves of md5('<kind>|<value>'), as DuckDB's md5_number_lower/upper."""
    digest = hashlib.md5(f"{kind}|{value}".encode()).digest()
    return int.from_bytes(digest[8:], "little"), int.from_bytes(digest[:8], "little")


def _write_index(con: duckdb.DuckDBPyConnection, target: Path) -> None:
    columns = con.execute(INDEX_SQL).fetchnumpy()
    for name in INDEX_ARRAYS:
        np.save(target / f"{name}.npy", np.ascontiguousarray(columns[name]))


def _write_cards(con: duckdb.DuckDBPyConnection, target: Path) -> int:
    """cards.bin and offsets.npy, a batch at a time (a million cards are about 2 GB)."""
    offsets = [np.zeros(1, dtype=np.int64)]
    written = 0
    with (target / "cards.bin").open("wb") as cards:
        for batch in con.sql(CARD_ROWS_SQL).to_arrow_reader(BATCH_ROWS):
            records = batch.column(0).cast(pa.large_string())
            ends = np.frombuffer(records.buffers()[1], dtype=np.int64)[records.offset : records.offset + len(records) + 1]
            data = records.buffers()[2]
            cards.write(memoryview(data)[ends[0] : ends[-1]] if data is not None else b"")
            offsets.append(ends[1:] - ends[0] + written)
            written += int(ends[-1] - ends[0])
        cards.flush()
        os.fsync(cards.fileno())
    all_offsets = np.concatenate(offsets)
    np.save(target / "offsets.npy", all_offsets)
    return len(all_offsets) - 1


def build(version_file: Path, target: Path) -> None:
    """The store of one version file, written into a new folder and renamed into place whole."""
    building = target.with_name(f".{target.name}.{uuid.uuid4().hex}.building")
    building.mkdir(mode=0o700)
    try:
        with duckdb.connect(str(version_file), read_only=True) as con:
            con.execute("set enable_progress_bar = false")  # it would print into the service's log
            [(number,)] = con.execute(f"select max(version) from {LOG_TABLE}").fetchall()
            _write_index(con, building)
            cards = _write_cards(con, building)
        (building / "meta.json").write_text(json.dumps({"version": number, "cards": cards}), encoding="utf-8")
        os.rename(building, target)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


def _discard_abandoned_builds(target: Path) -> None:
    """Folders of a build whose process died (only the lock holder builds, so none is in progress)."""
    for leftover in target.parent.glob(f".{target.name}.*.building"):
        shutil.rmtree(leftover, ignore_errors=True)


def ensure_built(version_file: Path, target: Path) -> None:
    if target.exists():
        return
    lock_file = target.with_name(f".{target.name}.lock")
    with open(lock_file, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or when the process dies
        if not target.exists():
            _discard_abandoned_builds(target)
            build(version_file, target)
    lock_file.unlink(missing_ok=True)


class CardStore:
    """A built store, mapped read-only; safe to read from many threads."""

    def __init__(self, folder: Path):
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        self.number: int | None = meta["version"]
        self.lower, self.upper, self.card_row, self.candidates = (
            np.load(folder / f"{name}.npy", mmap_mode="r") for name in INDEX_ARRAYS
        )
        self.offsets = np.load(folder / "offsets.npy", mmap_mode="r")
        with (folder / "cards.bin").open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            self.cards = mmap.mmap(handle.fileno(), size, access=mmap.ACCESS_READ) if size else b""

    def find(self, kind: str, value: str) -> tuple[int, int] | None:
        """(card position, candidate count) of an identifier, or None."""
        lower, upper = key_hash(kind, value)
        position = int(np.searchsorted(self.lower, np.uint64(lower)))
        while position < len(self.lower) and int(self.lower[position]) == lower:
            if int(self.upper[position]) == upper:
                return int(self.card_row[position]), int(self.candidates[position])
            position += 1
        return None

    def card(self, position: int) -> CardRow:
        start, end = int(self.offsets[position]), int(self.offsets[position + 1])
        head, card_json = self.cards[start:end].decode().split("\n", 1)
        return CardRow(*json.loads(head), card_json)
