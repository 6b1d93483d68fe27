"""The web app `strategy-bot serve` runs: one ASGI app for every chat platform's HTTP requests.

Slack sends its events, slash commands and interactions to `/slack/events`
(slack_bolt's FastAPI adapter, which checks each request's signature). Other
platforms mount their own endpoints on the same app, and so do the answer pages
for people reached by email (/answer/..., handlers/web_page).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import uvicorn
from fastapi import FastAPI, Request, Response
from slack_bolt import App
from slack_bolt.adapter.fastapi import SlackRequestHandler

from bot import metrics
from bot.app import build_core
from bot.errors import InputError
from bot.settings import Settings
from handlers.slack.runtime import slack_configured, slack_for
from handlers.teams import teams_configured
from handlers.web_page import mount_answer_pages
from scheduling.clock import SystemClock
from scheduling.scheduler import start_sweeper

SLACK_EVENTS = "/slack/events"


# Which chat platform an HTTP request comes from, by its path (for the metrics).
PLATFORMS = {SLACK_EVENTS: "slack", "/api/messages": "teams"}


def create_web_app(*, slack: App | None = None) -> FastAPI:
    web = FastAPI(title="strategy-bot", docs_url=None, redoc_url=None, openapi_url=None)

    @web.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @web.get("/metrics")
    def prometheus() -> Response:
        return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)

    @web.middleware("http")
    async def timed(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        platform = PLATFORMS.get(request.url.path)
        if platform is None:
            return await call_next(request)
        started = time.perf_counter()
        response = await call_next(request)
        metrics.REQUESTS.labels(platform, str(response.status_code)).observe(
            time.perf_counter() - started
        )
        return response

    if slack is not None:
        handler = SlackRequestHandler(slack)

        @web.post(SLACK_EVENTS)
        async def slack_events(request: Request) -> Response:
            return await handler.handle(request)

    return web


def serve(settings: Settings, host: str, port: int) -> None:
    """Serve the configured platforms over HTTP, with the sweeper, until interrupted."""
    if teams_configured(settings):
        if slack_configured(settings):
            raise InputError(
                "Slack and Teams are both configured; strategy-bot serves one of them at a "
                "time for now (scheduled reminders are not yet routed between platforms).",
                "unset SLACK_BOT_TOKEN to serve Teams, or TEAMS_APP_ID to serve Slack",
            )
        # Teams mounts /api/messages itself (the SDK's FastAPI adapter). Imported here:
        # the Teams SDK takes seconds to import, and only Teams needs it.
        from handlers.teams.serve import serve_teams

        serve_teams(settings, create_web_app(), host, port)
        return
    if not slack_configured(settings):
        raise InputError(
            "Nothing to serve: no chat platform is configured.",
            "SLACK_BOT_TOKEN=xoxb-... SLACK_SIGNING_SECRET=... strategy-bot serve --port 3000",
        )
    if not settings.slack_signing_secret:
        raise InputError(
            "Slack over HTTP needs SLACK_SIGNING_SECRET, to check that requests come from Slack "
            "(or set SLACK_APP_TOKEN and run strategy-bot for Socket Mode).",
            "SLACK_SIGNING_SECRET=<Basic Information > Signing Secret> strategy-bot serve",
        )
    core = build_core(settings, SystemClock())
    metrics.watch(core)
    slack = slack_for(core, settings)
    web = create_web_app(slack=slack.app)
    mount_answer_pages(web, slack.bot, settings)
    sweeper = start_sweeper(slack.due_work)
    try:
        # log_config=None: uvicorn's lines go through the JSON logging too.
        uvicorn.run(web, host=host, port=port, log_level="info", log_config=None)
    finally:
        sweeper.shutdown(wait=False)
        slack.close()
        core.close()
