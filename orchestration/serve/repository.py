"""Reading the published version consistently, and fast.

A publish swaps ``<data>/published.duckdb`` by an atomic rename (orchestration/publish/swap.py), so the
name's inode says which version is current. A version is opened once, read-only, by the name of that
inode in ``published_versions/`` (a version's file never changes once written; its number is never
reused for other content), and every request takes the current version once and answers from it alone.

Finding a row by a text key makes DuckDB scan a row group (122,880 rows); so a version, when opened,
reads its identifier index (customer_lookup) once into memory as 128-bit hashes of (kind, value), sorted,
each with the row of its customer's card, and a lookup fetches one card row by ``rowid``.

A request checks the published name's inode (one ``stat``). When it changed, the new version is opened
in a background thread while the old one keeps answering, then swapped in; the old one closes when its
last request is done."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np

from ..lib.published import PUBLISHED_SCHEMA, PublishLayout

CARD_TABLE = f"{PUBLISHED_SCHEMA}.customer_cards"
LOOKUP_TABLE = f"{PUBLISHED_SCHEMA}.customer_lookup"
LOG_TABLE = f"{PUBLISHED_SCHEMA}._publish_log"
logger = logging.getLogger(__name__)


class NoPublishedVersion(RuntimeError):
    pass


@dataclass(frozen=True)
class CardRow:
    customer_id: str
    name: str | None
    phone: str | None
    birthday: str | None
    card_json: str


@dataclass(frozen=True)
class Match:
    card: CardRow
    candidate_count: int


def key_hash(kind: str, value: str) -> tuple[int, int]:
    """The (lower, upper) 64-bit halves of md5('<kind>|<value>'), as DuckDB's md5_number_lower/upper."""
    digest = hashlib.md5(f"{kind}|{value}".encode()).digest()
    return int.from_bytes(digest[8:], "little"), int.from_bytes(digest[:8], "little")


@dataclass(frozen=True)
class LookupIndex:
    lower: np.ndarray        # uint64, sorted
    upper: np.ndarray        # uint64
    card_row: np.ndarray     # rowid in customer_cards
    candidates: np.ndarray   # customer_lookup.candidate_count

    @classmethod
    def read(cls, connection: duckdb.DuckDBPyConnection) -> LookupIndex:
        columns = connection.execute(f"""
            select
                md5_number_lower(l.lookup_kind || '|' || l.lookup_value) as lower,
                md5_number_upper(l.lookup_kind || '|' || l.lookup_value) as upper,
                c.rowid as card_row,
                l.candidate_count as candidates
            from {LOOKUP_TABLE} as l
            join {CARD_TABLE} as c using (customer_id)
            order by lower
        """).fetchnumpy()
        return cls(*(np.ascontiguousarray(columns[name]) for name in ("lower", "upper", "card_row", "candidates")))

    def find(self, kind: str, value: str) -> tuple[int, int] | None:
        """(card row, candidate count) of an identifier, or None."""
        lower, upper = key_hash(kind, value)
        position = int(np.searchsorted(self.lower, np.uint64(lower)))
        while position < len(self.lower) and int(self.lower[position]) == lower:
            if int(self.upper[position]) == upper:
                return int(self.card_row[position]), int(self.candidates[position])
            position += 1
        return None


def _current_file(layout: PublishLayout) -> tuple[Path, int]:
    """The current version's own file in published_versions/ and its inode."""
    try:
        inode = os.stat(layout.published).st_ino
    except FileNotFoundError as exc:
        raise NoPublishedVersion(f"nothing is published at {layout.published} yet") from exc
    number = layout.current_version()
    if number is None:
        raise NoPublishedVersion(f"{layout.published} is none of the versions in {layout.versions_dir}")
    return layout.version_file(number), inode


@dataclass(eq=False)
class PublishedVersion:
    """One published version, open read-only; its cursors are per thread (a DuckDB connection is not
    shared between threads)."""

    inode: int
    number: int | None
    connection: duckdb.DuckDBPyConnection
    index: LookupIndex
    _local: threading.local = field(default_factory=threading.local, repr=False)

    @classmethod
    def open(cls, layout: PublishLayout) -> PublishedVersion:
        for _attempt in range(5):
            path, inode = _current_file(layout)
            try:
                connection = duckdb.connect(str(path), read_only=True)
            except duckdb.IOException:
                continue  # pruned while opening: a newer one is current
            if os.stat(path).st_ino == inode:
                break
            connection.close()  # swapped while opening: take the newer one
        else:
            raise NoPublishedVersion(f"{layout.published} kept changing while it was being opened")
        [(number,)] = connection.execute(f"select max(version) from {LOG_TABLE}").fetchall()
        index = LookupIndex.read(connection)
        connection.execute("set threads = 1")  # many requests at once, each a one-row fetch
        version = cls(inode, number, connection, index)
        weakref.finalize(version, connection.close)
        return version

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._local.cursor = self.connection.cursor()
        return cursor

    def lookup(self, kind: str, value: str) -> Match | None:
        found = self.index.find(kind, value)
        if found is None:
            return None
        card_row, candidates = found
        rows = self._cursor().execute(
            f"select customer_id, name, phone, birthday, card_json from {CARD_TABLE} where rowid = ?", [card_row]
        ).fetchall()
        return Match(CardRow(*rows[0]), candidates)


class PublishedVersions:
    """The current published version of a data folder, switched when a publish swaps it."""

    def __init__(self, data_dir: Path):
        self.layout = PublishLayout(data_dir)
        self._current: PublishedVersion | None = None
        self._lock = threading.Lock()
        self._opening: int | None = None  # the inode being opened in the background

    def _published_inode(self) -> int | None:
        try:
            return os.stat(self.layout.published).st_ino
        except FileNotFoundError:
            return None

    def current(self) -> PublishedVersion:
        version = self._current
        inode = self._published_inode()
        if version is None:
            return self._open_now()
        if inode is not None and inode != version.inode:
            self._open_in_background(inode)
        return version  # until the new one is open (or while the name is missing: mid-restore by hand)

    def _open_now(self) -> PublishedVersion:
        with self._lock:
            if self._current is None:
                self._current = PublishedVersion.open(self.layout)
            return self._current

    def _open_in_background(self, inode: int) -> None:
        with self._lock:
            if self._opening is not None:
                return
            self._opening = inode
        threading.Thread(target=self._switch, name="c360-serve-open-version", daemon=True).start()

    def _switch(self) -> None:
        try:
            opened = PublishedVersion.open(self.layout)
            with self._lock:
                self._current = opened
        except Exception:  # the old version keeps answering; the next request tries again
            logger.exception("could not open the new published version")
        finally:
            with self._lock:
                self._opening = None
