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

ERASURE_FOLDER = "erasure"
KEY_ENV = "C360_ERASURE_KEY"
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
    line: int  # 0: the whole file
    reason: str


def read_requests(landing_dir: Path) -> tuple[list[ErasureRequest], list[RequestProblem]]:
    """Every well-formed request line, and what was wrong with the others (never their values)."""
    folder = landing_dir / ERASURE_FOLDER
    if not folder.is_dir():
        return [], []
    requests, problems = [], []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        relative = path.relative_to(landing_dir).as_posix()
        try:
            rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
            header = {f.strip() for f in rows.fieldnames or []}
        except (UnicodeDecodeError, csv.Error):
            problems.append(RequestProblem(relative, 0, "unreadable: not a UTF-8 CSV"))
            continue
        if {"id_type", "id_value"} - header:
            problems.append(RequestProblem(relative, 0, "the header must be id_type,id_value"))
            continue
        for line, row in enumerate(rows, start=1):
            id_type = (row.get("id_type") or "").strip()
            value = (row.get("id_value") or "").strip()
            if id_type not in ID_TYPES:
                problems.append(RequestProblem(relative, line, f"unknown id_type {id_type!r}"))
            elif not value:
                problems.append(RequestProblem(relative, line, "empty id_value"))
            else:
                requests.append(ErasureRequest(relative, line, id_type, normalise_identifier(id_type, value)))
    return requests, problems


def erasure_key(data_dir: Path) -> str:
    key = os.environ.get(KEY_ENV)
    if key:
        return key
    path = data_dir / ".erasure_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
