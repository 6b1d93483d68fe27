"""The web app `strategy-bot serve` runs, assembled from what each adapter mounts on it.

Slack mounts `/slack/events` (handlers/slack/app.py), Teams `/api/messages`
(handlers/teams/bot.py), the answer pages for people reached by email
`/answer/...` (handlers/web_page); the web app itself only answers `/healthz`,
and `/metrics` for Prometheus is one more mount (`mount_metrics`). This is
also where `strategy-bot` decides how to run: on every configured platform at once
(handlers/composition.py), or not at all.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

import uvicorn
from fastapi import FastAPI, Request, Response

from bot import metrics
from bot.app import Bot, build_core
from bot.errors import refusal
from bot.links.buttons import link_maker, no_link_warning
from bot.settings import Settings
from handlers.defaults import DEFAULT_PORT
from handlers.platforms import PLATFORM_KEYS
from handlers.slack import slack_configured
from handlers.slack.app import SLACK_EVENTS
from handlers.slack.settings import SlackSettings
from handlers.teams import teams_configured
from handlers.teams.settings import TeamsSettings
from handlers.web_page import mount_answer_pages
from scheduling.clock import SystemClock
from scheduling.scheduler import start_sweeper

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

log = logging.getLogger(__name__)

# What an adapter adds to the web app: its routes.
Mount = Callable[[FastAPI], None]

# Which chat platform an HTTP request comes from, by its path (for the metrics). Teams'
# path is written out: its module imports the Teams SDK, which takes seconds.
PLATFORM_PATHS = {SLACK_EVENTS: "slack", "/api/messages": "teams"}


def create_web_app(mounts: Sequence[Mount] = ()) -> FastAPI:
    web = FastAPI(title="strategy-bot", docs_url=None, redoc_url=None, openapi_url=None)

    @web.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for mount in mounts:
        mount(web)
    return web


def mount_metrics(web: FastAPI) -> None:
    """`GET /metrics` for Prometheus (bot/metrics.py), and how long each chat platform's
    requests take to answer."""

    @web.get("/metrics")
    def prometheus() -> Response:
        return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)

    @web.middleware("http")
    async def timed(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        platform = PLATFORM_PATHS.get(request.url.path)
        if platform is None:
            return await call_next(request)
        started = time.perf_counter()
        response = await call_next(request)
        metrics.REQUESTS.labels(platform, str(response.status_code)).observe(
            time.perf_counter() - started
        )
        return response


def answer_pages(bot: Bot, settings: Settings) -> Mount:
    """The answer pages (handlers/web_page), acting through `bot`: the platform's Bot, so
    that what an answer causes is sent where chat sends it."""

    def mount(web: FastAPI) -> None:
        mount_answer_pages(web, bot, settings)

    return mount


def connect(
    settings: Settings, host: str = "127.0.0.1", port: int = DEFAULT_PORT, socket_mode: bool = True
) -> None:
    """Run on every configured platform: Slack over Socket Mode when SLACK_APP_TOKEN is set
    (and `socket_mode`), otherwise over HTTP; Teams over HTTP alongside."""
    serve(settings, host, port, socket_mode=socket_mode)


def serve(settings: Settings, host: str, port: int, socket_mode: bool = False) -> None:
    """Serve every configured chat platform, plus email, in this one process, with one
    sweeper, until interrupted (handlers/composition.py). With only Slack over Socket Mode
    there is no web server: Slack's requests come over the app's own connection."""
    slack, teams = SlackSettings(), TeamsSettings()
    has_slack, has_teams = slack_configured(slack), teams_configured(teams)
    if not (has_slack or has_teams):
        raise refusal("setup.nothing_to_serve")
    # Slack over Socket Mode when asked and it has an app token, or when it has an app
    # token but no signing secret for HTTP.
    http_ready = bool(slack.slack_signing_secret)
    socket = has_slack and bool(slack.slack_app_token) and (socket_mode or not http_ready)
    if has_slack and not socket and not slack.slack_signing_secret:
        raise refusal("setup.signing_secret")
    from handlers.composition import compose

    core = build_core(settings, SystemClock(), platforms=PLATFORM_KEYS)
    metrics.watch(core)
    web = create_web_app([mount_metrics]) if has_teams or not socket else None
    composed = None
    sweeper = None
    handler: SocketModeHandler | None = None
    try:
        composed = compose(
            core,
            web,
            slack=slack if has_slack else None,
            teams=teams if has_teams else None,
            mount_slack=not socket,
            links=link_maker(core, settings.public_url),
        )
        warning = no_link_warning(core.directory, composed.router.configured, settings.public_url)
        if warning:
            log.warning(warning)
        sweeper = start_sweeper(composed.due_work)
        if socket:
            assert composed.slack is not None and slack.slack_app_token
            # Socket Mode's client (its thread and websocket): only when Slack uses it.
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            handler = SocketModeHandler(composed.slack.app, slack.slack_app_token)
        if web is None:
            assert handler is not None
            # Connects, then blocks until the process is interrupted (untyped in slack_bolt).
            handler.start()  # type: ignore[no-untyped-call]
            return
        answer_pages(composed.bot, settings)(web)
        if handler is not None:
            handler.connect()  # type: ignore[no-untyped-call]
        # log_config=None: uvicorn's lines go through the JSON logging too.
        uvicorn.run(web, host=host, port=port, log_level="info", log_config=None)
    finally:
        if handler is not None:
            handler.close()  # type: ignore[no-untyped-call]
        if sweeper is not None:
            sweeper.shutdown(wait=False)
        if composed is not None:
            composed.close()
        core.close()
