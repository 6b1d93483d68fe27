"""The web app `strategy-bot serve` runs, assembled from what each adapter mounts on it.

Slack mounts `/slack/events` (handlers/slack/app.py), Teams `/api/messages`
(handlers/teams/bot.py); the web app itself only answers `/healthz`. This is
also where `strategy-bot` decides how to run: in Slack (Socket Mode or HTTP),
in Teams, or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import uvicorn
from fastapi import FastAPI

from bot.app import build_core
from bot.errors import refusal
from bot.settings import Settings
from handlers.platforms import PLATFORM_KEYS
from handlers.slack import slack_configured
from handlers.slack.settings import SlackSettings
from handlers.teams import teams_configured
from handlers.teams.settings import TeamsSettings
from scheduling.clock import SystemClock
from scheduling.scheduler import start_sweeper

DEFAULT_PORT = 3000

# What an adapter adds to the web app: its routes.
Mount = Callable[[FastAPI], None]


def create_web_app(mounts: Sequence[Mount] = ()) -> FastAPI:
    web = FastAPI(title="strategy-bot", docs_url=None, redoc_url=None, openapi_url=None)

    @web.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for mount in mounts:
        mount(web)
    return web


def chat_configured() -> bool:
    """Whether a chat platform is configured, so that `strategy-bot` connects to it."""
    return slack_configured(SlackSettings()) or teams_configured(TeamsSettings())


def connect(
    settings: Settings, host: str = "127.0.0.1", port: int = DEFAULT_PORT, socket_mode: bool = True
) -> None:
    """Run in the configured platform: Slack over Socket Mode when SLACK_APP_TOKEN is set
    (and `socket_mode`), otherwise serving HTTP."""
    slack = SlackSettings()
    if socket_mode and slack.slack_app_token and not teams_configured(TeamsSettings()):
        from handlers.slack.runtime import run_socket_mode

        core = build_core(settings, SystemClock(), platforms=PLATFORM_KEYS)
        try:
            run_socket_mode(core, slack)
        finally:
            core.close()
        return
    serve(settings, host, port)


def serve(settings: Settings, host: str, port: int) -> None:
    """Serve the configured platform over HTTP, with the sweeper, until interrupted."""
    slack, teams = SlackSettings(), TeamsSettings()
    if teams_configured(teams):
        if slack_configured(slack):
            raise refusal("setup.two_platforms")
        # Imported here: the Teams SDK takes seconds to import, and only Teams needs it.
        from handlers.teams.serve import serve_teams

        core = build_core(settings, SystemClock(), platforms=PLATFORM_KEYS)
        try:
            serve_teams(core, teams, create_web_app(), host, port)
        finally:
            core.close()
        return
    if not slack_configured(slack):
        raise refusal("setup.nothing_to_serve")
    if not slack.slack_signing_secret:
        raise refusal("setup.signing_secret")
    from handlers.slack.runtime import slack_for

    core = build_core(settings, SystemClock(), platforms=PLATFORM_KEYS)
    app = slack_for(core, slack)
    web = create_web_app([app.mount])
    sweeper = start_sweeper(app.due_work)
    try:
        uvicorn.run(web, host=host, port=port, log_level="info")
    finally:
        sweeper.shutdown(wait=False)
        app.close()
        core.close()
