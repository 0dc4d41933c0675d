"""The service's access log: method, the route's template (never the path or the query, which hold
identifiers), the identifier kind asked for, status and time. An ASGI middleware, around every route."""

from __future__ import annotations

import logging
import time

ACCESS_LOGGER = logging.getLogger("c360.serve.access")


class AccessLog:
    def __init__(self, app, kinds: frozenset[str]):
        self.app = app
        self.kinds = kinds

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = {"code": 500}

        async def send_and_note(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "(no route)"
            asked = sorted(self._kinds_asked(scope.get("query_string", b"")))
            ACCESS_LOGGER.info(
                "%s %s%s %d %.1fms", scope["method"], template, f" kind={','.join(asked)}" if asked else "",
                status["code"], (time.perf_counter() - started) * 1000,
            )

    def _kinds_asked(self, query_string: bytes) -> set[str]:
        names = {part.split(b"=", 1)[0].decode("latin-1") for part in query_string.split(b"&") if part}
        return {name if name in self.kinds else "other" for name in names}
