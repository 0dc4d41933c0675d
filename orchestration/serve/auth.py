"""API keys of the service: kept only as SHA-256 hashes, each with a scope.

``$C360_SERVE_KEYS``: keys given to the process, separated by commas, each ``KEY`` or ``SCOPE:KEY``
(hashed when read; the plain keys are not kept). A keys file: one key a line, ``SCOPE sha256:HEX
[label]`` (``c360 serve --new-key SCOPE`` prints a key and its line); ``#`` starts a comment.

Scopes: ``masked`` (the default) sees masked names and phones only; ``full`` also sees them unmasked."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

KEYS_ENV = "C360_SERVE_KEYS"
KEYS_FILE_ENV = "C360_SERVE_KEYS_FILE"
SCOPES = ("masked", "full")
DEFAULT_SCOPE = "masked"
HASH_PREFIX = "sha256:"


@dataclass(frozen=True)
class ApiKey:
    scope: str
    label: str

    @property
    def sees_unmasked(self) -> bool:
        return self.scope == "full"


def hash_key(key: str) -> str:
    return HASH_PREFIX + hashlib.sha256(key.encode("utf-8")).hexdigest()


def _checked_scope(scope: str, where: str) -> str:
    if scope not in SCOPES:
        raise ValueError(f"{where}: unknown scope {scope!r} (one of {', '.join(SCOPES)})")
    return scope


class KeyRing:
    def __init__(self, keys: dict[str, ApiKey]):
        self._keys = dict(keys)

    def __len__(self) -> int:
        return len(self._keys)

    def authenticate(self, authorization: str | None) -> ApiKey | None:
        """The key named by an ``Authorization: Bearer KEY`` header, or None."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self._keys.get(hash_key(token.strip()))


def keys_from_env(value: str) -> dict[str, ApiKey]:
    keys = {}
    for number, entry in enumerate((e.strip() for e in value.split(",")), start=1):
        if not entry:
            continue
        scope, separator, key = entry.partition(":")
        if not separator:
            scope, key = DEFAULT_SCOPE, entry
        keys[hash_key(key)] = ApiKey(_checked_scope(scope, f"${KEYS_ENV} entry {number}"), f"env-{number}")
    return keys


def keys_from_file(path: Path) -> dict[str, ApiKey]:
    keys = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) < 2 or not fields[1].startswith(HASH_PREFIX):
            raise ValueError(f"{path}:{number}: expected 'SCOPE {HASH_PREFIX}HEX [label]'")
        label = fields[2] if len(fields) > 2 else f"{path.name}:{number}"
        keys[fields[1]] = ApiKey(_checked_scope(fields[0], f"{path}:{number}"), label)
    return keys


def load_keyring(env_value: str | None, keys_file: Path | None) -> KeyRing:
    keys = keys_from_env(env_value) if env_value else {}
    if keys_file is not None:
        keys.update(keys_from_file(keys_file))
    return KeyRing(keys)


def new_key(scope: str) -> tuple[str, str]:
    """A fresh random key and its keys-file line."""
    key = secrets.token_urlsafe(32)
    return key, f"{_checked_scope(scope, 'new key')} {hash_key(key)}"
