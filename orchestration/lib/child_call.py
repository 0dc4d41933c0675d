"""``python -m orchestration.lib.child_call CALL RESULT``: load ``(function, args)`` from the pickle CALL,
call it, write ``(result, exception)`` to the pickle RESULT. For work that must not outlive its process
(a JVM holding the embedded metastore's lock): orchestration/quality/checks.py."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path


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
