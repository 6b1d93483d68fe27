"""The command line starts lean: the heavy libraries load only in the commands that use them.

Each check runs in a fresh interpreter and lists the modules it finds loaded, so
that an eager import added anywhere on the way (bot/cli.py, bot/cli_*.py, the
`slack` and `teams` sub-commands, or a package's `__init__`) fails it by name.
"""

from __future__ import annotations

import subprocess
import sys

# Libraries: PDF and charts, the web stack, the chat SDKs and Microsoft 365, and what the
# core itself is built on (the ORM, settings, YAML, templates, holidays, calendars, time
# parsing, metrics, migrations).
HEAVY = (
    "fpdf",
    "matplotlib",
    "numpy",
    "PIL",
    "fastapi",
    "uvicorn",
    "starlette",
    "httpx",
    "botbuilder",
    "microsoft_teams",
    "O365",
    "msal",
    "slack_bolt",
    "slack_sdk",
    "sqlalchemy",
    "alembic",
    "pydantic",
    "pydantic_settings",
    "yaml",
    "jinja2",
    "holidays",
    "icalendar",
    "dateparser",
    "prometheus_client",
    "apscheduler",
    "markdown_it",
)
# The bot's own modules --help does not need: the core, the intent table, the ORM models,
# the configuration, the templates and the adapters.
OWN = (
    "bot.app",
    "bot.core",
    "bot.intents",
    "bot.storage",
    "bot.settings",
    "bot.directory",
    "bot.record",
    "bot.outbox",
    "templates",
    "handlers.console",
    "handlers.platforms",
    "handlers.web",
    "handlers.slack.settings",
    "handlers.slack.manifest",
    "handlers.teams.settings",
    "handlers.teams.package",
)

LOADED = """
import sys
names = {heavy!r} + {own!r}
print(",".join(n for n in names if any(m == n or m.startswith(n + ".") for m in sys.modules)))
"""


def loaded_after(code: str, heavy: tuple[str, ...], own: tuple[str, ...] = OWN) -> list[str]:
    """Which of `heavy` and `own` a fresh interpreter has loaded after running `code`."""
    check = code + LOADED.format(heavy=heavy, own=own)
    done = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True, timeout=120
    )
    return [name for name in done.stdout.strip().split(",") if name]


def test_importing_the_command_line_imports_none_of_the_heavy_libraries() -> None:
    assert loaded_after("import bot.cli\n", (*HEAVY, "rich")) == []


# What typer itself loads for --help: rich prints the help (with markdown_it), and typer
# reads the options' types through pydantic.
TYPER_OWN = ("markdown_it", "pydantic")


def test_help_needs_only_the_command_line_and_its_help_printer() -> None:
    """`strategy-bot --help` and a command's --help: typer, and what typer loads itself."""
    for arguments in (["--help"], ["serve", "--help"], ["record", "export", "--help"]):
        code = (
            "import contextlib, io, sys\n"
            "from bot.cli import app\n"
            f"sys.argv = ['strategy-bot', *{arguments!r}]\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
            "    app()\n"
        )
        assert loaded_after(code, tuple(n for n in HEAVY if n not in TYPER_OWN)) == [], arguments


def test_the_check_sees_a_module_that_was_loaded() -> None:
    """The check itself: what the code does load is named."""
    assert loaded_after("import yaml, bot.settings\n", ("yaml", "fpdf")) == [
        "yaml",
        "bot.settings",
    ]


def test_a_record_is_still_written_as_a_pdf_when_asked() -> None:
    from bot.record.pdf import markdown_to_pdf

    assert markdown_to_pdf("# Record\n\nSome text.", "Record").startswith(b"%PDF")
