"""`directory check FILE`: check a partner directory file and list every problem with its line."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from bot.directory import Directory

# What the command does is imported when it runs: `strategy-bot --help` needs none of it.


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


def check_command(
    file: Annotated[Path, typer.Argument(help="The partner directory (YAML) to check.")],
    platforms: Annotated[
        str | None,
        typer.Option(
            help="The chat platforms the deployment serves, e.g. teams,slack, or none "
            "(default: those configured here). Email is always there."
        ),
    ] = None,
) -> None:
    """Check a partner directory file; exit 1 and list FILE:LINE: problems if it is not usable,
    or if someone in it cannot be reached at all."""
    from rich.console import Console
    from rich.text import Text

    from bot.directory import DirectoryError, load_directory
    from bot.links.buttons import no_link_warning
    from bot.settings import Settings
    from handlers.platforms import PLATFORM_KEYS

    # soft_wrap keeps each problem on one line, so editors and grep can read FILE:LINE:.
    # Rich drops the colours by itself when the output is not a terminal.
    console = Console(highlight=False, soft_wrap=True)
    try:
        directory = load_directory(file, PLATFORM_KEYS)
    except DirectoryError as error:
        for problem in error.problems:
            line = Text(problem.format(file))
            line.stylize("bold", 0, len(line) - len(problem.message))
            console.print(line)
        summary = f"{_count(len(error.problems), 'problem', 'problems')} in {file}"
        console.print(Text(summary, style="bold red"))
        raise typer.Exit(code=1) from None
    agencies = _count(len(directory.agencies), "agency", "agencies")
    contacts = _count(len(directory.contacts()), "contact", "contacts")
    console.print(Text(f"OK: 1 partnership, {agencies}, {contacts}", style="green"))
    channels = _channels(platforms)
    reached = check_reach(console, file, directory, channels)
    warning = no_link_warning(directory, channels, Settings().public_url)
    if warning:
        console.print(Text(warning, style="yellow"))
    if not reached:
        raise typer.Exit(code=1)


def _channels(option: str | None) -> list[str]:
    from bot.routing import CHAT_CHANNELS, SLACK, TEAMS, configured_channels
    from handlers.slack import slack_configured
    from handlers.slack.settings import SlackSettings
    from handlers.teams import teams_configured
    from handlers.teams.settings import TeamsSettings

    if option is None:
        return configured_channels(
            slack=slack_configured(SlackSettings()), teams=teams_configured(TeamsSettings())
        )
    names = {name.strip().lower() for name in option.split(",") if name.strip()} - {"none"}
    unknown = sorted(names - set(CHAT_CHANNELS))
    if unknown:
        raise typer.BadParameter(
            f"unknown chat platform {', '.join(unknown)}: use teams, slack, both "
            "(--platforms teams,slack) or none",
            param_hint="--platforms",
        )
    return configured_channels(slack=SLACK in names, teams=TEAMS in names)


def check_reach(console: Console, file: Path, directory: Directory, channels: list[str]) -> bool:
    """Say who cannot be reached (False when someone cannot be reached at all) and who only
    on a chat platform this deployment lacks."""
    from rich.text import Text

    from bot.routing import describe, reach_problems

    console.print(Text(f"Reach, with {describe(channels).replace(', then', ',')}:"))
    problems = reach_problems(directory, channels)
    for problem in problems:
        contact = problem.contact
        where = f"{file}:{contact.line}: contact '{contact.id}'"
        if problem.unconfigured:
            platforms = describe(problem.unconfigured).replace(", then", " or")
            console.print(
                Text(
                    f"{where} is only reached on {platforms}, which is not configured here: "
                    "add email to their reach, or configure the platform",
                    style="yellow",
                )
            )
        else:
            console.print(
                Text(
                    f"{where} cannot be reached at all: their reach names no channel they "
                    "have an id on (add a chat id, or email, to their reach)",
                    style="bold red",
                )
            )
    unreachable = sum(1 for p in problems if not p.unconfigured)
    if not problems:
        console.print(Text("Everyone can be reached.", style="green"))
    return unreachable == 0
