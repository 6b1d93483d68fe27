"""The command line starts lean: the heavy libraries load only in the commands that use them.

Each check runs in a fresh interpreter and lists the modules it finds loaded, so
that an eager import added anywhere on the way (bot/cli.py, bot/cli_*.py, the
`slack` and `teams` sub-commands, or a package's `__init__`) fails it by name.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

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
print("loaded:" + ",".join(
    n for n in names if any(m == n or m.startswith(n + ".") for m in sys.modules)
))
"""


def loaded_after(
    code: str,
    heavy: tuple[str, ...],
    own: tuple[str, ...] = OWN,
    env: dict[str, str] | None = None,
) -> list[str]:
    """Which of `heavy` and `own` a fresh interpreter has loaded after running `code`,
    after any lines `code` printed."""
    check = code + LOADED.format(heavy=heavy, own=own)
    done = subprocess.run(
        [sys.executable, "-c", check],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    *printed, loaded = done.stdout.strip().splitlines()
    assert loaded.startswith("loaded:"), done.stdout
    return [*printed, *(name for name in loaded.removeprefix("loaded:").split(",") if name)]


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


# What no process loads until it makes a PDF or a chart, or talks to Microsoft 365, or
# migrates (a database whose schema is current is told so without alembic).
NOT_AT_START = ("fpdf", "matplotlib", "numpy", "PIL", "O365", "msal", "alembic", "markdown_it")


@pytest.fixture
def current_database(tmp_path: Path) -> str:
    from bot.storage.db import migrate

    url = f"sqlite:///{tmp_path / 'current.db'}"
    migrate(url)
    return url


def run_command(*arguments: str) -> str:
    return (
        "import contextlib, sys\n"
        "from bot.cli import app\n"
        f"sys.argv = ['strategy-bot', *{arguments!r}]\n"
        "with contextlib.redirect_stdout(sys.stderr), contextlib.suppress(SystemExit):\n"
        "    app()\n"
    )


def test_the_console_loads_neither_the_web_stack_nor_a_chat_sdk(current_database: str) -> None:
    """The web stack loads with the first `open LINK` (handlers/console_links.py)."""
    web_and_sdks = ("fastapi", "starlette", "uvicorn", "httpx", "slack_bolt", "microsoft_teams")
    code = run_command("console", "--database", current_database)
    assert loaded_after(code, NOT_AT_START + web_and_sdks, own=("handlers.web",)) == []


def test_serving_only_slack_loads_no_teams_sdk(current_database: str) -> None:
    """`serve` with Slack configured, up to the moment the web server would start."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_", "GRAPH_"))}
    env |= {
        "DATABASE_URL": current_database,
        "SLACK_BOT_TOKEN": "xoxb-lean-imports",
        "SLACK_SIGNING_SECRET": "lean-imports",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    # uvicorn.run would serve until interrupted: here it only says it was reached.
    code = (
        "import sys, uvicorn\nuvicorn.run = lambda *a, **k: print('serving', file=sys.__stdout__)\n"
        + run_command("serve", "--port", "9")
    )
    teams = ("microsoft_teams", "botbuilder")
    loaded = loaded_after(code, NOT_AT_START + teams, own=("handlers.console", "rich"), env=env)
    assert loaded == ["serving"]


def test_the_check_sees_a_module_that_was_loaded() -> None:
    """The check itself: what the code does load is named."""
    assert loaded_after("import yaml, bot.settings\n", ("yaml", "fpdf")) == [
        "yaml",
        "bot.settings",
    ]


def test_a_record_is_still_written_as_a_pdf_when_asked() -> None:
    from bot.record.pdf import markdown_to_pdf

    assert markdown_to_pdf(
        "# Record\n\nSome text.", "Record", datetime(2026, 11, 24, tzinfo=UTC)
    ).startswith(b"%PDF")
