"""Fixtures shared by the whole suite."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"
SAMPLES_DIR = SHARED_DIR / "samples"


def pytest_addoption(parser):
    parser.addoption("--update-published-snapshot", action="store_true",
                     help="rewrite tests/snapshots/sample_published.json from this run (see test_published_snapshot)")


@pytest.fixture(scope="session")
def shared_samples() -> Path:
    """The labelled sample beside the repository (../shared/samples); tests using it skip without it."""
    if not (SAMPLES_DIR / "landing").is_dir() or not (SAMPLES_DIR / "truth").is_dir():
        pytest.skip(f"the labelled sample is not at {SAMPLES_DIR} (../shared is absent from this checkout)")
    return SAMPLES_DIR


@pytest.fixture(scope="session")
def generated_night(tmp_path_factory):
    """The nightly job once on 400 generated persons over 14 days (tests/generated_night.py); read only."""
    from generated_night import run_generated_night  # Dagster and the generator: only for the tests that use it

    return run_generated_night(tmp_path_factory.mktemp("generated_night"))


class _Recorder(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Recorder.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"errcode":0}')

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    """A WeCom group robot on 127.0.0.1: its URL, and the payloads it received."""
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Recorder.received = []
    yield f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=test", _Recorder.received
    server.shutdown()
