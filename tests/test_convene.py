"""Convening: the deadline, who is invited, and every refusal writing nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.app import Bot
from bot.messages import Delivery
from bot.storage import models
from scheduling.clock import SimulatedClock
from tests.helpers import (
    CONVENE,
    audit_events,
    invitation_statuses,
    say,
    table_counts,
    take_sent,
    to,
)


def test_convene_works_out_the_deadline_and_invites_the_right_people(bot: Bot) -> None:
    reply = say(bot, "ben.okafor", CONVENE)

    assert "Strategy discussion convened for case NV-40213" in reply.text
    assert "Thu 26 Nov 2026, 23:59 GMT" in reply.text  # 3rd working day after Mon 23rd
    with bot.core.sessions() as session:
        discussion = session.scalars(select(models.Discussion)).one()
        assert discussion.due_date == date(2026, 11, 26)
        assert discussion.deadline_at == datetime(2026, 11, 26, 23, 59, 59, tzinfo=UTC)
        assert discussion.meeting_at == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
        assert discussion.identified_at == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        assert "3rd working day" in discussion.deadline_rule
        assert discussion.chair.key == "asha.patel"  # Ben's team manager chairs
        assert [c.pseudonym for c in discussion.children] == ["C1", "C2"]
    assert invitation_statuses(bot) == {
        "asha.patel": "accepted",
        "ben.okafor": "accepted",
        "olivia.bennett": "invited",
        "bethany.cole": "invited",
        "megan.price": "invited",  # the police unit for domestic abuse
    }


def test_invitations_go_only_to_invitees_and_the_channel_learns_only_the_reference(
    bot: Bot,
) -> None:
    say(bot, "ben.okafor", CONVENE)
    items = take_sent(bot)
    direct = {o.to for o in items if o.delivery is Delivery.DIRECT}
    assert direct == {"olivia.bennett", "bethany.cole", "megan.price", "asha.patel"}
    invitation = to(items, "olivia.bennett")[0].message
    assert "Before and during the discussion (health)" in invitation.text
    assert [b.action for b in invitation.buttons] == ["accept", "decline", "delegate"]
    assert "Before and during the discussion (police)" in to(items, "megan.price")[0].message.text
    channel = [o for o in items if o.delivery is Delivery.CHANNEL]
    assert len(channel) == 1
    text = channel[0].message.text
    assert "NV-40213" in text
    for detail in ("C1", "C2", "domestic", "standard", "Olivia", "2020"):
        assert detail not in text


@pytest.mark.parametrize(
    ("tags", "known", "expected"),
    [
        ("", "olivia.bennett", {"ian.campbell": "police: Child abuse investigation team"}),
        ("missing", "olivia.bennett", {"kieran.walsh": "police: Missing persons unit"}),
        ("exploitation", "olivia.bennett", {"leila.haddad": "police: Exploitation team"}),
        ("allegation_against_staff", "olivia.bennett", {"fiona.grant": "LADO"}),
        ("injury", "", {"victoria.adeyemi": "Paediatrician", "ian.campbell": "police"}),
        ("pre_birth", "", {"wendy.clarke": "Midwife"}),
        ("", "", {"zoe.fletcher": "no health professional known"}),
    ],
)
def test_the_tags_and_known_professionals_decide_who_is_invited(
    bot: Bot, tags: str, known: str, expected: dict[str, str]
) -> None:
    say(
        bot,
        "ben.okafor",
        f"/strategy convene NV-40213 children=C1 category=standard "
        f'meeting="tomorrow 2pm" tags={tags} known={known}',
    )
    with bot.core.sessions() as session:
        reasons = {i.contact.key: i.reason for i in session.scalars(select(models.Invitation))}
    for contact, reason in expected.items():
        assert contact in reasons
        assert reason.lower() in reasons[contact].lower()
    if "zoe.fletcher" not in expected:
        assert "zoe.fletcher" not in reasons  # health is already there


def test_the_referrer_is_invited_as_the_referrer(bot: Bot) -> None:
    say(
        bot,
        "ben.okafor",
        CONVENE.replace(
            "known=olivia.bennett,bethany.cole", "known=olivia.bennett referrer=bethany.cole"
        ),
    )
    with bot.core.sessions() as session:
        reasons = {i.contact.key: i.reason for i in session.scalars(select(models.Invitation))}
    assert reasons["bethany.cole"] == "referrer: Designated safeguarding lead"
    reply = say(bot, "chloe.dawson", CONVENE.replace("NV-40213", "NV-40214") + " referrer=nobody")
    assert "'nobody' is not in the partner directory" in reply.text


def test_a_team_manager_who_convenes_chairs(bot: Bot) -> None:
    say(bot, "marcus.reid", CONVENE)
    with bot.core.sessions() as session:
        discussion = session.scalars(select(models.Discussion)).one()
        assert discussion.chair.key == discussion.convenor.key == "marcus.reid"


def test_convening_writes_audit_events_and_schedules_the_fallbacks(bot: Bot) -> None:
    say(bot, "ben.okafor", CONVENE)
    events = audit_events(bot)
    assert events[0][:2] == ("ben.okafor", "convened")
    assert events[0][2]["children"] == ["C1", "C2"]
    invited = [details["contact"] for _, event, details in events if event == "invited"]
    assert sorted(invited) == sorted(invitation_statuses(bot))
    with bot.core.sessions() as session:
        work = {
            (w.kind, w.agency_kind, w.due_at) for w in session.scalars(select(models.ScheduledWork))
        }
    assert work == {
        ("fallback_check", "health", datetime(2026, 11, 23, 10, 30, tzinfo=UTC)),
        ("fallback_check", "police", datetime(2026, 11, 23, 10, 30, tzinfo=UTC)),
        ("meeting_start", None, datetime(2026, 11, 24, 14, 0, tzinfo=UTC)),
        # Inside working hours on the due day: at its start, and 2 hours before its end.
        ("deadline_warning", None, datetime(2026, 11, 26, 9, 0, tzinfo=UTC)),
        ("deadline_warning", None, datetime(2026, 11, 26, 15, 0, tzinfo=UTC)),
        # the calendar invitations, sent straight away from scheduled work
        ("calendar_sync", None, datetime(2026, 11, 23, 9, 30, tzinfo=UTC)),
    }


def test_the_fallback_cutoff_is_never_later_than_an_hour_before_the_meeting(bot: Bot) -> None:
    say(
        bot,
        "ben.okafor",
        "/strategy convene NV-40213 children=C1 category=serious_harm "
        'meeting="today 10:45am" known=olivia.bennett',
    )
    with bot.core.sessions() as session:
        cutoffs = {
            w.due_at
            for w in session.scalars(
                select(models.ScheduledWork).where(models.ScheduledWork.kind == "fallback_check")
            )
        }
    assert cutoffs == {datetime(2026, 11, 23, 9, 45, tzinfo=UTC)}


def test_a_meeting_after_the_deadline_needs_a_reason(bot: Bot) -> None:
    late = (
        '/strategy convene NV-40213 children=C1 category=standard meeting="1/12 10am"'
        " known=olivia.bennett"
    )
    reply = say(bot, "ben.okafor", late)
    assert "after the statutory deadline" in reply.text
    assert "For example:" in reply.text
    assert table_counts(bot)["discussion"] == 0

    reply = say(bot, "ben.okafor", late + ' late_reason="the only time police can attend"')
    assert "After the deadline, because: the only time police can attend" in reply.text
    with bot.core.sessions() as session:
        assert session.scalars(select(models.Discussion.late_reason)).one() == (
            "the only time police can attend"
        )


def test_the_same_case_cannot_have_two_discussions_scheduled(bot: Bot) -> None:
    say(bot, "ben.okafor", CONVENE)
    before = table_counts(bot)
    # The convenor, invited, is told when it is.
    reply = say(bot, "ben.okafor", CONVENE)
    assert "already has a strategy discussion scheduled for Tue 24 Nov 2026, 14:00" in reply.text
    assert table_counts(bot) == before


def test_a_convenor_not_invited_learns_nothing_about_the_upcoming_discussion(bot: Bot) -> None:
    say(bot, "ben.okafor", CONVENE)
    before = table_counts(bot)
    reply = say(bot, "chloe.dawson", CONVENE)
    assert "cannot be convened now: a strategy discussion is already arranged" in reply.text
    assert "Ask Asha Patel (duty team manager)" in reply.text
    # Neither its time nor its invitees: as much as /strategy status tells her.
    for secret in ("24 Nov", "14:00", "Olivia", "Megan", "Ben"):
        assert secret not in reply.text
    assert "no strategy discussion" in say(bot, "chloe.dawson", "/strategy status NV-40213").text
    assert table_counts(bot) == before


def test_children_are_kept_by_pseudonym_with_dates(bot: Bot) -> None:
    say(
        bot,
        "ben.okafor",
        "/strategy convene NV-40213 children=C1:2020-05-14,C2:unborn:2027-03-01"
        ' category=standard meeting="tomorrow 2pm" known=olivia.bennett',
    )
    with bot.core.sessions() as session:
        children = {
            c.pseudonym: (c.date_of_birth, c.expected_date)
            for c in session.scalars(select(models.Child))
        }
    assert children == {"C1": (date(2020, 5, 14), None), "C2": (None, date(2027, 3, 1))}


BAD_CONVENE = [
    ("ian.campbell", CONVENE, "Only a social worker or team manager"),
    ("ben.okafor", CONVENE.replace("NV-40213", '"Jamie Smith"'), "is not a case reference"),
    ("ben.okafor", CONVENE.replace("NV-40213", "NV-12"), "is not a case reference"),
    (
        "ben.okafor",
        CONVENE.replace("category=standard", "category=urgent"),
        "is not a concern category",
    ),
    ("ben.okafor", CONVENE.replace('meeting="tomorrow 2pm"', 'meeting="yesterday 2pm"'), "past"),
    (
        "ben.okafor",
        CONVENE.replace('meeting="tomorrow 2pm"', 'meeting="whenever suits"'),
        "Meeting time: I could not read",
    ),
    ("ben.okafor", CONVENE.replace('meeting="tomorrow 2pm"', 'meeting="Wednesday"'), "add a time"),
    (
        "ben.okafor",
        CONVENE.replace('identified="today 9am"', 'identified="tomorrow 9am"'),
        "future",
    ),
    (
        "ben.okafor",
        CONVENE.replace("olivia.bennett", "olivia.benet"),
        "'olivia.benet' is not in the partner directory. Did you mean: olivia.bennett",
    ),
    ("ben.okafor", CONVENE.replace("tags=domestic_abuse", "tags=burglary"), "is not a harm tag"),
    (
        "ben.okafor",
        CONVENE.replace("C1:2020-05-14", "Jamie:2020-05-14"),
        "is not a child pseudonym",
    ),
    ("ben.okafor", CONVENE.replace("C1:2020-05-14", "C1:14/05/2020"), "Could not read the child"),
    ("ben.okafor", CONVENE.replace("C1:2020-05-14", "C1:2027-05-14"), "in the future"),
    ("ben.okafor", CONVENE.replace("C2:2023-02-09", "C1:2023-02-09"), "listed twice"),
    ("ben.okafor", CONVENE.replace("children=C1:2020-05-14,C2:2023-02-09", ""), "Add the children"),
    ("ben.okafor", CONVENE + " colour=blue", "Unknown option colour"),
    ("ben.okafor", CONVENE + " category=complex", "'category=' is given twice"),
    (
        "ben.okafor",
        CONVENE.replace("/strategy convene", "/strategy convne"),
        "'convne' is not a /strategy command",
    ),
    ("ben.okafor", CONVENE + ' late_reason="unclosed', "check the quotes"),
]


@pytest.mark.parametrize(("who", "text", "problem"), BAD_CONVENE)
def test_bad_convene_input_says_what_is_wrong_and_writes_nothing(
    bot: Bot, who: str, text: str, problem: str
) -> None:
    before = table_counts(bot)
    reply = say(bot, who, text)
    assert problem in reply.text
    assert "For example:" in reply.text or "e.g." in reply.text
    assert table_counts(bot) == before
    assert take_sent(bot) == []


def test_someone_outside_the_directory_cannot_act(bot: Bot) -> None:
    from bot.errors import InputError

    with pytest.raises(InputError, match="not in the partner directory"):
        bot.identify("slack", "U0NOTLISTED")
    assert bot.identify("slack", "U0NVBO10003").id == "ben.okafor"


def test_convene_takes_time_from_the_injected_clock(bot: Bot, clock: SimulatedClock) -> None:
    clock.set(datetime(2026, 12, 23, 10, 0, tzinfo=UTC))  # Wed before Christmas
    reply = say(bot, "ben.okafor", CONVENE.replace('identified="today 9am" ', ""))
    # Christmas Day and the substitute for Boxing Day (Mon 28th) are skipped.
    assert "Wed 30 Dec 2026, 23:59 GMT" in reply.text
