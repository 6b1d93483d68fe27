"""`strategy-bot slack ...`: what an administrator needs to create the Slack app."""

from __future__ import annotations

from typing import Annotated

import typer

slack_app = typer.Typer(help="Slack: the app manifest to create the app from.")


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
    import yaml

    from bot.errors import InputError
    from handlers.slack.manifest import manifest

    try:
        data = manifest(url, socket_mode)
    except InputError as problem:
        typer.echo(str(problem), err=True)
        raise typer.Exit(2) from None
    typer.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100).rstrip())
