"""The `strategy-bot` command line: the imperative shell around the core."""

from __future__ import annotations

import contextlib
import io
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

# What `strategy-bot --help` needs, and no more: each command imports what it does inside
# its function (tests/test_lean_imports.py checks that importing this module stays lean).
from bot.cli_directory import check_command
from bot.cli_record import record_app, report_command, simulate_command
from bot.cli_timescales import deadline_command, when_command
from handlers.defaults import DEFAULT_PORT
from handlers.slack.cli import slack_app
from handlers.teams.cli import teams_app

if TYPE_CHECKING:
    from rich.console import Console

    from bot.settings import Settings
    from handlers.console import ConsoleSession
    from scheduling.clock import SimulatedClock

app = typer.Typer(
    help="Convene child-safeguarding strategy discussions on time, with the right people.",
    no_args_is_help=False,
    add_completion=False,
)
directory_app = typer.Typer(help="The partner directory.")
app.add_typer(directory_app, name="directory")
directory_app.command("check")(check_command)
app.command("deadline")(deadline_command)
app.command("when")(when_command)
app.add_typer(teams_app, name="teams")
app.add_typer(slack_app, name="slack")
app.command("report")(report_command)
app.command("simulate")(simulate_command)
app.add_typer(record_app, name="record")

# The demo starts on a Monday morning, so the story is the same on every run.
DEMO_START = datetime.fromisoformat("2026-11-23T09:30:00+00:00")


@app.callback(invoke_without_command=True)
def default(context: typer.Context) -> None:
    """With no command: start the bot (in Slack when SLACK_BOT_TOKEN is set, in Teams when
    TEAMS_APP_ID and TEAMS_APP_PASSWORD are, else the console)."""
    if context.invoked_subcommand is None:
        from bot.settings import Settings
        from handlers.platforms import chat_configured

        settings = Settings()
        if chat_configured():
            _connect(settings)
        else:
            console()


@app.command()
def console(
    database: Annotated[
        str | None, typer.Option(help="Database URL (default: DATABASE_URL)")
    ] = None,
    directory: Annotated[Path | None, typer.Option(help="Partner directory YAML")] = None,
    start: Annotated[
        str | None, typer.Option(help="Start the simulated clock here (ISO 8601)")
    ] = None,
) -> None:
    """Act as anyone in the directory, type /strategy commands, move the clock."""
    from rich.console import Console

    from bot.cli_input import calendar_of, instant_option
    from scheduling.clock import SimulatedClock, SystemClock

    settings = _settings(database, directory)
    started = instant_option(start, "--start", calendar_of(settings)) if start is not None else None
    clock = SimulatedClock(started or SystemClock().now())
    # Bytes that are not UTF-8 reach the console as lone surrogates, which it refuses
    # with a message; nothing it prints can fail to encode.
    _reconfigure(sys.stdin, errors="surrogateescape")
    _reconfigure(sys.stdout, errors="backslashreplace")
    out = Console(highlight=False, soft_wrap=True)
    session = _session(settings, clock, out)
    interactive = sys.stdin.isatty()
    if interactive:
        out.print(
            f"strategy-bot console: {session.bot.core.directory.partnership.name}. "
            "Type 'help' for commands, 'who' for the directory, 'quit' to leave."
        )
        _interactive(session)
    else:
        session.run(sys.stdin, echo=True)


@app.command()
def demo(
    outbox: Annotated[
        Path | None,
        typer.Option(help="Leave the calendar invitations the demo sends (.eml, .ics) here"),
    ] = None,
) -> None:
    """Watch a whole strategy discussion happen, from convening to a closed action."""
    import tempfile
    from importlib import resources

    from rich.console import Console

    from bot.settings import Settings
    from scheduling.clock import SimulatedClock

    script = resources.files("bot") / "data" / "demo.txt"
    out = Console(highlight=False, soft_wrap=True)
    with tempfile.TemporaryDirectory(prefix="strategy-bot-demo-") as folder:
        settings = Settings(
            database_url=f"sqlite:///{Path(folder) / 'demo.db'}",
            strategy_directory=None,
            # The demo's people are invented: its invitations only ever go to a folder,
            # whatever mail server or Microsoft 365 tenant is configured.
            outbox_dir=outbox or Path(folder) / "outbox",
            smtp_host=None,
            graph_tenant_id=None,
            graph_client_id=None,
            graph_client_secret=None,
            graph_certificate_path=None,
            graph_organiser_mailbox=None,
        )
        session = _session(settings, SimulatedClock(DEMO_START), out)
        session.run(script.read_text(encoding="utf-8").splitlines(), echo=True)


