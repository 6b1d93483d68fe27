"""`strategy-bot slack ...`, and how `strategy-bot` connects to Slack when it is configured."""

from __future__ import annotations

from typing import Annotated

import typer
import yaml

from bot.app import SchemaOutOfDate
from bot.cli_input import database_errors
from bot.directory import DirectoryError
from bot.errors import InputError
from bot.logs import configure_logging
from bot.settings import Settings
from handlers.slack.manifest import manifest
from handlers.slack.runtime import run_socket_mode
from handlers.web import serve

slack_app = typer.Typer(help="Slack: the app manifest to create the app from.")

DEFAULT_PORT = 3000


@slack_app.command("manifest")
def manifest_command(
    url: Annotated[
        str | None,
        typer.Option(help="Your server's https address, for HTTP mode (/slack/events is added)"),
    ] = None,
    socket_mode: Annotated[
        bool, typer.Option("--socket-mode", help="For Socket Mode: no public address needed")
    ] = False,
) -> None:
    """Print the app manifest, to create the app from at api.slack.com/apps."""
    try:
        data = manifest(url, socket_mode)
    except InputError as problem:
        typer.echo(str(problem), err=True)
        raise typer.Exit(2) from None
    typer.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100).rstrip())


def connect(settings: Settings, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> None:
    """Run in Slack: over Socket Mode with SLACK_APP_TOKEN, otherwise serving HTTP
    (or Teams). Logs go to standard error as JSON lines from here on."""
    configure_logging()
    try:
        with database_errors(settings.database_url):
            if settings.slack_app_token:
                run_socket_mode(settings)
            else:
                serve(settings, host, port)
    except (DirectoryError, SchemaOutOfDate) as problem:
        typer.echo(str(problem), err=True)
        raise typer.Exit(1) from None
    except InputError as problem:
        typer.echo(str(problem), err=True)
        raise typer.Exit(2) from None
