"""Serving Teams for real: /api/messages on the web app, the core on the wall clock, the sweeper."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from bot import metrics
from bot.app import build_core
from bot.core import Core
from bot.settings import Settings
from handlers.teams.bot import TeamsBot
from handlers.web_page import mount_answer_pages
from scheduling.clock import SystemClock
from scheduling.scheduler import start_sweeper


def serve_teams(settings: Settings, web: FastAPI, host: str, port: int) -> None:
    """Mount Teams on `web` and serve it, sweeping scheduled work, until interrupted."""
    core: Core = build_core(settings, SystemClock())
    metrics.watch(core)
    teams = TeamsBot(core, settings, web)
    mount_answer_pages(web, teams.bot, settings)
    # The first sweep waits until the server is up (Teams sends through its event loop).
    sweeper = start_sweeper(teams.run_due_work)
    try:
        uvicorn.run(web, host=host, port=port, log_level="info", log_config=None)
    finally:
        sweeper.shutdown(wait=False)
        core.close()
