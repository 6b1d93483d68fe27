"""The compliance report: every figure against cases counted by hand."""

from __future__ import annotations

import csv
import io
import json
import struct
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.app import Bot
from bot.mail import OutboxMailer
from bot.record.report import (
    ActionFacts,
    DiscussionFacts,
    Figures,
    Ratio,
    build_report,
    cell,
    compliance_report,
    figures,
)
from bot.record.report_output import as_csv, as_dict, as_json, as_png, as_table
from bot.unit import unit_of_work
from scheduling.clock import SimulatedClock
from tests.helpers import CONVENE, say
from tests.record.conftest import COMPLETE_RECORD


def facts(**changes: object) -> DiscussionFacts:
    base = DiscussionFacts(
        case="NV-10001",
        team="Referral and Assessment",
        category="standard",
        within_timescale=True,
        health_invited=True,
        health_attended=True,
        health_via_fallback=False,
        police_attended=True,
        social_care_attended=True,
        attendance_confirmed=True,
        record_finalised=True,
        record_circulated_in_time=True,
        record_complete=True,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def action(agency: str, *, due: bool, on_time: bool, overdue: bool = False) -> ActionFacts:
    return ActionFacts(agency, True, due, on_time, overdue)


def test_each_figure_counts_what_it_says() -> None:
    sample = [
        facts(actions=(action("Police", due=True, on_time=True),)),
        facts(
            case="NV-10002",
            within_timescale=False,
            health_attended=False,
            record_circulated_in_time=False,
            actions=(
                action("Police", due=True, on_time=False, overdue=True),
                action("Health", due=False, on_time=False),
            ),
        ),
        facts(
            case="NV-10003#2",
            health_via_fallback=True,
            police_attended=False,
            review=True,
            same_people_as_first=True,
        ),
        facts(
            case="NV-10004",
            health_invited=False,
            health_attended=False,
            record_finalised=False,
            record_circulated_in_time=False,
            record_complete=False,
            attendance_confirmed=False,
            actions=(action("Housing", due=True, on_time=False, overdue=True),),
        ),
    ]
    result = figures(sample)
    assert result == Figures(
        held=4,
        within_timescale=Ratio(3, 4),
        health_invited=Ratio(3, 4),
        health_attended=Ratio(2, 4),
        health_via_fallback=Ratio(1, 2),  # of the two with health present
        police_attended=Ratio(3, 4),
        minimum_attendance=Ratio(1, 4),  # only NV-10001 had all three
        attendance_confirmed=Ratio(3, 4),
        records_finalised=Ratio(3, 4),
        records_circulated_in_time=Ratio(2, 4),
        records_complete=Ratio(3, 4),
        actions_with_owner_and_due=Ratio(4, 4),
        actions_closed_by_due=Ratio(1, 3),  # the Health action is not due yet
        reviews=Ratio(1, 4),  # every discussion counts, a review too
        reviews_same_people=Ratio(1, 1),
        open_overdue_by_agency={"Housing": 1, "Police": 1},
    )
    assert figures([]).within_timescale == Ratio(0, 0)
    assert cell(Ratio(0, 0)) == "-"
    assert cell(Ratio(199, 200)) == "199/200 (99.5%)"  # never rounded up to 100%
    assert cell(Ratio(3, 4)) == "3/4 (75%)"


def test_the_report_groups_by_team_and_category_in_every_format() -> None:
    late = {"within_timescale": False}
    sample = [
        facts(),
        facts(case="NV-10002", team="Child Protection and Court", category="complex", **late),
    ]
    report = build_report(
        "Northvale",
        date(2026, 11, 1),
        date(2026, 11, 30),
        datetime(2026, 12, 1, tzinfo=UTC),
        sample,
    )
    assert list(report.by_team) == ["Child Protection and Court", "Referral and Assessment"]
    assert report.by_team["Child Protection and Court"].within_timescale == Ratio(0, 1)
    assert report.by_category["standard"].within_timescale == Ratio(1, 1)

    table = as_table(report)
    assert "Meetings from Sun 1 Nov 2026 to Mon 30 Nov 2026" in table
    assert "Held within the statutory timescale" in table
    line = next(x for x in table.splitlines() if x.startswith("Held within the statutory"))
    assert line.split()[-6:] == ["1/2", "(50%)", "0/1", "(0%)", "1/1", "(100%)"]

    rows = list(csv.DictReader(io.StringIO(as_csv(report))))
    expected = {
        "group_type": "team",
        "group": "Child Protection and Court",
        "figure": "within_timescale",
        "count": "0",
        "total": "1",
        "percent": "0.0",
    }
    assert expected in rows
    assert {r["group_type"] for r in rows} == {"overall", "team", "category"}

    data = json.loads(as_json(report))
    assert data == as_dict(report)
    assert data["overall"]["within_timescale"] == {"count": 1, "total": 2, "percent": 50.0}
    assert data["by_category"]["complex"]["held"] == 1

    png = as_png(report)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1320, 682)
    assert len(png) < 250_000  # small enough to commit and to put in a board paper


