"""The messaging endpoint, mounted through the Teams SDK's own FastAPI adapter.

`CheckedFastAPIAdapter` is the SDK's adapter with one change: the route the
SDK registers for /api/messages first reads the body safely (not JSON: 400;
too large: 413) and has `TeamsRequestChecker` authenticate it. Only a request
that passes reaches the SDK's handler, so the SDK is told not to validate
again (its validator takes tokens from any Entra tenant, derives the keys
address instead of reading it, and fetches keys on the event loop).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from microsoft_teams.apps.http import FastAPIAdapter
from microsoft_teams.apps.http.adapter import HttpMethod, HttpRequest, HttpRouteHandler

from bot.text_input import shown
from handlers.teams.tokens import Refused, TeamsRequestChecker

log = logging.getLogger(__name__)

# An activity is a few kilobytes; a card submission with a record section, tens.
MAX_BODY_BYTES = 1_000_000


class CheckedFastAPIAdapter(FastAPIAdapter):
    def __init__(self, app: FastAPI, checker: TeamsRequestChecker, endpoint: str) -> None:
        super().__init__(app=app)
        self.checker = checker
        self.endpoint = endpoint
        self.checked_routes: list[str] = []

    def register_route(self, method: HttpMethod, path: str, handler: HttpRouteHandler) -> None:
        if path != self.endpoint:
            super().register_route(method, path, handler)
            return
        if method != "POST":
            raise ValueError(f"the messaging endpoint takes POST, not {method}")
        checker = self.checker

        async def messages(request: Request) -> Response:
            raw = await request.body()
            if len(raw) > MAX_BODY_BYTES:
                return JSONResponse({"error": "Request too large"}, status_code=413)
            try:
                body = json.loads(raw)
            except ValueError:
                return JSONResponse({"error": "Not JSON"}, status_code=400)
            if not isinstance(body, dict):
                return JSONResponse({"error": "Not an activity"}, status_code=400)
            try:
                await checker.check(request.headers.get("authorization", ""), body)
            except Refused as reason:
                _log_refusal(str(reason), body)
                return JSONResponse({"error": "Unauthorized"}, status_code=401)
            result = await handler(HttpRequest(body=body, headers=dict(request.headers)))
            content = result.get("body")
            if content is not None:
                return JSONResponse(content=content, status_code=result["status"])
            return Response(status_code=result["status"])

        self.app.post(path)(messages)
        self.checked_routes.append(path)


def _log_refusal(reason: str, body: dict[str, Any]) -> None:
    """Why a request was refused, with what identifies it; never its token."""
    log.warning(
        "Teams request refused: %s",
        reason,
        extra={
            "event": "teams_refused",
            "reason": reason,
            "activity_id": shown(str(body.get("id")), 80),
            "activity_type": shown(str(body.get("type")), 40),
            "service_url": shown(str(body.get("serviceUrl")), 200),
        },
    )
