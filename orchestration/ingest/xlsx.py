"""The first sheet of an xlsx workbook, streamed: only the cells that are there, each with its kind.

No cell range is ever allocated from what the file claims (a ``<dimension>`` or a cell reference such as
XFD1048576 costs one entry, not a grid), every part is decompressed within one byte budget, and a cell's
kind is kept so that the reader can tell a text id from a number that lost its digits, and a formula
without a cached value from an empty cell.

That reader is Python, about ten times slower than calamine (Rust), which allocates the whole range
between the first and the last cell (a cell at XFD1048576 aborts the process) and turns numbers into
text without saying that digits were lost. :func:`only_text_cells` says when calamine may read a
workbook all the same: every part within the budget, every cell of the first sheet a text cell with a
reference, no formula, and a range no larger than a small multiple of the cells there.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO
from xml.etree import ElementTree

# (kind, text): kind is text | number | date (a number in a date format) | bool | error | formula (no value)
Cell = tuple[str, str]

# Excel's built-in number formats that show a date or a time (the CJK ones included).
_BUILTIN_DATE_FORMATS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_QUOTED_OR_BRACKETED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
_DATE_TOKENS = re.compile(r"[ydhms]", re.IGNORECASE)
_CELL_REFERENCE = re.compile(r"^([A-Z]{1,3})(\d+)$")
_ROW_NUMBER = re.compile(rb'<row r="(\d+)"')
_WIDE_COLUMN = re.compile(rb'<c r="([A-Z]{2,3})\d')
_FORMULA = re.compile(rb"<f[\s>/]")
# calamine's range may be this many times the cells there (sparse sheets: blank rows and columns)
_RANGE_PER_CELL = 4
_RANGE_SLACK = 100_000


class XlsxTooLarge(Exception):
    """The workbook's parts decompress beyond the byte budget."""


@dataclass
class Sheet:
    rows: list[dict[int, Cell]] = field(default_factory=list)  # non-blank rows in sheet order: column -> cell
    date1904: bool = False


class _Budget:
    def __init__(self, limit: int):
        self.left = limit

    def take(self, count: int) -> None:
        self.left -= count
        if self.left < 0:
            raise XlsxTooLarge


class _BoundedStream(io.RawIOBase):
    """A zip member's decompressed bytes, counted against the workbook's budget as they are read."""

    def __init__(self, member: BinaryIO, budget: _Budget):
        self._member = member
        self._budget = budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._member.read(len(buffer))
        self._budget.take(len(data))
        buffer[: len(data)] = data
        return len(data)


def _local(tag: str) -> str:
    """The element name without its namespace (transitional and strict OOXML alike)."""
    return tag.rsplit("}", 1)[-1]


def _attribute(element: ElementTree.Element, name: str) -> str | None:
    """An attribute by local name, whatever its namespace (``r:id``)."""
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return None


def _elements(book: zipfile.ZipFile, name: str, budget: _Budget, tags: set[str]):
    """(element, parent) at the end of each element named in ``tags``; each is removed from its parent
    once the caller is done with it, so memory holds one element at a time."""
    with book.open(name) as member:
        stream = io.BufferedReader(_BoundedStream(member, budget), 1 << 16)
        parents: list[ElementTree.Element] = []
        for event, element in ElementTree.iterparse(stream, events=("start", "end")):
            if event == "start":
                parents.append(element)
                continue
            parents.pop()
            if _local(element.tag) in tags:
                yield element
                if parents:
                    parents[-1].remove(element)


def _text_of(element: ElementTree.Element) -> str:
    """A rich or plain string: the ``t`` runs, without phonetic (``rPh``) annotations."""
    parts = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def _read_part(book: zipfile.ZipFile, name: str, budget: _Budget) -> bytes:
    with book.open(name) as member:
        return _BoundedStream(member, budget).read()


def _part_path(
    book: zipfile.ZipFile, budget: _Budget, rels_of: str, relationship_type: str | None = None, rel_id: str | None = None
) -> str | None:
    """The part a relationship points to, from ``<folder>/_rels/<name>.rels``."""
    folder, name = posixpath.split(rels_of)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in book.namelist():
        return None
    root = ElementTree.fromstring(_read_part(book, rels, budget))
    for rel in root:
        if (rel_id and rel.get("Id") == rel_id) or (relationship_type and (rel.get("Type") or "").endswith(relationship_type)):
            target = rel.get("Target") or ""
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
    return None


def _workbook(book: zipfile.ZipFile, budget: _Budget) -> tuple[str, str, bool]:
    """The workbook part, its first sheet's part, and whether dates count from 1904."""
    workbook = _part_path(book, budget, "", "/officeDocument") or "xl/workbook.xml"
    root = ElementTree.fromstring(_read_part(book, workbook, budget))
    date1904 = any(_local(e.tag) == "workbookPr" and e.get("date1904") in ("1", "true") for e in root)
    sheets = [e for e in root.iter() if _local(e.tag) == "sheet"]
    sheet = None
    if sheets:
        sheet = _part_path(book, budget, workbook, rel_id=_attribute(sheets[0], "id"))
    return workbook, sheet or posixpath.join(posixpath.dirname(workbook), "worksheets/sheet1.xml"), date1904


def _shared_strings(book: zipfile.ZipFile, workbook: str, budget: _Budget) -> list[str]:
    part = _part_path(book, budget, workbook, "/sharedStrings")
    if not part or part not in book.namelist():
        return []
    return [_text_of(si) for si in _elements(book, part, budget, {"si"})]


def _is_date_format(code: str) -> bool:
    return bool(_DATE_TOKENS.search(_QUOTED_OR_BRACKETED.sub("", code)))


