"""Erasure requests: files of identifiers under ``<landing>/erasure/``, one ``id_type,id_value`` per line.

The values are normalised as the identity models normalise them and kept only as keyed hashes (the key
from ``$C360_ERASURE_KEY``, or a secret the platform creates once in the data folder, owner-only)."""

from __future__ import annotations

import csv
import io
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from ..lib.masking import mask_text
from ..lib.settings import settings

ERASURE_FOLDER = "erasure"
ID_TYPES = (
    "unionid", "mp_openid", "channels_openid", "oa_openid", "wecom_external_userid", "phone", "email",
    "app_user_id", "web_customer_id", "crm_member_id", "device_id",
)
_FULLWIDTH = str.maketrans("０１２３４５６７８９＋", "0123456789+")
_MAINLAND = re.compile(r"^(?:\+86|0086|86)?(1[3-9]\d{9})$")
_FOREIGN = re.compile(r"^(?:\+|00)([1-9]\d{6,14})$")


@dataclass(frozen=True)
class ErasureRequest:
    request_file: str
    line: int
    id_type: str
    id_value: str  # normalised; never stored


def normalise_identifier(id_type: str, value: str) -> str:
    value = value.strip()
    if id_type == "phone":
        compact = re.sub(r"[^0-9+]", "", value.translate(_FULLWIDTH))
        if match := _MAINLAND.match(compact):
            return match[1]
        if match := _FOREIGN.match(compact):
            return "+" + match[1]
        return compact
    if id_type == "email":
        return value.lower()
    return value


@dataclass(frozen=True)
class RequestProblem:
    request_file: str
    line: int  # the file's line (the header is line 1); 0: the whole file
    reason: str

    def __str__(self) -> str:
        where = f"{self.request_file} line {self.line}" if self.line else self.request_file
        return f"{where}: {self.reason}"


class ErasureRequestError(ValueError):
    """Malformed erasure requests: the run stops, since skipping one would publish a person who asked
    to be forgotten."""

    def __init__(self, problems: list[RequestProblem]):
        self.problems = problems
        listed = "; ".join(str(p) for p in problems[:10]) + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
        super().__init__(f"malformed erasure requests under {ERASURE_FOLDER}/, nothing was published: {listed}")


def _request_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if not p.is_dir())


def _file_problem(path: Path) -> str | None:
    if path.is_symlink() or not path.is_file():
        return "not a regular file"
    if path.suffix.lower() != ".csv":
        return "not a .csv file (requests are CSV files with the header id_type,id_value)"
    return None


def _read_file(path: Path, relative: str) -> tuple[list[ErasureRequest], list[RequestProblem]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return [], [RequestProblem(relative, 0, "not UTF-8 text (save it as UTF-8)")]
    except OSError as exc:
        return [], [RequestProblem(relative, 0, f"unreadable: {exc.strerror or exc}")]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
        if header != ["id_type", "id_value"]:
            return [], [RequestProblem(relative, 1, "the header must be id_type,id_value (comma-separated)")]
        requests, problems = [], []
        for index, cells in enumerate(reader, start=1):
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != 2:
                problems.append(RequestProblem(relative, line, f"{len(cells)} fields, expected id_type,id_value"))
                continue
            id_type, value = cells[0].strip(), cells[1].strip()
            if id_type not in ID_TYPES:
                problems.append(RequestProblem(relative, line, f"unknown id_type {mask_text(id_type)!r} (one of {', '.join(ID_TYPES)})"))
            elif not value:
                problems.append(RequestProblem(relative, line, "empty id_value"))
            else:
                requests.append(ErasureRequest(relative, index, id_type, normalise_identifier(id_type, value)))
    except csv.Error as exc:
        return [], [RequestProblem(relative, reader.line_num, f"not a readable CSV: {exc}")]
    return requests, problems


def read_requests(landing_dir: Path) -> tuple[list[ErasureRequest], list[RequestProblem]]:
    """Every request line under ``erasure/`` (subfolders too), and what was wrong with the others (never
    their values)."""
    folder = landing_dir / ERASURE_FOLDER
    if not folder.is_dir():
        return [], []
    requests, problems = [], []
    for path in _request_files(folder):
        relative = path.relative_to(landing_dir).as_posix()
        if reason := _file_problem(path):
            problems.append(RequestProblem(relative, 0, reason))
            continue
        found, wrong = _read_file(path, relative)
        requests.extend(found)
        problems.extend(wrong)
    return requests, problems


def valid_requests(landing_dir: Path) -> list[ErasureRequest]:
    """The requests of the landing folder; any malformed one raises ErasureRequestError."""
    requests, problems = read_requests(landing_dir)
    if problems:
        raise ErasureRequestError(problems)
    return requests


def erasure_key(data_dir: Path) -> str:
    key = settings().erasure_key
    if key:
        return key
    path = data_dir / ".erasure_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
