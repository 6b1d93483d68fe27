"""`strategy-bot teams ...`: what an administrator needs to put the bot into Teams."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

teams_app = typer.Typer(help="Microsoft Teams: the app package administrators upload.")


@teams_app.command("package")
def package_command(
    output: Annotated[Path, typer.Option(help="Where to write the zip")] = Path(
        "strategy-bot-teams.zip"
    ),
    app_id: Annotated[
        str | None,
        typer.Option(help="The bot's Microsoft app (client) id (default: TEAMS_APP_ID)"),
    ] = None,
    website: Annotated[str | None, typer.Option(help="The publisher's website (https://)")] = None,
    privacy_url: Annotated[
        str | None, typer.Option(help="The privacy notice (default: the website)")
    ] = None,
    terms_url: Annotated[
        str | None, typer.Option(help="The terms of use (default: the website)")
    ] = None,
    publisher: Annotated[
        str | None,
        typer.Option(help="Shown as the app's developer (default: the partnership's name)"),
    ] = None,
    directory: Annotated[Path | None, typer.Option(help="Partner directory YAML")] = None,
) -> None:
    """Build the Teams app package (manifest and icons) for upload in the Teams admin centre."""
    from bot.app import load_partner_directory
    from bot.directory import DirectoryError
    from bot.errors import InputError, refusal
    from bot.settings import Settings
    from handlers.teams.package import AppDetails, app_version, build_package
    from handlers.teams.settings import TeamsSettings

    settings = Settings()
    if directory:
        settings = settings.model_copy(update={"strategy_directory": directory})
    try:
        if website is None:
            raise refusal("setup.teams_website")
        if publisher is None:
            publisher = load_partner_directory(settings).partnership.name
        details = AppDetails(
            app_id=app_id or TeamsSettings().teams_app_id or "",
            publisher=publisher,
            website=website,
            privacy_url=privacy_url or website,
            terms_url=terms_url or website,
            version=app_version(),
        )
        written = build_package(details, output)
    except (InputError, DirectoryError) as problem:
        typer.echo(str(problem), err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"Wrote {written}: upload it in the Teams admin centre (Teams apps > Manage apps > "
        "Upload new app), then allow it and install it for the people the bot will invite."
    )
