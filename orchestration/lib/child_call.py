"""A function called in a fresh interpreter, for work whose resources must end with it (a JVM holding the
embedded metastore's lock: the quality gate on Spark, orchestration/quality/checks.py).

``python -m orchestration.lib.child_call CALL RESULT`` loads ``(function, args)`` from the pickle CALL,
calls it and writes ``(result, exception)`` to the pickle RESULT: files, not the console, which Spark
writes to.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import tempfile
from pathlib import Path


def call_in_child_process(function, *args):
    """``function(*args)`` in a child interpreter; its exception is raised here."""
    with tempfile.TemporaryDirectory(prefix="c360-child-") as folder:
        call, result = Path(folder) / "call.pickle", Path(folder) / "result.pickle"
        call.write_bytes(pickle.dumps((function, args)))
        completed = subprocess.run([sys.executable, "-m", __name__, str(call), str(result)], check=False)
        if completed.returncode != 0 or not result.exists():
            raise RuntimeError(f"{function.__name__} failed in its child process (exit code {completed.returncode})")
        outcome, error = pickle.loads(result.read_bytes())
    if error is not None:
        raise error
    return outcome


def main(call: Path, result: Path) -> int:
    function, args = pickle.loads(call.read_bytes())
    try:
        outcome = (function(*args), None)
    except Exception as exc:  # handed to the parent, which raises it
        outcome = (None, exc)
    try:
        data = pickle.dumps(outcome)
    except Exception:  # an exception holding what cannot be pickled (a JVM's handle): its text travels
        data = pickle.dumps((None, RuntimeError(f"{type(outcome[1]).__name__}: {outcome[1]}")))
    result.write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
