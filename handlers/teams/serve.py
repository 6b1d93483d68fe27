"""Serving Teams for real: /api/messages on the web app, and the sweeper."""

from __future__ import annotations

from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from bot.app import Bot
from bot.core import Core
from handlers.teams.bot import TeamsBot
from handlers.teams.settings import TeamsSettings
from scheduling.scheduler import start_sweeper

# What else the web app serves that acts through the Teams Bot (the answer pages).
BotMount = Callable[[Bot], Callable[[FastAPI], None]]


def serve_teams(
    core: Core,
    settings: TeamsSettings,
    web: FastAPI,
    host: str,
    port: int,
    pages: BotMount | None = None,
) -> None:
    """Mount Teams on `web` and serve it, sweeping scheduled work, until interrupted.

    Teams mounts itself when its bot is made (the SDK's adapter, behind the token
    checks); `pages` are then mounted on the same web app, acting through that bot.
    """
    teams = TeamsBot(core, settings, web)
    if pages is not None:
        pages(teams.bot)(web)
    # The first sweep waits until the server is up (Teams sends through its event loop).
    sweeper = start_sweeper(teams.run_due_work)
    try:
        # log_config=None: uvicorn's lines go through the JSON logging too.
        uvicorn.run(web, host=host, port=port, log_level="info", log_config=None)
    finally:
        sweeper.shutdown(wait=False)
