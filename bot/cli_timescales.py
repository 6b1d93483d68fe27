"""`deadline` and `when`: statutory deadlines and the time language, from the command line.

This is the imperative shell: it may read the real clock (when --now is not given).
Exit status 2 means the input could not be used; the message says why.
"""

from __future__ import annotations

import json as json_module
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

# The help names the categories and regions (a module of plain enums); what the commands
# do is imported when they run: `strategy-bot --help` needs none of it.
from scheduling.rules import ConcernCategory, Region

if TYPE_CHECKING:
    from rich.console import Console

    from scheduling.rules import TimescaleRules
    from scheduling.workdays import WorkingCalendar

BAD_INPUT = 2

CATEGORIES = ", ".join(category.value for category in ConcernCategory)
REGIONS = ", ".join(region.value for region in Region)

IdentifiedOption = Annotated[
    str,
    typer.Option(
        "--identified",
        help="When the concern was identified, e.g. 'now', 'today 9.30am', '18/12 16:00'.",
    ),
]
CategoryOption = Annotated[str, typer.Option("--category", help=f"One of: {CATEGORIES}.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print a JSON object.")]
RegionOption = Annotated[
    str | None,
    typer.Option(
        "--region",
        help=f"Bank-holiday region, one of: {REGIONS} (default: the partnership's).",
    ),
]
DirectoryOption = Annotated[
    Path | None,
    typer.Option(
        "--directory",
        help="Partner directory whose rules apply (default: STRATEGY_DIRECTORY, else the sample).",
    ),
]
NowOption = Annotated[
    str | None,
    typer.Option(
        "--now",
        help="Take this as the current time (ISO 8601; without an offset, local time).",
    ),
]


def deadline_command(
    identified: IdentifiedOption,
    category: CategoryOption,
    json: JsonOption = False,
    region: RegionOption = None,
    now: NowOption = None,
    directory: DirectoryOption = None,
) -> None:
    """Show when the strategy discussion for a concern must be held by."""
    from rich.markup import escape

    from scheduling.deadlines import statutory_deadline
    from scheduling.timetext import TimeTextError, parse_identified
    from scheduling.workdays import format_day, format_local

    calendar, rules = _partnership_rules(region, directory)
    concern = _category(category)
    current = _now(now, calendar)
    try:
        identified_at = parse_identified(identified, current, calendar)
    except TimeTextError as error:
        _fail(str(error))
    deadline = statutory_deadline(identified_at, concern, calendar, rules)
    if json:
        _print_json(
            {
                "category": deadline.category.value,
                "identified_at": _local_iso(deadline.identified_at, calendar),
                "due_date": deadline.due_date.isoformat(),
                "deadline": _local_iso(deadline.deadline, calendar),
                "rule": deadline.rule,
                "working_days": deadline.working_days,
                "region": calendar.settings.region.value,
            }
        )
        return
    _console().print(
        f"[bold]{escape(concern.value)}[/bold] concern identified "
        f"{format_local(deadline.identified_at, calendar)}: strategy discussion due by "
        f"[bold]{format_day(deadline.due_date)}[/bold] "
        f"(deadline {format_local(deadline.deadline, calendar)}).\n"
        f"Rule: {escape(deadline.rule)}"
    )


def when_command(
    text: Annotated[str, typer.Argument(help="A time in words, e.g. 'Monday 10am'.")],
    now: NowOption = None,
    due: Annotated[
        bool, typer.Option("--due", help="Read it as a due date (a date alone = end of day).")
    ] = False,
    json: JsonOption = False,
    region: RegionOption = None,
    directory: DirectoryOption = None,
) -> None:
    """Show how the bot understands a meeting time (or, with --due, a due date)."""
    from rich.markup import escape

    from scheduling.timetext import TimeTextError, parse_due, parse_meeting_time

    calendar, _ = _partnership_rules(region, directory)
    current = _now(now, calendar)
    warnings: tuple[str, ...] = ()
    extra: dict[str, str] = {}
    try:
        if due:
            due_time = parse_due(text, current, calendar)
            at, echo = due_time.at, due_time.echo
            extra["due_date"] = due_time.due_date.isoformat()
        else:
            meeting = parse_meeting_time(text, current, calendar)
            at, echo, warnings = meeting.at, meeting.echo, meeting.warnings
    except TimeTextError as error:
        _fail(str(error))
    if json:
        payload = {"at": _local_iso(at, calendar), "echo": echo, "warnings": list(warnings)}
        _print_json(payload | extra)
        return
    console = _console()
    console.print(f"[bold]{escape(echo)}[/bold]")
    for warning in warnings:
        console.print(f"[yellow]Warning:[/yellow] {escape(warning)}")


# -- helpers ----------------------------------------------------------------


def _partnership_rules(
    region: str | None, directory: Path | None
) -> tuple[WorkingCalendar, TimescaleRules]:
    """The configured partnership's calendar and timescales, with --region on top."""
    from bot.app import load_partner_directory
    from bot.directory import DirectoryError
    from bot.settings import Settings
    from scheduling.workdays import WorkingCalendar

    settings = Settings()
    if directory is not None:
        settings = settings.model_copy(update={"strategy_directory": directory})
    try:
        partnership = load_partner_directory(settings).partnership
    except DirectoryError as problem:
        _fail(str(problem))
    calendar = partnership.calendar
    if region is not None:
        try:
            calendar = replace(calendar, region=Region(region))
        except ValueError:
            _fail(f"Unknown region '{region}'. Valid regions: {REGIONS}.")
    return WorkingCalendar(calendar), partnership.timescales


def _category(category: str) -> ConcernCategory:
    try:
        return ConcernCategory(category)
    except ValueError:
        _fail(f"Unknown category '{category}'. Valid categories: {CATEGORIES}.")


def _now(text: str | None, calendar: WorkingCalendar) -> datetime:
    """--now as a UTC instant (a time without an offset is local), or the real clock."""
    from bot.cli_input import instant_option
    from scheduling.clock import SystemClock

    if text is None:
        return SystemClock().now()
    return instant_option(text, "--now", calendar)


def _local_iso(instant: datetime, calendar: WorkingCalendar) -> str:
    return calendar.local(instant).isoformat()


def _print_json(payload: dict[str, Any]) -> None:
    typer.echo(json_module.dumps(payload, indent=2))


def _console() -> Console:
    from rich.console import Console

    # soft_wrap keeps each sentence on one line whatever the terminal width.
    return Console(highlight=False, soft_wrap=True)


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code=BAD_INPUT)


__all__ = ["deadline_command", "when_command"]
