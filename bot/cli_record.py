"""`report`, `simulate` and `record import|export`: records and figures from the command line.

This is the imperative shell: it may read the real clock (when --now is not
given). Exit status 2 means the input could not be used; the message says why.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from bot.core import Core

# What each command does is imported when it runs: `strategy-bot --help` needs none of it.

BAD_INPUT = 2

record_app = typer.Typer(help="Strategy discussion records.")

DatabaseOption = Annotated[
    str | None, typer.Option("--database", help="Database URL (default: DATABASE_URL)")
]
DirectoryOption = Annotated[Path | None, typer.Option("--directory", help="Partner directory YAML")]
NowOption = Annotated[
    str | None,
    typer.Option(
        "--now", help="Take this as the current time (ISO 8601; without an offset, local time)."
    ),
]


def report_command(
    start: Annotated[str, typer.Option("--from", help="First meeting date, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last meeting date, YYYY-MM-DD.")],
    format: Annotated[
        str, typer.Option("--format", help="table, csv, json or png (a chart).")
    ] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", help="Write to this file (png: required).")
    ] = None,
    database: DatabaseOption = None,
    directory: DirectoryOption = None,
    now: NowOption = None,
) -> None:
    """The compliance report: timeliness, attendance, records and actions, by team and category."""
    from bot.record import report_output
    from bot.record.report import compliance_report
    from bot.unit import unit_of_work

    first, last = _date(start, "--from"), _date(end, "--to")
    if last < first:
        _fail(f"--to ({last}) is before --from ({first}).")
    if format not in report_output.FORMATS:
        _fail(f"--format takes {', '.join(report_output.FORMATS)}, not '{format}'.")
    if format == "png" and output is None:
        _fail("A chart needs a file: add --output report.png")
    _writable(output, "--output")
    core = _core(database, directory, now, reading=True)
    try:
        with unit_of_work(core) as unit:
            report = compliance_report(unit, first, last)
    finally:
        core.close()
    if format == "png":
        assert output is not None
        output.write_bytes(report_output.as_png(report))
        typer.echo(f"Chart written to {output}.")
        return
    text = {
        "table": report_output.as_table,
        "csv": report_output.as_csv,
        "json": report_output.as_json,
    }[format](report)
    if output is not None:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        typer.echo(f"Report written to {output}.")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def simulate_command(
    referrals: Annotated[int, typer.Option("--referrals", min=1, help="How many referrals.")],
    seed: Annotated[int, typer.Option("--seed", help="The same seed gives the same result.")],
    days: Annotated[
        int, typer.Option("--days", min=1, help="Working days over which referrals arrive.")
    ] = 20,
    no_fallback: Annotated[
        bool, typer.Option("--no-fallback", help="Turn the MASH nurse fallback off.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON object.")] = False,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Also write the report's chart (PNG) here.")
    ] = None,
    compare_times: Annotated[
        bool,
        typer.Option(
            "--compare-times",
            help="Give everyone a weekly calendar and run the referrals twice: times typed, "
            "and times found by the bot; print the comparison.",
        ),
    ] = False,
) -> None:
    """Run synthetic referrals through the real bot on a simulated clock; report the figures."""
    from bot.record import report_output
    from handlers.simulated import simulate  # the simulation loads only when asked for

    _writable(chart, "--chart")
    if compare_times:
        _compare_times(referrals, seed, days)
        return

    result = simulate(referrals, seed, days=days, fallback=not no_fallback)
    if chart is not None:
        chart.write_bytes(report_output.as_png(result.report))
    summary = {
        "referrals": result.referrals,
        "seed": result.seed,
        "days": result.days,
        "fallback": result.fallback,
        "convened": result.convened,
        "reviews": result.reviews,
        "refused": result.refused,
        "messages": result.messages,
        "emails": result.emails,
        "invitations_by_channel": result.invitations,
        "nudges_by_channel": result.nudges,
        "replies_by_channel": result.replies,
        "answered_by_link": result.by_link,
        "undeliverable": result.undeliverable,
    }
    if as_json:
        payload = {"simulation": summary, "report": report_output.as_dict(result.report)}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    typer.echo(
        f"Simulated {result.referrals} referrals over {result.days} working days "
        f"(seed {result.seed}, MASH nurse fallback {'on' if result.fallback else 'OFF'}): "
        f"{result.convened} discussions convened and {result.reviews} reviews of them, "
        f"{result.messages} chat messages and "
        f"{result.emails} emails sent.\n"
        f"By channel: invitations {_by_channel(result.invitations)}; nudges "
        f"{_by_channel(result.nudges)}; replies to invitations {_by_channel(result.replies)} "
        f"({result.by_link} of them on a link's page). "
        f"Messages no channel could deliver: {result.undeliverable}.\n"
    )
    for problem in result.refused:
        typer.echo(f"Refused: {problem}")
    sys.stdout.write(report_output.as_table(result.report) + "\n")


def _compare_times(referrals: int, seed: int, days: int) -> None:
    from handlers.simulated import compare_times
    from handlers.simulated.compare import comparison_table

    typed, found = compare_times(referrals, seed, days)
    typer.echo(comparison_table(typed, found))


def _by_channel(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items()) or "none"


@record_app.command("import")
def import_command(
    case: Annotated[str, typer.Argument(help="The case reference, e.g. NV-40213.")],
    file: Annotated[Path, typer.Argument(help="The record, as YAML or JSON.")],
    actor: Annotated[str, typer.Option("--as", help="The chair (or convenor), by directory id.")],
    database: DatabaseOption = None,
    directory: DirectoryOption = None,
    now: NowOption = None,
) -> None:
    """Import a record written in a file; `finalise: true` in it finalises it.

    Circulation is scheduled in the database: the running bot sends it.
    """
    from rich.console import Console

    from bot.errors import InputError
    from bot.importer import import_record, read_record_file
    from bot.outbox.deliver import Deliverer
    from bot.unit import unit_of_work
    from handlers.console import ConsoleChat, show

    try:
        record = read_record_file(file)
    except InputError as problem:
        _fail(str(problem))
    core = _core(database, directory, now, reading=False)
    try:
        person = core.directory.find(actor)
        if person is None:
            _fail(f"'{actor}' is not in the partner directory.")
        try:
            with unit_of_work(core) as unit:
                outcomes = import_record(unit, person, case, record)
                for outcome in outcomes:
                    unit.emit(outcome.outgoing)
        except InputError as problem:
            _fail(str(problem))
        out = Console(highlight=False, soft_wrap=True)
        deliverer = Deliverer(core, [ConsoleChat(core.directory, out)])
        for outcome in outcomes:
            show(out, outcome.reply)
        deliverer.deliver_due()
    finally:
        core.close()


@record_app.command("export")
def export_command(
    case: Annotated[str, typer.Argument(help="The case reference, e.g. NV-40213.")],
    output: Annotated[Path, typer.Option("--output", help="File to write (.pdf or .md).")],
    actor: Annotated[str, typer.Option("--as", help="Someone invited, by directory id.")],
    database: DatabaseOption = None,
    directory: DirectoryOption = None,
) -> None:
    """Write the latest final record of a case as PDF or Markdown, as it was circulated."""
    from bot.errors import InputError
    from bot.record.service import latest_final
    from bot.shared import visible_discussion

    if output.suffix not in (".pdf", ".md"):
        _fail("--output must end in .pdf or .md")
    _writable(output, "--output")
    core = _core(database, directory, None, reading=True)
    try:
        person = core.directory.find(actor)
        if person is None:
            _fail(f"'{actor}' is not in the partner directory.")
        with core.sessions() as session:
            try:
                discussion = visible_discussion(session, case, person)
            except InputError as problem:
                _fail(str(problem))
            final = latest_final(session, discussion)
            if final is None:
                _fail(f"The record of case {case.upper()} has not been finalised.")
            if output.suffix == ".pdf":
                output.write_bytes(final.document_pdf or b"")
            else:
                output.write_text(final.document_markdown or "", encoding="utf-8")
            typer.echo(f"Version {final.version} of the record written to {output}.")
    finally:
        core.close()


def _core(database: str | None, directory: Path | None, now: str | None, *, reading: bool) -> Core:
    from bot.cli_input import calendar_of, instant_option, open_core
    from bot.settings import Settings
    from scheduling.clock import Clock, SimulatedClock, SystemClock

    settings = Settings()
    if database:
        settings = settings.model_copy(update={"database_url": database})
    if directory:
        settings = settings.model_copy(update={"strategy_directory": directory})
    clock: Clock = SystemClock()
    if now is not None:
        clock = SimulatedClock(instant_option(now, "--now", calendar_of(settings)))
    return open_core(settings, clock, reading=reading)


def _writable(path: Path | None, option: str) -> None:
    """Refuse a file in a folder that does not exist before doing the work."""
    if path is not None and not path.resolve().parent.is_dir():
        _fail(f"{option}: the folder {path.resolve().parent} does not exist.")


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"{option} takes a date as YYYY-MM-DD, e.g. 2026-11-01, not '{text}'.")


def _fail(message: str) -> NoReturn:
    from rich.console import Console
    from rich.text import Text

    Console(stderr=True, highlight=False).print(Text(message, style="red"))
    raise typer.Exit(BAD_INPUT)
