"""The compliance report reads a fixed number of queries, whatever the period holds."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import event

from bench.history import SPACING, START, seed_history
from bot.app import Bot
from bot.record.report import compliance_report
from bot.unit import unit_of_work


def statements_for_report(bot: Bot, discussions: int) -> tuple[int, int]:
    """How many statements the report over the whole history runs, and how many it held."""
    core = bot.core
    start = core.calendar.local_date(START - SPACING * (discussions + 1)) - timedelta(days=1)
    count = 0

    def counted(*_args: object) -> None:
        nonlocal count
        count += 1

    engine = core.sessions.kw["bind"]
    event.listen(engine, "before_cursor_execute", counted)
    try:
        with unit_of_work(core) as unit:
            report = compliance_report(unit, start, date(2026, 11, 23))
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return count, report.overall.held


def test_the_report_runs_as_many_queries_for_100_discussions_as_for_10(bot: Bot) -> None:
    seed_history(bot, 10)
    few, held = statements_for_report(bot, 10)
    assert held == 10
    seed_history(bot, 90, already=10)
    many, held = statements_for_report(bot, 100)
    assert held == 100
    assert many == few