@app.command()
def jobs(
    database: Annotated[
        str | None, typer.Option(help="Database URL (default: DATABASE_URL)")
    ] = None,
    now: Annotated[
        str | None, typer.Option(help="Judge what is overdue at this time (ISO 8601)")
    ] = None,
) -> None:
    """List the scheduled work still to do (nudges, fallbacks, alerts; overdue marked), and
    the messages that could not be delivered or wait to be tried again."""
    from rich.console import Console
    from rich.table import Table

    from bot.cli_input import calendar_of, instant_option, open_core
    from bot.jobs import pending_work
    from bot.outbox.rows import stuck
    from scheduling.clock import Clock, SimulatedClock, SystemClock
    from scheduling.workdays import format_local

    settings = _settings(database, None)
    clock: Clock = SystemClock()
    if now is not None:
        clock = SimulatedClock(instant_option(now, "--now", calendar_of(settings)))
    core = open_core(settings, clock, reading=True)
    current = clock.now()
    table = Table("id", "kind", "case", "action", "due", "state", "attempts", "last error")
    pending = pending_work(core)
    for work in pending:
        table.add_row(
            str(work.id),
            work.kind,
            work.case or "",
            work.action or "",
            format_local(work.due_at, core.calendar),
            "OVERDUE" if work.due_at < current else "due",
            str(work.attempts),
            work.last_error or "",
        )
    out = Console(highlight=False, soft_wrap=True)
    out.print(table)
    overdue = sum(1 for w in pending if w.due_at < current)
    out.print(f"{len(pending)} pending, {overdue} overdue.")
    with core.sessions() as session:
        messages = stuck(session)
    if messages:
        held = Table("id", "to", "message", "case", "state", "attempts", "why")
        for item in messages:
            state = (
                "UNDELIVERABLE"
                if item.status == "undeliverable"
                else f"retry {format_local(item.next_attempt_at, core.calendar)}"
            )
            held.add_row(
                str(item.id),
                item.recipient,
                item.kind,
                item.case or "",
                state,
                str(item.attempts),
                item.problem or "",
            )
        out.print(held)
    lost = sum(1 for m in messages if m.status == "undeliverable")
    out.print(
        f"{lost} message(s) could not be delivered on any channel"
        + (" (add a chat id or an email in the directory)" if lost else "")
        + f", {len(messages) - lost} waiting to be tried again."
    )
    core.close()


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port to listen on")] = DEFAULT_PORT,
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: all)")] = "127.0.0.1",
    database: Annotated[
        str | None, typer.Option(help="Database URL (default: DATABASE_URL)")
    ] = None,
    directory: Annotated[Path | None, typer.Option(help="Partner directory YAML")] = None,
) -> None:
    """Serve every configured chat platform and email in one process (Slack at /slack/events,
    or over Socket Mode with SLACK_APP_TOKEN and no signing secret; Teams at /api/messages),
    with scheduled work."""
    _connect(_settings(database, directory), host, port, socket_mode=False)


@app.command("migrate")
def migrate_command(
    database: Annotated[
        str | None, typer.Option(help="Database URL (default: DATABASE_URL)")
    ] = None,
) -> None:
    """Bring the database schema up to date (run this before starting on PostgreSQL)."""
    from bot.cli_input import database_errors
    from bot.settings import Settings
    from bot.storage.db import migrate

    url = database or Settings().database_url
    with database_errors(url):
        migrate(url)
    typer.echo("The database schema is up to date.")


def _settings(database: str | None, directory: Path | None) -> Settings:
    from bot.settings import Settings

    settings = Settings()
    if database:
        settings = settings.model_copy(update={"database_url": database})
    if directory:
        settings = settings.model_copy(update={"strategy_directory": directory})
    return settings


def _connect(
    settings: Settings, host: str = "127.0.0.1", port: int = DEFAULT_PORT, socket_mode: bool = True
) -> None:
    """Run in the configured chat platform; problems with the setup end it, said plainly.
    Logs go to standard error as JSON lines from here on."""
    from bot.app import SchemaOutOfDate
    from bot.cli_input import database_errors
    from bot.directory import DirectoryError
    from bot.errors import InputError
    from bot.logs import configure_logging
    from handlers.web import connect  # the web stack and the chat SDKs: only when serving

    configure_logging()
    try:
        with database_errors(settings.database_url):
            connect(settings, host, port, socket_mode)
    except (DirectoryError, SchemaOutOfDate) as problem:
        typer.echo(str(problem), err=True)
        raise typer.Exit(1) from None
    except InputError as problem:
        typer.echo(str(problem), err=True)
        raise typer.Exit(2) from None


def _session(settings: Settings, clock: SimulatedClock, out: Console) -> ConsoleSession:
    import logging

    from bot.app import Bot
    from bot.cli_input import open_core
    from handlers.console import ConsoleChat, ConsoleSession

    # The console shows problems (a failed delivery, say) as short lines among the messages.
    logging.basicConfig(level=logging.WARNING, format="  ! %(message)s", force=True)
    from bot.links.buttons import DatabaseLinks
    from handlers.console_links import LinkOpener, console_public_url

    core = open_core(settings, clock)
    # Email people's links are real (PUBLIC_URL, or serve's local address) and `open`
    # answers through the real page (handlers/console_links.py).
    core.public_url = console_public_url(settings)
    links = DatabaseLinks(core, core.public_url)
    chat = ConsoleChat(core.directory, out, links=links)
    bot = Bot(core, chat)
    opener = LinkOpener(bot, settings, out, chat)
    return ConsoleSession(bot, clock, out, opener=opener)


def _interactive(session: ConsoleSession) -> None:
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (line editing and history for input())
    while True:
        try:
            line = input(session.prompt)
        except (EOFError, KeyboardInterrupt):
            print()
            return
        if not session.run_line(line.strip()):
            return


def _reconfigure(stream: object, errors: str) -> None:
    if isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(errors=errors)


def main() -> None:
    app()