def test_every_figure_from_the_bots_own_data(
    bot: Bot, clock: SimulatedClock, tmp_path: Path
) -> None:
    """Three discussions whose figures are worked out by hand in the comments."""
    bot.core.mailer = OutboxMailer(tmp_path / "outbox")
    # A: standard, health visitor and police accept, the school declines. On time.
    say(bot, "ben.okafor", CONVENE)
    # B: immediate action held late (deadline Tue 24, meeting Wed 25). No health known,
    # so the MASH nurse is invited up front (not a fallback); police never reply, so
    # the MASH police officer is invited by the fallback, and accepts. No record.
    say(
        bot,
        "daniel.mensah",
        "/strategy convene NV-40214 children=C1:2015-01-01 category=immediate_action "
        'identified="today 9am" meeting="wednesday 10am" late_reason="no police before Wed"',
    )
    # C: standard; the health visitor declines, so the MASH nurse comes by the fallback.
    say(
        bot,
        "chloe.dawson",
        "/strategy convene NV-40215 children=C1:2024-03-01 category=standard "
        'identified="today 9am" meeting="tomorrow 3pm" tags=neglect known=priya.sharma',
    )
    accepting = [
        ("megan.price", "40213"),
        ("olivia.bennett", "40213"),
        ("zoe.fletcher", "40214"),
        ("ian.campbell", "40215"),
    ]
    for who, case in accepting:
        assert "accepted" in say(bot, who, f"/strategy accept NV-{case}").text
    say(bot, "bethany.cole", '/strategy decline NV-40213 reason="teaching all afternoon"')
    say(bot, "priya.sharma", '/strategy decline NV-40215 reason="on leave this week"')
    assert "accepted" in say(bot, "zoe.fletcher", "/strategy accept NV-40215").text
    clock.advance(timedelta(hours=1))  # the cutoff: B's police fallback
    bot.run_due_work()
    assert "accepted" in say(bot, "nathan.osei", "/strategy accept NV-40214").text

    clock.set(datetime(2026, 11, 24, 15, 30, tzinfo=UTC))  # after A (14:00) and C (15:00)
    bot.run_due_work()
    say(
        bot,
        "asha.patel",
        '/strategy action NV-40213 owner=megan.price due="in 2 working days" '
        'text="Complete a DASH risk assessment"',
    )  # due Thu 26
    say(
        bot,
        "asha.patel",
        '/strategy action NV-40213 owner=george.palmer due="friday" text="Check refuge places"',
    )  # due Fri 27, never closed
    say(bot, "asha.patel", COMPLETE_RECORD)
    assert "finalised" in say(bot, "asha.patel", "/strategy record NV-40213 finalise").text
    say(
        bot,
        "asha.patel",
        '/strategy action NV-40215 owner=ian.campbell due="wednesday" '
        'text="Check police records for the household"',
    )  # due Wed 25
    say(
        bot,
        "asha.patel",
        "/strategy record NV-40215 attended=asha.patel,chloe.dawson,zoe.fletcher,ian.campbell "
        'children=C1 s47="single: neglect, no crime suspected" family="share: parents told" '
        'concern="home conditions" adults="father (non-resident)" risk="neglect continuing" '
        'safety="daily nursery checks" identity="White British family, English spoken" '
        "harm=neglect "
        'shared.social_care="known since 2025" shared.health="missed health checks" '
        'shared.police="no police history" abe="no: not needed" medical="no: not needed" '
        'legal="no: not needed" icpc="no: decide later" further="yes: in two weeks" '
        "marac=no clares_law=no dash=no sarc=no lado=no",
    )
    clock.set(datetime(2026, 11, 25, 10, 30, tzinfo=UTC))
    bot.run_due_work()  # B is held (late)
    say(bot, "megan.price", '/strategy close NV-40213/A1 outcome="DASH done: high risk"')
    clock.set(datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
    bot.run_due_work()
    # C is finalised a day after its circulation deadline (end of Wed 25), and its
    # action closed after its due date.
    assert "finalised" in say(bot, "asha.patel", "/strategy record NV-40215 finalise").text
    say(bot, "ian.campbell", '/strategy close NV-40215/A1 outcome="No police history found"')
    clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    bot.run_due_work()

    with unit_of_work(bot.core) as unit:
        report = compliance_report(unit, date(2026, 11, 1), date(2026, 11, 30))
    assert report.overall == Figures(
        held=3,
        within_timescale=Ratio(2, 3),  # B was late
        health_invited=Ratio(3, 3),
        health_attended=Ratio(3, 3),  # A's health visitor, B's and C's MASH nurse
        health_via_fallback=Ratio(1, 3),  # only C's nurse came through the fallback
        police_attended=Ratio(3, 3),
        minimum_attendance=Ratio(3, 3),
        attendance_confirmed=Ratio(2, 3),  # B has no record: attendance from the replies
        records_finalised=Ratio(2, 3),
        records_circulated_in_time=Ratio(1, 3),  # C was finalised late
        records_complete=Ratio(1, 3),  # A's record has the essentials only
        actions_with_owner_and_due=Ratio(3, 3),
        actions_closed_by_due=Ratio(1, 3),  # A1 on time; C's late; A2 still open
        reviews=Ratio(0, 3),  # three first discussions
        open_overdue_by_agency={"Northvale Community Partners": 1},
    )
    assert list(report.by_team) == ["Child Protection and Court", "Referral and Assessment"]
    cpc, ra = report.by_team.values()
    assert (cpc.held, cpc.within_timescale, cpc.records_finalised) == (1, Ratio(0, 1), Ratio(0, 1))
    assert (ra.held, ra.within_timescale, ra.records_circulated_in_time) == (
        2,
        Ratio(2, 2),
        Ratio(1, 2),
    )
    assert ra.open_overdue_by_agency == {"Northvale Community Partners": 1}
    assert list(report.by_category) == ["immediate_action", "standard"]
    assert report.by_category["immediate_action"].police_attended == Ratio(1, 1)
    assert report.by_category["standard"].health_via_fallback == Ratio(1, 2)

    chat = say(bot, "asha.patel", "/strategy report from=2026-11-01 to=2026-11-30").text
    assert "Records circulated within timescale" in chat and "1/3 (33.3%)" in chat
    by_category = say(bot, "marcus.reid", "/strategy report from=2026-11-01 by=category").text
    assert "immediate action" in by_category and "Child Protection" not in by_category
    assert "for team managers" in say(bot, "megan.price", "/strategy report").text
    assert "YYYY-MM-DD" in say(bot, "asha.patel", "/strategy report from=1/11").text
    assert (
        "ends (2026-10-01) before" in say(bot, "asha.patel", "/strategy report to=2026-10-01").text
    )
