"""A case's series of discussions: reviews, CASE#N, action numbers across the case, and
nothing done in a later discussion changing an earlier one.

The first five tests are the five faults the issue found, as a new user met them.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.app import Bot
from bot.messages import Message, Outgoing
from bot.storage import models
from scheduling.clock import SimulatedClock
from tests.helpers import CONVENE, audit_events, say, table_counts, take_sent, to

REVIEW = (
    "/strategy convene NV-40213 children=C1:2020-05-14,C2:2023-02-09 category=standard "
    'meeting="tomorrow 2pm" tags=domestic_abuse known=olivia.bennett,bethany.cole'
)
ACTION = '/strategy action NV-40213 owner=megan.price due="in 5 working days" text="{}"'


def hold(bot: Bot, clock: SimulatedClock) -> None:
    """Everyone accepts, and the meeting (tomorrow 2pm) takes place."""
    for who in ("megan.price", "olivia.bennett", "bethany.cole"):
        say(bot, who, "/strategy accept NV-40213")
    clock.advance(timedelta(days=1, hours=4, minutes=30))
    bot.run_due_work()
    take_sent(bot)


def numbers(bot: Bot) -> list[tuple[int, str, str]]:
    with bot.core.sessions() as session:
        return [
            (a.discussion.number, a.label, a.description)
            for a in session.scalars(select(models.Action).order_by(models.Action.id))
        ]


def test_actions_of_a_review_continue_the_numbering_and_each_command_finds_one(
    convened: Bot, clock: SimulatedClock
) -> None:
    say(convened, "asha.patel", ACTION.format("Complete a DASH risk assessment"))
    hold(convened, clock)
    reply = say(convened, "ben.okafor", REVIEW)
    assert "Review strategy discussion 2 for case NV-40213#2" in reply.text
    assert "discussion 1 was held on Tue 24 Nov 2026, 14:00 GMT" in reply.text
    added = say(convened, "asha.patel", ACTION.format("Speak to the father's new partner"))
    assert "Action NV-40213/A2 recorded" in added.text
    assert numbers(convened) == [
        (1, "A1", "Complete a DASH risk assessment"),
        (2, "A2", "Speak to the father's new partner"),
    ]
    listed = say(convened, "megan.price", "/strategy actions").text
    assert listed.count("NV-40213/A1") == 1 and listed.count("NV-40213/A2") == 1

    # The owner asks for more time on A1 and the chair approves that very request.
    take_sent(convened)
    asked = say(
        convened,
        "megan.price",
        '/strategy more-time NV-40213/A1 due="in 10 working days" reason="waiting for the GP"',
    )
    assert "NV-40213/A1" in asked.text
    approved = say(convened, "asha.patel", "/strategy approve NV-40213/A1")
    assert "has no request" not in approved.text
    with convened.core.sessions() as session:
        first = session.scalars(select(models.Action).where(models.Action.number == 1)).one()
        assert first.discussion.number == 1 and first.requested_due_at is None
        assert first.due_at.date() > date(2026, 12, 1)


def test_after_cancel_and_reconvene_close_closes_the_action_named(
    convened: Bot, clock: SimulatedClock
) -> None:
    say(convened, "asha.patel", ACTION.format("Complete a DASH risk assessment"))
    say(convened, "ben.okafor", '/strategy cancel NV-40213 reason="family moved away"')
    say(convened, "ben.okafor", REVIEW)
    say(convened, "asha.patel", ACTION.format("Check the new address with housing"))
    closed = say(
        convened, "megan.price", '/strategy close NV-40213/A1 outcome="DASH completed: high risk"'
    )
    assert "NV-40213/A1" in closed.text
    with convened.core.sessions() as session:
        rows = {
            a.number: (a.discussion.number, a.status)
            for a in session.scalars(select(models.Action))
        }
    assert rows == {1: (1, "closed"), 2: (2, "open")}


def test_the_held_discussions_record_is_still_written_as_case_hash_one(
    convened: Bot, clock: SimulatedClock
) -> None:
    hold(convened, clock)
    say(convened, "ben.okafor", REVIEW)
    # The bare case is the latest discussion, not held yet: the refusal names #1.
    refused = say(convened, "asha.patel", '/strategy record NV-40213 s47="joint"')
    assert "NV-40213#1" in refused.text
    saved = say(
        convened,
        "asha.patel",
        "/strategy record NV-40213#1 attended=asha.patel,ben.okafor,megan.price,olivia.bennett "
        's47="joint: C1 has bruising" children=C1,C2 family="partial: mother told"',
    )
    assert "Saved" in saved.text or "saved" in saved.text
    finalised = say(convened, "asha.patel", "/strategy record NV-40213#1 finalise")
    assert "finalised" in finalised.text.lower()
    with convened.core.sessions() as session:
        from bot.storage.record_models import RecordVersion

        version = session.scalars(select(RecordVersion)).one()
        assert version.discussion.number == 1 and version.is_final
    status = say(convened, "asha.patel", "/strategy status NV-40213#1").text
    assert "Case NV-40213: strategy discussion (held)" in status
    assert (
        "review strategy discussion 2"
        in say(convened, "asha.patel", "/strategy status NV-40213").text
    )


def test_a_review_by_someone_else_with_other_children_leaves_the_first_untouched(
    convened: Bot, clock: SimulatedClock
) -> None:
    hold(convened, clock)
    draft = (
        "/strategy record NV-40213 attended=asha.patel,ben.okafor,megan.price,olivia.bennett "
        's47="joint: C1 has bruising" children=C1,C2 family="partial: mother told"'
    )
    say(convened, "asha.patel", draft)
    before = say(convened, "asha.patel", "/strategy record NV-40213").text
    assert "C1 (age 6)" in say(convened, "asha.patel", "/strategy status NV-40213").text
    # Chloe was not invited to the first; her review has C1 with another birth date, C3 new,
    # and leaves C2 out with a reason.
    reply = say(
        convened,
        "chloe.dawson",
        "/strategy convene NV-40213 children=C1:2010-05-14,C3 category=standard "
        'meeting="tomorrow 2pm" dropped="C2: moved to live with her grandmother"',
    )
    assert "Review strategy discussion 2" in reply.text
    assert "C2 is not part of this review: moved to live with her grandmother" in reply.text
    status = say(convened, "asha.patel", "/strategy status NV-40213#1").text
    assert "C1 (age 6)" in status and "C2" in status and "C3" not in status
    assert say(convened, "asha.patel", "/strategy record NV-40213#1").text == before
    finalised = say(convened, "asha.patel", "/strategy record NV-40213#1 finalise")
    assert "Missing" not in finalised.text


def test_a_review_must_say_why_a_child_is_left_out(convened: Bot, clock: SimulatedClock) -> None:
    hold(convened, clock)
    before = table_counts(convened)
    reply = say(
        convened,
        "ben.okafor",
        '/strategy convene NV-40213 children=C1 category=standard meeting="tomorrow 2pm"',
    )
    assert "C2 took part in NV-40213 but not in this review" in reply.text
    assert 'dropped="C2:' in reply.text
    assert table_counts(convened) == before


def test_no_action_on_a_cancelled_discussion(convened: Bot) -> None:
    say(convened, "ben.okafor", '/strategy cancel NV-40213 reason="family moved away"')
    take_sent(convened)
    before = table_counts(convened)
    reply = say(convened, "asha.patel", ACTION.format("Complete a DASH risk assessment"))
    assert "was cancelled: no action can be added" in reply.text
    assert table_counts(convened) == before
    assert to(take_sent(convened), "megan.price") == []


def test_no_action_once_the_record_is_final(convened: Bot, clock: SimulatedClock) -> None:
    hold(convened, clock)
    say(
        convened,
        "asha.patel",
        "/strategy record NV-40213 attended=asha.patel,ben.okafor,megan.price,olivia.bennett "
        's47="joint: C1 has bruising" children=C1,C2 family="partial: mother told"',
    )
    say(convened, "asha.patel", "/strategy record NV-40213 finalise")
    reply = say(convened, "asha.patel", ACTION.format("Complete a DASH risk assessment"))
    assert "was finalised on" in reply.text and "correction" in reply.text


def test_a_second_convene_while_one_is_upcoming_is_refused_with_a_review_hint(
    convened: Bot,
) -> None:
    reply = say(convened, "ben.okafor", CONVENE)
    assert "already has a strategy discussion scheduled" in reply.text
    assert "A review can be convened once it has been held or cancelled" in reply.text


def test_a_review_proposes_last_times_people_and_says_what_changed(
    convened: Bot, clock: SimulatedClock
) -> None:
    hold(convened, clock)
    # New information: the child went missing; the tags now call for the missing persons unit.
    reply = say(
        convened,
        "ben.okafor",
        "/strategy convene NV-40213 children=C1,C2 category=standard "
        'meeting="tomorrow 2pm" tags=missing',
    ).text
    assert "Megan Price (attended the last discussion: Domestic abuse" in reply
    assert "Olivia Bennett (attended the last discussion: Health visitor)" in reply
    assert "Kieran Walsh (police: Missing persons" in reply
    assert "Changed since last time: police: Domestic abuse" in reply
    assert "because the kinds of harm changed" in reply
    # The MASH nurse is not needed: last time's health visitor is invited again.
    assert "MASH nurse" not in reply


def test_open_actions_are_carried_forward_into_the_review(
    convened: Bot, clock: SimulatedClock
) -> None:
    say(convened, "asha.patel", ACTION.format("Complete a DASH risk assessment"))
    hold(convened, clock)
    reply = say(convened, "ben.okafor", REVIEW).text
    assert "Open actions carried forward: NV-40213/A1" in reply
    status = say(convened, "asha.patel", "/strategy status NV-40213").text
    assert "Carried forward from earlier discussions" in status
    assert "NV-40213/A1 from NV-40213#1 (Megan Price" in status
    with convened.core.sessions() as session:
        assert len(session.scalars(select(models.Action)).all()) == 1  # not copied


def test_someone_invited_to_the_review_only_does_not_see_the_first(
    convened: Bot, clock: SimulatedClock
) -> None:
    hold(convened, clock)
    say(
        convened,
        "ben.okafor",
        "/strategy convene NV-40213 children=C1,C2 category=standard "
        'meeting="tomorrow 2pm" tags=missing known=olivia.bennett',
    )
    assert "NV-40213#2" in say(convened, "kieran.walsh", "/strategy status NV-40213").text
    refused = say(convened, "kieran.walsh", "/strategy status NV-40213#1").text
    assert "no strategy discussion for case NV-40213#1" in refused


@pytest.mark.parametrize("typed", ["NV-40213#3", "NV-40213#0", "NV-40213#99999999"])
def test_a_discussion_number_that_does_not_exist_is_not_found(convened: Bot, typed: str) -> None:
    reply = say(convened, "asha.patel", f"/strategy status {typed}")
    assert "no strategy discussion for case" in reply.text


def test_the_audit_trail_numbers_the_review(convened: Bot, clock: SimulatedClock) -> None:
    hold(convened, clock)
    say(convened, "ben.okafor", REVIEW)
    convened_events = [d for _, event, d in audit_events(convened) if event == "convened"]
    assert [e["number"] for e in convened_events] == [1, 2]


def test_the_reviews_record_lists_the_carried_forward_actions_with_their_progress(
    convened: Bot, clock: SimulatedClock
) -> None:
    say(convened, "asha.patel", ACTION.format("Complete a DASH risk assessment"))
    hold(convened, clock)
    say(convened, "ben.okafor", REVIEW)
    clock.advance(timedelta(days=7))  # the review is held; A1 (due in 5 working days) is late
    convened.run_due_work()
    say(convened, "asha.patel", '/strategy record NV-40213 s47="joint: C1 was missing overnight"')
    document = say(convened, "asha.patel", "/strategy record NV-40213 show").text
    assert "## Open actions carried forward from earlier discussions" in document
    assert "| NV-40213/A1 | NV-40213#1 | Megan Price |" in document
    assert "open and overdue" in document


def test_the_report_counts_discussions_and_the_reviews_consistency(
    convened: Bot, clock: SimulatedClock
) -> None:
    from bot.record.report import Ratio, compliance_report
    from bot.unit import unit_of_work

    hold(convened, clock)
    say(convened, "ben.okafor", REVIEW)
    hold(convened, clock)  # the same police officer and health visitor accept and attend
    say(convened, "ben.okafor", REVIEW)
    say(convened, "megan.price", "/strategy accept NV-40213")
    say(convened, "bethany.cole", "/strategy accept NV-40213")
    say(convened, "olivia.bennett", '/strategy decline NV-40213 reason="on leave"')
    clock.advance(timedelta(days=1, hours=4, minutes=30))
    convened.run_due_work()
    with unit_of_work(convened.core) as unit:
        report = compliance_report(unit, date(2026, 11, 1), date(2026, 11, 30))
    assert report.overall.held == 3  # discussions, not cases
    assert report.overall.reviews == Ratio(2, 3)
    # #2 had Megan's unit and Olivia again; #3 had no health professional of the first.
    assert report.overall.reviews_same_people == Ratio(1, 2)


def test_the_chair_shares_the_first_record_with_a_review_invitee(
    convened: Bot, clock: SimulatedClock
) -> None:
    hold(convened, clock)
    say(
        convened,
        "asha.patel",
        "/strategy record NV-40213 attended=asha.patel,ben.okafor,megan.price,olivia.bennett "
        's47="joint: C1 has bruising" children=C1,C2 family="partial: mother told"',
    )
    say(convened, "asha.patel", "/strategy record NV-40213 finalise")
    say(
        convened,
        "ben.okafor",
        "/strategy convene NV-40213 children=C1,C2 category=standard "
        'meeting="tomorrow 2pm" tags=missing known=olivia.bennett',
    )
    hidden = say(convened, "kieran.walsh", "/strategy record NV-40213#1 show").text
    assert "no strategy discussion for case NV-40213#1" in hidden
    assert "can share" not in hidden
    refused = say(convened, "ben.okafor", "/strategy record NV-40213#1 share=kieran.walsh").text
    assert "Only the chair" in refused
    take_sent(convened)
    reply = say(convened, "asha.patel", "/strategy record NV-40213#1 share=kieran.walsh").text
    assert "Kieran Walsh can now read the final record of NV-40213" in reply
    told = to(take_sent(convened), "kieran.walsh")
    assert "/strategy record NV-40213#1 show" in told[0].message.text
    document = say(convened, "kieran.walsh", "/strategy record NV-40213#1 show").text
    assert "joint: C1 has bruising" in document or "C1 has bruising" in document
    assert ("asha.patel", "record_shared", {"contact": "kieran.walsh"}) in audit_events(convened)
    # Sharing reads the record only: Kieran still cannot see #1's status.
    assert (
        "no strategy discussion"
        in say(convened, "kieran.walsh", "/strategy status NV-40213#1").text
    )


def test_a_record_deciding_on_a_further_discussion_reminds_the_chair(
    convened: Bot, clock: SimulatedClock
) -> None:
    hold(convened, clock)  # Tue 24 Nov, 14:00
    say(
        convened,
        "asha.patel",
        "/strategy record NV-40213 attended=asha.patel,ben.okafor,megan.price,olivia.bennett "
        's47="joint: C1 has bruising" children=C1,C2 family="partial: mother told" '
        'further="yes: within 10 working days, once the medical is back"',
    )
    say(convened, "asha.patel", "/strategy record NV-40213 finalise")
    take_sent(convened)
    clock.advance(timedelta(days=12))  # Sun 6 Dec: nothing yet
    convened.run_due_work()
    assert not [o for o in take_sent(convened) if "further strategy discussion" in o.message.text]
    clock.advance(timedelta(days=1, hours=1))  # Mon 7 Dec, 15:00: the working day before
    convened.run_due_work()
    told = [o for o in to(take_sent(convened), "asha.patel") if "further" in o.message.text]
    assert "to be held by Tue 8 Dec 2026, 23:59 GMT" in told[0].message.text
    assert "/strategy convene NV-40213" in told[0].message.text


def test_no_further_reminder_once_the_review_is_convened(
    convened: Bot, clock: SimulatedClock
) -> None:
    hold(convened, clock)
    say(
        convened,
        "asha.patel",
        "/strategy record NV-40213 attended=asha.patel,ben.okafor,megan.price,olivia.bennett "
        's47="joint: C1 has bruising" children=C1,C2 family="partial: mother told" '
        'further="yes: within 10 working days"',
    )
    say(convened, "asha.patel", "/strategy record NV-40213 finalise")
    say(convened, "ben.okafor", REVIEW)
    take_sent(convened)
    clock.advance(timedelta(days=20))
    convened.run_due_work()
    assert not [o for o in take_sent(convened) if "further strategy discussion" in o.message.text]


def _card(items: list[Outgoing], who: str) -> Message:
    """The latest invitation card sent to someone."""
    invitations = [o for o in to(items, who) if o.message.template.endswith("invitation.txt.j2")]
    return invitations[-1].message


def test_an_old_cards_button_acts_on_its_own_discussion_never_on_the_review(
    bot: Bot, clock: SimulatedClock
) -> None:
    say(bot, "ben.okafor", CONVENE)
    first_card = _card(take_sent(bot), "bethany.cole")
    # People read NV-40213; the buttons name the discussion itself.
    assert "NV-40213" in first_card.text and "NV-40213#1" not in first_card.text
    assert {b.value for b in first_card.buttons} == {"NV-40213#1"}
    assert "/strategy accept NV-40213#1" in {b.command for b in first_card.buttons}
    for who in ("megan.price", "olivia.bennett"):  # Bethany never answers #1
        say(bot, who, "/strategy accept NV-40213")
    clock.advance(timedelta(days=1, hours=4, minutes=30))
    bot.run_due_work()
    say(bot, "ben.okafor", REVIEW)
    review_card = _card(take_sent(bot), "bethany.cole")
    assert {b.value for b in review_card.buttons} == {"NV-40213#2"}

    # Bethany presses Accept on the first discussion's old card.
    bethany = bot.core.directory.contact("bethany.cole")
    assert bethany is not None
    before = table_counts(bot)
    accept = next(b for b in first_card.buttons if b.action == "accept")
    outcome = bot.press(bethany, accept.action, accept.value)
    assert not outcome.ok
    assert "This was for strategy discussion NV-40213 (discussion 1 of the case)" in (
        outcome.reply.text
    )
    assert "has been held" in outcome.reply.text and "nothing was changed" in outcome.reply.text
    assert table_counts(bot) == before
    with bot.core.sessions() as session:
        statuses = {
            (i.discussion.number, i.status)
            for i in session.scalars(select(models.Invitation))
            if i.contact.key == "bethany.cole"
        }
    assert statuses == {(1, "no_response"), (2, "invited")}

    # The review's own card answers the review; typing the bare case still means the latest.
    assert bot.press(bethany, accept.action, "NV-40213#2").ok
    declined = say(bot, "bethany.cole", '/strategy decline NV-40213 reason="on leave"')
    assert "declined" in declined.text


def test_an_old_card_of_a_cancelled_discussion_is_refused(bot: Bot) -> None:
    say(bot, "ben.okafor", CONVENE)
    card = _card(take_sent(bot), "megan.price")
    say(bot, "ben.okafor", '/strategy cancel NV-40213 reason="family moved away"')
    megan = bot.core.directory.contact("megan.price")
    assert megan is not None
    outcome = bot.press(megan, "accept", card.buttons[0].value)
    assert not outcome.ok and "has been cancelled" in outcome.reply.text
