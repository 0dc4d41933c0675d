"""Running the service under uvicorn, with an access log that names no identifier (uvicorn's own access
log, which prints paths and queries, is off)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import uvicorn

from .access_log import ACCESS_LOGGER
from .app import create_app
from .auth import KeyRing


def log_access_to_stderr() -> None:
    if not ACCESS_LOGGER.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        ACCESS_LOGGER.addHandler(handler)
        ACCESS_LOGGER.setLevel(logging.INFO)
        ACCESS_LOGGER.propagate = False


def serve(data_dir: Path, keyring: KeyRing, host: str = "127.0.0.1", port: int = 8360) -> None:
    log_access_to_stderr()
    uvicorn.run(create_app(data_dir, keyring), host=host, port=port, access_log=False, log_level="info")
