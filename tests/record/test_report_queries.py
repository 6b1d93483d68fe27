"""The compliance report reads a fixed number of queries, whatever the period holds."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import event, update

from bench.history import SPACING, START, seed_history
from bot.app import Bot
from bot.record.report import compliance_report
from bot.storage import models
from bot.unit import unit_of_work


def statements_for_report(bot: Bot, discussions: int) -> tuple[int, int, int]:
    """How many statements the report over the whole history runs, how many discussions
    it held, and how many of them were reviews."""
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
    return count, report.overall.held, report.overall.reviews.count


def as_reviews(bot: Bot) -> None:
    """Every fifth discussion becomes the review (number 2) of the case of the one before
    it: the report then also reads each review's first discussion."""
    with bot.core.sessions() as session, session.begin():
        session.execute(
            update(models.Discussion)
            .where(models.Discussion.id % 5 == 0, models.Discussion.number == 1)
            .values(case_id=models.Discussion.case_id - 1, number=2)
        )


def test_the_report_runs_as_many_queries_for_100_discussions_as_for_10(bot: Bot) -> None:
    seed_history(bot, 10)
    as_reviews(bot)
    few, held, reviews = statements_for_report(bot, 10)
    assert (held, reviews) == (10, 2)
    seed_history(bot, 90, already=10)
    as_reviews(bot)
    many, held, reviews = statements_for_report(bot, 100)
    assert (held, reviews) == (100, 20)
    assert many == few
