"""Serving Teams for real: /api/messages on the web app, and the sweeper."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from bot.core import Core
from handlers.teams.bot import TeamsBot
from handlers.teams.settings import TeamsSettings
from scheduling.scheduler import start_sweeper


def serve_teams(core: Core, settings: TeamsSettings, web: FastAPI, host: str, port: int) -> None:
    """Mount Teams on `web` and serve it, sweeping scheduled work, until interrupted."""
    teams = TeamsBot(core, settings, web)
    # The first sweep waits until the server is up (Teams sends through its event loop).
    sweeper = start_sweeper(teams.run_due_work)
    try:
        uvicorn.run(web, host=host, port=port, log_level="info")
    finally:
        sweeper.shutdown(wait=False)