def _date_styles(book: zipfile.ZipFile, workbook: str, budget: _Budget) -> set[int]:
    """Indices of the cell formats that show numbers as dates or times."""
    part = _part_path(book, budget, workbook, "/styles")
    if not part or part not in book.namelist():
        return set()
    custom: dict[int, str] = {}
    formats: list[int] = []
    for element in _elements(book, part, budget, {"numFmt", "cellXfs"}):
        if _local(element.tag) == "numFmt":
            custom[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
        else:
            formats = [int(xf.get("numFmtId", "0")) for xf in element if _local(xf.tag) == "xf"]
    return {
        index
        for index, fmt in enumerate(formats)
        if fmt in _BUILTIN_DATE_FORMATS or (fmt in custom and _is_date_format(custom[fmt]))
    }


def _column_index(reference: str | None, previous: int) -> int:
    match = _CELL_REFERENCE.match(reference or "")
    if not match:
        return previous + 1
    index = 0
    for letter in match[1]:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _cell(element: ElementTree.Element, shared: list[str], date_styles: set[int]) -> Cell | None:
    kind = element.get("t", "n")
    value = formula = inline = None
    for child in element:
        name = _local(child.tag)
        if name == "v":
            value = child.text
        elif name == "f":
            formula = True
        elif name == "is":
            inline = _text_of(child)
    if kind == "inlineStr":
        return ("text", inline) if inline else None
    if value is None or value == "":
        return ("formula", "") if formula else None
    match kind:
        case "s":
            text = shared[int(value)]
            return ("text", text) if text else None
        case "str" | "d":
            return "text", value
        case "b":
            return "bool", "1" if value.strip() in ("1", "true") else "0"
        case "e":
            return "error", value
    style = int(element.get("s", "0"))
    return ("date" if style in date_styles else "number"), value


def _sheet_rows(book: zipfile.ZipFile, part: str, shared: list[str], date_styles: set[int], budget: _Budget) -> list[dict[int, Cell]]:
    rows: list[dict[int, Cell]] = []
    for row in _elements(book, part, budget, {"row"}):
        cells: dict[int, Cell] = {}
        column = -1
        for element in row:
            if _local(element.tag) != "c":
                continue
            column = _column_index(element.get("r"), column)
            cell = _cell(element, shared, date_styles)
            if cell is not None:
                cells[column] = cell
        if cells:
            rows.append(cells)
    return rows


def read_first_sheet(handle: BinaryIO, limit: int) -> Sheet:
    """The first sheet's non-blank rows. Raises :class:`XlsxTooLarge` beyond ``limit`` decompressed
    bytes, and ``zipfile``, XML, zlib and lookup errors for a damaged workbook."""
    budget = _Budget(limit)
    with zipfile.ZipFile(handle) as book:
        workbook, sheet_part, date1904 = _workbook(book, budget)
        shared = _shared_strings(book, workbook, budget)
        date_styles = _date_styles(book, workbook, budget)
        return Sheet(_sheet_rows(book, sheet_part, shared, date_styles, budget), date1904)


class _Scan:
    """Counts over a sheet's XML, chunk by chunk: each chunk is scanned after the last bytes of the one
    before, so that a pattern cut by a chunk's end is found."""

    COUNTED = (b"<c ", b'<c r="', b' t="s"', b' t="inlineStr"', b"<f")

    def __init__(self):
        self.counts = dict.fromkeys(self.COUNTED, 0)
        self.max_row = 0
        self.columns: set[bytes] = set()
        self.narrow = 0  # the widest column when all are single letters
        self.formulas = False  # "<f" also begins <firstHeader>: only a real <f> element counts
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        data = self._tail + chunk
        for pattern in self.COUNTED:  # a match wholly in the tail was counted with the previous chunk
            self.counts[pattern] += data.count(pattern) - self._tail.count(pattern)
        rows = _ROW_NUMBER.findall(data)
        if rows:
            self.max_row = max(self.max_row, *map(int, rows))
        self.columns.update(_WIDE_COLUMN.findall(data))
        if not self.columns:  # columns A..Z only: the last letter present, found without a regex
            letter = next((c for c in b"ZYXWVUTSRQPONMLKJIHGFEDCBA" if data.find(b'<c r="' + bytes([c])) >= 0), None)
            if letter is not None:
                self.narrow = max(self.narrow, letter - 64)
        self.formulas = self.formulas or (self.counts[b"<f"] > 0 and _FORMULA.search(data) is not None)
        self._tail = data[-32:]

    def text_only(self) -> bool:
        cells = self.counts[b"<c "]
        text_cells = self.counts[b' t="s"'] + self.counts[b' t="inlineStr"']
        if not (cells == self.counts[b'<c r="'] == text_cells and not self.formulas):
            return False
        width = max((_column_index(c.decode() + "1", -1) + 1 for c in self.columns), default=self.narrow)
        return self.max_row * width <= _RANGE_PER_CELL * cells + _RANGE_SLACK


def only_text_cells(data: bytes, limit: int) -> bool:
    """Whether calamine may read this workbook (see the module's note); False for anything doubtful,
    including damage, which the streaming reader then reports."""
    budget = _Budget(limit)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            _, sheet_part, _ = _workbook(book, budget)
            scan = _Scan()
            for info in book.infolist():
                with book.open(info) as member:
                    stream = _BoundedStream(member, budget)
                    while chunk := stream.read(1 << 22):
                        if info.filename == sheet_part:
                            scan.feed(chunk)
            return scan.text_only()
    except (XlsxTooLarge, *DAMAGE):
        return False


# Errors by which a workbook shows it is damaged (read_first_sheet raises nothing else for bad bytes).
DAMAGE = (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, IndexError, ValueError, ElementTree.ParseError,
          zlib.error, EOFError, NotImplementedError, RuntimeError)
