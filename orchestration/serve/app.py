"""The FastAPI application of ``c360 serve``: the card by any identifier, by customer_id, a health check
and the sidebar page. Every answer of one request comes from one published version."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response

from .access_log import AccessLog
from .auth import ApiKey, KeyRing
from .cards import card_document
from .kinds import lookup_kinds, normalised_value
from .page import sidebar_page
from .repository import NoPublishedVersion, PublishedVersion, PublishedVersions

JSON = "application/json"


def _error(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status, headers=headers)


def _lookup_parameters() -> list[dict]:
    return [
        {"name": kind.name, "in": "query", "required": False, "schema": {"type": "string"}, "description": kind.description}
        for kind in lookup_kinds().values()
    ]


def create_app(data_dir: Path, keyring: KeyRing) -> FastAPI:
    versions = PublishedVersions(data_dir)
    kinds = lookup_kinds()

    @asynccontextmanager
    async def open_published_version(app: FastAPI):
        try:  # before the first request (reading a version's index takes seconds at a million customers)
            await asyncio.to_thread(versions.current)
        except NoPublishedVersion:
            pass  # answered 503 until a publish
        yield

    app = FastAPI(
        lifespan=open_published_version,
        title="c360 customer card",
        description="Read-only lookups over the published version. Every /v1 route needs `Authorization: Bearer KEY`.",
        version="1",
    )

    async def api_key(request: Request) -> ApiKey:
        key = keyring.authenticate(request.headers.get("authorization"))
        if key is None:
            raise HTTPException(401, "a valid API key is required: Authorization: Bearer KEY",
                                headers={"WWW-Authenticate": "Bearer"})
        return key

    def published() -> PublishedVersion:
        try:
            return versions.current()
        except NoPublishedVersion as exc:
            raise HTTPException(503, "no published version to answer from yet") from exc

    @app.exception_handler(RequestValidationError)
    async def malformed_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own answer repeats the input, which can be an identifier: name the fields only
        fields = sorted({".".join(str(p) for p in error.get("loc", ())) for error in exc.errors()})
        return _error(422, f"malformed request: {', '.join(fields)}")

    @app.get("/healthz", summary="Liveness and the published version served (no key needed)")
    async def healthz() -> dict:
        try:
            return {"status": "ok", "published_version": versions.current().number}
        except NoPublishedVersion:
            return {"status": "no_published_version", "published_version": None}

    @app.get("/v1/lookup", summary="The card of the customer one identifier names",
             openapi_extra={"parameters": _lookup_parameters()},
             responses={401: {"description": "no or unknown key"}, 404: {"description": "nobody has this identifier"},
                        422: {"description": "not exactly one known identifier, or a malformed one"}})
    async def lookup(request: Request, key: ApiKey = Depends(api_key)) -> Response:
        given = list(request.query_params.multi_items())
        unknown = sorted({name for name, _ in given if name not in kinds})
        if unknown:
            return _error(422, f"unknown identifier kinds: {', '.join(unknown)} (one of {', '.join(kinds)})")
        if len(given) != 1:
            return _error(422, f"give exactly one identifier, one of: {', '.join(kinds)}")
        name, raw = given[0]
        value = normalised_value(kinds[name], raw)
        if value is None:
            return _error(422, f"malformed {name}")
        version = published()
        match = version.lookup(name, value)
        if match is None:
            return _error(404, f"no customer has this {name}")
        matched = {"kind": name, "other_customers": match.candidate_count - 1}
        return Response(card_document(match.card, key, version.number, matched), media_type=JSON)

    @app.get("/v1/customers/{customer_id}", summary="The card of a customer by customer_id",
             responses={401: {"description": "no or unknown key"}, 404: {"description": "no such customer"},
                        422: {"description": "a malformed customer_id"}})
    async def customer(customer_id: str, key: ApiKey = Depends(api_key)) -> Response:
        if normalised_value(kinds["customer_id"], customer_id) != customer_id:
            return _error(422, "malformed customer_id")
        version = published()
        match = version.lookup("customer_id", customer_id)  # an id merged away answers its successor
        if match is None:
            return _error(404, "no customer with this customer_id")
        return Response(card_document(match.card, key, version.number, None), media_type=JSON)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(sidebar_page())

    app.add_middleware(AccessLog, kinds=frozenset(kinds))
    return app
