"""`c360 serve` in a thread of the test process (a real uvicorn server on a free port of 127.0.0.1), and
a small HTTP client for it."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from orchestration.serve.app import create_app
from orchestration.serve.auth import load_keyring

MASKED_KEY = "masked-key-for-tests"
FULL_KEY = "full-key-for-tests"
TEST_KEYS = f"masked:{MASKED_KEY},full:{FULL_KEY}"


@dataclass
class Answer:
    status: int
    body: dict
    text: str
    headers: dict


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_service(data_dir: Path, keys: str = TEST_KEYS):
    """The service over ``data_dir`` until the block ends; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(create_app(data_dir, load_keyring(keys, None)), host="127.0.0.1", port=port,
                            access_log=False, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the service did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def get(url: str, key: str | None = None, scheme: str = "Bearer") -> Answer:
    request = urllib.request.Request(url, headers={"Authorization": f"{scheme} {key}"} if key else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw, headers = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, raw, headers = error.code, error.read(), dict(error.headers)
    text = raw.decode("utf-8")
    return Answer(status, json.loads(text) if text.startswith("{") else {}, text, headers)
