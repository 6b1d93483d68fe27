"""Responses, the live quorum, and the fallback that keeps health (and police) present."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import Bot
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


def test_accepting_updates_the_invitation_and_the_chairs_quorum_in_place(convened: Bot) -> None:
    reply = say(convened, "megan.price", "/strategy accept NV-40213")
    assert "you have accepted" in reply.text
    items = take_sent(convened)
    invitation = to(items, "megan.price")[0]
    assert invitation.thread is not None and invitation.thread.startswith("invitation:")
    assert "you accepted" in invitation.message.text
    assert invitation.message.buttons == ()
    quorum = to(items, "asha.patel")[-1]
    assert quorum.thread == "quorum:1"
    assert "- police: confirmed" in quorum.message.text
    assert "- health: not yet confirmed" in quorum.message.text
    assert invitation_statuses(convened)["megan.price"] == "accepted"
    assert audit_events(convened)[-1][:2] == ("megan.price", "accepted")


def test_quorum_met_is_announced_once(convened: Bot) -> None:
    say(convened, "megan.price", "/strategy accept NV-40213")
    say(convened, "olivia.bennett", "/strategy accept NV-40213")
    items = take_sent(convened)
    assert [o for o in to(items, "asha.patel") if "can go ahead" in o.message.text]
    say(convened, "bethany.cole", "/strategy accept NV-40213")
    assert not [o for o in take_sent(convened) if "can go ahead" in o.message.text]
    assert [e for _, e, _ in audit_events(convened)].count("quorum_met") == 1


def test_accepting_twice_changes_nothing(convened: Bot) -> None:
    say(convened, "megan.price", "/strategy accept NV-40213")
    before = table_counts(convened)
    reply = say(convened, "megan.price", "/strategy accept NV-40213")
    assert "already accepted" in reply.text
    assert table_counts(convened) == before


def test_when_the_last_health_invitee_declines_the_mash_nurse_is_invited(convened: Bot) -> None:
    say(convened, "olivia.bennett", '/strategy decline NV-40213 reason="on leave all week"')
    items = take_sent(convened)
    assert to(items, "zoe.fletcher"), "the MASH nurse gets an invitation"
    assert "You are invited" in to(items, "zoe.fletcher")[0].message.text
    chair = " ".join(o.message.text for o in to(items, "asha.patel"))
    assert 'Olivia Bennett (Northvale Health Partnership) declined: "on leave all week"' in chair
    assert "Zoe Fletcher (MASH nurse) has been invited" in chair
    assert invitation_statuses(convened)["zoe.fletcher"] == "invited"
    fallback = [d for a, e, d in audit_events(convened) if e == "fallback_invited"]
    assert fallback == [
        {"agency": "health", "contact": "zoe.fletcher", "trigger": fallback[0]["trigger"]}
    ]
    assert "declined" in fallback[0]["trigger"]


def test_no_fallback_while_another_health_invitee_may_still_come(bot: Bot) -> None:
    say(bot, "ben.okafor", CONVENE.replace("tags=domestic_abuse", "tags=injury"))
    say(bot, "olivia.bennett", '/strategy decline NV-40213 reason="on leave all week"')
    assert "zoe.fletcher" not in invitation_statuses(bot)  # the paediatrician is still invited


def test_at_the_cutoff_the_mash_nurse_is_invited_if_health_has_not_confirmed(
    convened: Bot, clock: SimulatedClock
) -> None:
    clock.advance(timedelta(minutes=59))
    convened.run_due_work()
    assert "zoe.fletcher" not in invitation_statuses(convened)
    clock.advance(timedelta(minutes=1))
    convened.run_due_work()
    assert invitation_statuses(convened)["zoe.fletcher"] == "invited"
    chair = " ".join(o.message.text for o in to(take_sent(convened), "asha.patel"))
    assert "not confirmed by the cutoff" in chair
    # The police fallback fired at the same cutoff: police had not confirmed either.
    assert invitation_statuses(convened)["nathan.osei"] == "invited"


def test_no_fallback_when_health_confirmed_in_time(convened: Bot, clock: SimulatedClock) -> None:
    say(convened, "olivia.bennett", "/strategy accept NV-40213")
    say(convened, "megan.price", "/strategy accept NV-40213")
    clock.advance(timedelta(hours=2))
    convened.run_due_work()
    statuses = invitation_statuses(convened)
    assert "zoe.fletcher" not in statuses and "nathan.osei" not in statuses


def test_when_every_mash_nurse_has_declined_the_chair_is_told(convened: Bot) -> None:
    say(convened, "olivia.bennett", '/strategy decline NV-40213 reason="on leave all week"')
    say(convened, "zoe.fletcher", '/strategy decline NV-40213 reason="covering a hospital case"')
    assert invitation_statuses(convened)["amir.hassan"] == "invited"  # the second MASH nurse
    take_sent(convened)
    say(convened, "amir.hassan", '/strategy decline NV-40213 reason="off sick today"')
    chair = " ".join(o.message.text for o in to(take_sent(convened), "asha.patel"))
    assert "every MASH nurse in the directory has already been asked" in chair


def test_decline_needs_a_reason_and_writes_nothing_without_one(convened: Bot) -> None:
    before = table_counts(convened)
    reply = say(convened, "olivia.bennett", "/strategy decline NV-40213")
    assert "Say why you cannot attend" in reply.text and "For example:" in reply.text
    assert table_counts(convened) == before


def test_the_chair_cannot_decline(convened: Bot) -> None:
    reply = say(convened, "asha.patel", '/strategy decline NV-40213 reason="too busy today"')
    assert "The chair cannot decline" in reply.text


def test_delegating_invites_a_colleague_from_the_same_agency(convened: Bot) -> None:
    reply = say(convened, "olivia.bennett", "/strategy delegate NV-40213 to=priya.sharma")
    assert "delegated" in reply.text
    statuses = invitation_statuses(convened)
    assert statuses["olivia.bennett"] == "delegated"
    assert statuses["priya.sharma"] == "invited"
    assert "You are invited" in to(take_sent(convened), "priya.sharma")[0].message.text
    reply = say(convened, "olivia.bennett", "/strategy accept NV-40213")
    assert "You delegated this discussion to Priya Sharma" in reply.text


def test_a_delegate_from_another_agency_is_refused(convened: Bot) -> None:
    before = table_counts(convened)
    reply = say(convened, "olivia.bennett", "/strategy delegate NV-40213 to=megan.price")
    assert "is not a colleague in your agency" in reply.text
    assert "For example: /strategy delegate NV-40213 to=" in reply.text
    assert table_counts(convened) == before


def test_the_chair_hands_over_only_to_another_team_manager(convened: Bot) -> None:
    reply = say(convened, "asha.patel", "/strategy delegate NV-40213 to=chloe.dawson")
    assert "cannot take the chair" in reply.text
    say(convened, "asha.patel", "/strategy delegate NV-40213 to=marcus.reid")
    with convened.core.sessions() as session:
        discussion = session.get_one(models.Discussion, 1)
        assert discussion.chair.key == "marcus.reid"
    assert invitation_statuses(convened)["marcus.reid"] == "accepted"


@pytest.mark.parametrize(
    "text",
    [
        "/strategy accept NV-40213",
        '/strategy decline NV-40213 reason="not my case"',
        "/strategy delegate NV-40213 to=jade.thompson",
        "/strategy status NV-40213",
    ],
)
def test_someone_not_invited_cannot_see_or_act(convened: Bot, text: str) -> None:
    before = table_counts(convened)
    reply = say(convened, "ian.campbell", text)
    assert "You have no" in reply.text and "strategy discussion for case NV-40213" in reply.text
    assert table_counts(convened) == before
    # The same answer as for a case that does not exist: nothing leaks.
    other = say(convened, "ian.campbell", text.replace("NV-40213", "NV-99999"))
    assert other.text == reply.text.replace("NV-40213", "NV-99999")


def test_at_the_meeting_time_silence_is_recorded_as_no_response(
    convened: Bot, clock: SimulatedClock
) -> None:
    say(convened, "megan.price", "/strategy accept NV-40213")
    say(convened, "olivia.bennett", "/strategy accept NV-40213")
    clock.advance(timedelta(days=1, hours=5))  # Tue 14:30
    convened.run_due_work()
    assert invitation_statuses(convened)["bethany.cole"] == "no_response"
    chair = " ".join(o.message.text for o in to(take_sent(convened), "asha.patel"))
    assert "No reply from: Bethany Cole." in chair
    with convened.core.sessions() as session:
        assert session.get_one(models.Discussion, 1).status == "held"
    reply = say(convened, "bethany.cole", "/strategy accept NV-40213")
    assert "no upcoming strategy discussion" in reply.text


def test_status_lists_my_discussions(convened: Bot) -> None:
    reply = say(convened, "megan.price", "/strategy status")
    assert "NV-40213: Tue 24 Nov 2026, 14:00 GMT (waiting for partners)" in reply.text
    assert "no upcoming" in say(convened, "ian.campbell", "/strategy status").text


def test_after_declining_an_invitee_may_still_accept_or_delegate(convened: Bot) -> None:
    say(convened, "bethany.cole", '/strategy decline NV-40213 reason="teaching all afternoon"')
    updated = to(take_sent(convened), "bethany.cole")[0].message
    assert [b.action for b in updated.buttons] == ["accept", "delegate"]
    say(convened, "bethany.cole", "/strategy accept NV-40213")
    assert invitation_statuses(convened)["bethany.cole"] == "accepted"
