"""Reading the published version consistently, and fast.

A publish swaps ``<data>/published.duckdb`` by an atomic rename (orchestration/publish/swap.py), so the
name's inode says which version is current. A version is read from its card store (store.py: the
identifier index and the cards, memory-mapped, built from the version's file the first time a service
opens it), and every request takes the current version once and answers from it alone.

A request checks the published name's inode (one ``stat``). When it changed, the new version is opened
in a background thread while the old one keeps answering, then swapped in; the old one's maps close when
its last request is done."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..lib.published import PublishLayout
from .store import CardRow, CardStore, ensure_built

logger = logging.getLogger(__name__)


class NoPublishedVersion(RuntimeError):
    pass


@dataclass(frozen=True)
class Match:
    card: CardRow
    candidate_count: int


def _current_file(layout: PublishLayout) -> tuple[int, Path, int]:
    """The current version's number, its own file in published_versions/ and that file's inode."""
    try:
        inode = os.stat(layout.published).st_ino
    except FileNotFoundError as exc:
        raise NoPublishedVersion(f"nothing is published at {layout.published} yet") from exc
    number = layout.current_version()
    if number is None:
        raise NoPublishedVersion(f"{layout.published} is none of the versions in {layout.versions_dir}")
    return number, layout.version_file(number), inode


@dataclass(eq=False)
class PublishedVersion:
    """One published version's card store."""

    inode: int
    store: CardStore

    @property
    def number(self) -> int | None:
        return self.store.number

    @classmethod
    def open(cls, layout: PublishLayout) -> PublishedVersion:
        for _attempt in range(5):
            number, path, inode = _current_file(layout)
            folder = layout.version_card_store(number, inode)
            try:
                ensure_built(path, folder)
            except (duckdb.IOException, FileNotFoundError):
                continue  # pruned while opening: a newer one is current
            return cls(inode, CardStore(folder))
        raise NoPublishedVersion(f"{layout.published} kept changing while it was being opened")

    def lookup(self, kind: str, value: str) -> Match | None:
        found = self.store.find(kind, value)
        if found is None:
            return None
        position, candidates = found
        return Match(self.store.card(position), candidates)


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
