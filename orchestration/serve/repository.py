"""Reading the published version consistently.

A publish swaps ``<data>/published.duckdb`` by an atomic rename (orchestration/publish/swap.py), so the
name's inode says which version is current. A version is opened once, read-only, by the name of that
inode in ``published_versions/`` (a version's file never changes once written; its number is never
reused for other content), and every request takes the current version once and answers from it alone.
A request checks the published name's inode (one ``stat``); when it changed, the new version is opened
and swapped in under a lock, and the old one closes when its last request is done."""

from __future__ import annotations

import os
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..publish.swap import PublishLayout
from ..publish.tables import PUBLISHED_SCHEMA

CARD_TABLE = f"{PUBLISHED_SCHEMA}.customer_cards"
LOOKUP_TABLE = f"{PUBLISHED_SCHEMA}.customer_lookup"
LOG_TABLE = f"{PUBLISHED_SCHEMA}._publish_log"
SERVE_TIMEZONE = "Asia/Shanghai"


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
    customer_id: str
    candidate_count: int


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
    _local: threading.local = field(default_factory=threading.local, repr=False)

    @classmethod
    def open(cls, layout: PublishLayout) -> "PublishedVersion":
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
        connection.execute("set threads = 1")  # many requests at once: one thread each
        [(number,)] = connection.execute(f"select max(version) from {LOG_TABLE}").fetchall()
        version = cls(inode, number, connection)
        weakref.finalize(version, connection.close)
        return version

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._local.cursor = self.connection.cursor()
            cursor.execute("set TimeZone = ?", [SERVE_TIMEZONE])
        return cursor

    def resolve(self, kind: str, value: str) -> Match | None:
        rows = self._cursor().execute(
            f"select customer_id, candidate_count from {LOOKUP_TABLE} where lookup_value = ? and lookup_kind = ?",
            [value, kind],
        ).fetchall()
        return Match(*rows[0]) if rows else None

    def card(self, customer_id: str) -> CardRow | None:
        rows = self._cursor().execute(
            f"select customer_id, name, phone, birthday, card_json from {CARD_TABLE} where customer_id = ?", [customer_id]
        ).fetchall()
        return CardRow(*rows[0]) if rows else None


class PublishedVersions:
    """The current published version of a data folder, switched when a publish swaps it."""

    def __init__(self, data_dir: Path):
        self.layout = PublishLayout(data_dir)
        self.published = self.layout.published
        self._current: PublishedVersion | None = None
        self._lock = threading.Lock()

    def _published_inode(self) -> int | None:
        try:
            return os.stat(self.published).st_ino
        except FileNotFoundError:
            return None

    def current(self) -> PublishedVersion:
        version = self._current
        inode = self._published_inode()
        if version is not None and (inode is None or inode == version.inode):
            return version  # a vanished name (mid-restore by hand) keeps the version being served
        with self._lock:
            if self._current is None or self._current.inode != self._published_inode():
                self._current = PublishedVersion.open(self.layout)
            return self._current
