"""Running the service under uvicorn, with an access log that names no identifier (uvicorn's own access
log, which prints paths and queries, is off). With several workers, each process builds the app from
the environment (``app_from_environment``): the data folder and the keys as ``c360 serve`` read them."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import uvicorn

from ..lib.settings import paths, settings
from .access_log import ACCESS_LOGGER
from .app import create_app
from .auth import KeyRing, load_keyring


def log_access_to_stderr() -> None:
    if not ACCESS_LOGGER.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(message)s"))
        ACCESS_LOGGER.addHandler(handler)
        ACCESS_LOGGER.setLevel(logging.INFO)
        ACCESS_LOGGER.propagate = False


def keyring_from_environment() -> KeyRing:
    configured = settings()
    return load_keyring(configured.serve_keys, configured.serve_keys_file)


def app_from_environment():
    log_access_to_stderr()
    return create_app(paths().data_dir, keyring_from_environment())


def serve(data_dir: Path, keyring: KeyRing, host: str = "127.0.0.1", port: int = 8360, workers: int = 1) -> None:
    log_access_to_stderr()
    options = {"host": host, "port": port, "access_log": False, "log_level": "info"}
    if workers == 1:
        uvicorn.run(create_app(data_dir, keyring), **options)
    else:  # each worker reads the same environment (C360_DATA_DIR, the keys) again
        os.environ["C360_DATA_DIR"] = str(data_dir)
        uvicorn.run(f"{__name__}:app_from_environment", factory=True, workers=workers, **options)
