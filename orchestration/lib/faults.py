"""Crash points for the fault tests: with ``C360_KILL_AT=<point>`` the process kills itself (SIGKILL, no
clean-up) on reaching that point, as a power cut or the OOM killer would. Unset, it is one lookup."""

import os
import signal

from .settings import settings

KILL_AT_ENV = "C360_KILL_AT"


def crash_point(name: str) -> None:
    if settings().kill_at == name:
        os.kill(os.getpid(), signal.SIGKILL)
