"""The action, chair, poll and record pages over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.app import Bot
from bot.links.tokens import issue_poll_link, issue_record_link, record_readers
from bot.record.circulation import recipients
from bot.record.content import RecordContent
from bot.storage import models
from bot.storage.db import transaction
from bot.storage.find_time_models import TimeSearch
from bot.storage.link_models import LinkToken
from bot.storage.record_models import DeliveryScope, RecordVersion
from tests.helpers import audit_events, say, take_sent
from tests.web_page.conftest import Answer, answering
from tests.web_page.items import (
    FIND,
    action_link,
    add_action,
    finalise_record,
    poll_link,
    record_link,
)


def clock_now(bot: Bot) -> datetime:
    return bot.core.clock.now()


def _url(answer: Answer, token: str) -> str:
    return f"{answer.server.url}/answer/{token}"


def _forms(html: str) -> list[str]:
    return re.findall(r'name="intent" value="([a-z-]+)"', html)


def _last(answer: Answer, event: str) -> tuple[str, dict[str, object]]:
    actor, _, details = [e for e in audit_events(answer.bot) if e[1] == event][-1]
    return actor, details


def _action(answer: Answer) -> models.Action:
    with answer.bot.core.sessions() as session:
        action = session.scalars(select(models.Action)).one()
        session.expunge(action)
        return action


def test_the_action_page_shows_the_action_and_its_history(answer: Answer) -> None:
    add_action(answer.bot)
    html = answer.http.get(_url(answer, action_link(answer.bot, "olivia.bennett"))).text
    for fact in (
        "Action NV-40213/A1",
        "Share the health visitor&#39;s notes with police",
        "Olivia Bennett",
        "Fri 27 Nov 2026, 23:59 GMT",
        "agreed by Asha Patel",
    ):
        assert fact in html, fact
    assert _forms(html) == ["close", "more-time", "snooze"]
    assert "<title>Action NV-40213/A1 \N{EN DASH} strategy-bot</title>" in html


def test_close_with_an_outcome_through_the_intent(answer: Answer) -> None:
    add_action(answer.bot)
    link = _url(answer, action_link(answer.bot, "olivia.bennett"))
    response = answer.post(link, intent="close", outcome="Notes shared with DC Price on Tuesday")
    assert response.status_code == 200
    assert 'Action <span class="reference">NV-40213/A1</span> is closed' in response.text
    assert _action(answer).status == "closed"
    assert _last(answer, "action_closed") == (
        "olivia.bennett",
        {"action": "A1", "outcome": "Notes shared with DC Price on Tuesday", "via": "web"},
    )
    assert any(o.to == "asha.patel" for o in take_sent(answer.bot))  # the chair is told
    # The link has nothing left to do: it now gets the refusal, like any dead link.
    assert answer.http.get(link).status_code == 404


def test_close_without_an_outcome_says_what_chat_says_on_the_field(answer: Answer) -> None:
    add_action(answer.bot)
    link = _url(answer, action_link(answer.bot, "olivia.bennett"))
    before = audit_events(answer.bot)
    response = answer.post(link, intent="close", outcome=" ")
    assert response.status_code == 400
    assert 'href="#close-outcome">Give the outcome when you close an action.</a>' in response.text
    assert 'id="close-outcome" name="outcome" rows="4" aria-describedby' in response.text
    short = answer.post(link, intent="close", outcome="ok")
    assert short.status_code == 400 and "#close-outcome" in short.text
    assert audit_events(answer.bot) == before
    assert _action(answer).status == "open"


def test_more_time_goes_to_the_chair_and_a_bad_date_is_explained(answer: Answer) -> None:
    add_action(answer.bot)
    link = _url(answer, action_link(answer.bot, "olivia.bennett"))
    early = answer.post(link, intent="more-time", due="2026-11-25", reason="GP records awaited")
    assert early.status_code == 400
    assert 'href="#more-time-due">The new due date must be after the current one' in early.text
    none = answer.post(link, intent="more-time", due="2026-12-04", reason="")
    assert 'href="#more-time-reason">Say why more time is needed' in none.text
    response = answer.post(link, intent="more-time", due="2026-12-04", reason="GP records awaited")
    assert (response.status_code, response.headers["location"]) == (303, "?done=more-time")
    assert _last(answer, "more_time_requested")[1]["via"] == "web"
    page = answer.http.get(link + "?done=more-time").text
    assert "You asked for more time" in page and "Fri 4 Dec 2026" in page
    assert "more time asked for, until Fri 4 Dec 2026, 23:59 GMT: “GP records awaited”" in page


def test_snooze_keeps_the_chat_rules(answer: Answer) -> None:
    add_action(answer.bot)
    link = _url(answer, action_link(answer.bot, "olivia.bennett"))
    night = answer.post(link, intent="snooze", until="tomorrow 11pm")
    assert night.status_code == 400 and "#snooze-until" in night.text
    response = answer.post(link, intent="snooze")
    assert response.status_code == 303
    actor, details = _last(answer, "snoozed")
    assert (actor, details["via"]) == ("olivia.bennett", "web")
    assert "reminders snoozed until" in answer.http.get(link).text


def test_the_chair_approves_and_refuses_more_time(answer: Answer) -> None:
    add_action(answer.bot)
    chair = _url(answer, action_link(answer.bot, "asha.patel", chair=True))
    assert _forms(answer.http.get(chair).text) == []  # nothing asked yet
    say(answer.bot, "olivia.bennett", '/strategy more-time NV-40213/A1 due=4/12 reason="GP late"')
    html = answer.http.get(chair).text
    assert "Olivia Bennett asks for more time: until Fri 4 Dec 2026, 23:59 GMT" in html
    assert "GP late" in html and "Fri 27 Nov 2026, 23:59 GMT" in html
    assert _forms(html) == ["approve", "refuse"]
    no_reason = answer.post(chair, intent="refuse", reason="")
    assert no_reason.status_code == 400 and 'href="#refuse-reason"' in no_reason.text
    assert answer.post(chair, intent="approve").status_code == 303
    assert _action(answer).due_at.day == 4
    assert _last(answer, "more_time_approved")[1]["via"] == "web"
    say(answer.bot, "olivia.bennett", '/strategy more-time NV-40213/A1 due=11/12 reason="Still"')
    response = answer.post(chair, intent="refuse", reason="Needed before the conference")
    assert response.status_code == 303
    assert _last(answer, "more_time_refused")[1]["reason"] == "Needed before the conference"


@pytest.fixture
def polling(bot: Bot) -> Iterator[Answer]:
    """The pages while a time is being found for NV-40213 (Megan and Olivia are polled)."""
    say(bot, "ben.okafor", FIND)
    take_sent(bot)
    with answering(bot) as served:
        yield served


def test_the_poll_page_lists_the_slots_and_takes_an_answer(polling: Answer) -> None:
    answer = polling
    link = _url(answer, poll_link(answer.bot, "megan.price"))
    html = answer.http.get(link).text
    assert re.search(r"(Monday|Tuesday|Wednesday|Thursday|Friday) \d+ November, \d\d:\d\d to", html)
    assert 'type="checkbox" id="available-slots-1" name="slots" value="1"' in html
    empty = answer.post(link, intent="available")
    assert empty.status_code == 400 and 'href="#available-slots"' in empty.text
    assert answer.post(link, intent="available", slots="1").status_code == 303
    assert _last(answer, "poll_answered") == (
        "megan.price",
        {"slots": [1], "suggested": None, "via": "web"},
    )
    again = answer.http.get(link).text
    assert 'value="1" checked' in again and "You said you can make" in again
    bad = answer.post(link, intent="available", slots="none", when="whenever")
    assert bad.status_code == 400 and 'href="#available-slots"' in bad.text
    response = answer.post(link, intent="available", slots="none", when="friday 9am")
    assert response.status_code == 303
    assert _last(answer, "poll_answered")[1]["slots"] == []
    assert "You said none of these times work, and suggested Friday" in answer.http.get(link).text


def test_the_record_page_shows_the_record_and_its_pdf(answer: Answer) -> None:
    finalise_record(answer.bot)
    link = _url(answer, record_link(answer.bot, "megan.price"))
    response = answer.http.get(link)
    html = response.text
    assert response.status_code == 200
    title = "Record of the strategy discussion for case NV-40213 \N{EN DASH} strategy-bot"
    assert f"<title>{title}</title>" in html
    assert "&lt;b&gt;and&lt;/b&gt;" in html and "<b>and</b>" not in html  # escaped
    assert "<form" not in html
    pdf = answer.http.get(link + "/record.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert 'filename="NV-40213-strategy-record-v1.pdf"' in pdf.headers["content-disposition"]


def test_a_shared_mailbox_says_who_answers_before_acting(answer: Answer) -> None:
    """The sample's maternity safeguarding inbox is marked `shared_mailbox: true`."""
    inbox = answer.bot.core.directory.contact("maternity.safeguarding")
    assert inbox is not None and inbox.shared_mailbox
    add_action(answer.bot, owner="maternity.safeguarding")
    link = _url(answer, action_link(answer.bot, "maternity.safeguarding"))
    html = answer.http.get(link).text
    assert "Who is answering?" in html and _forms(html) == ["identify"]
    blind = answer.post(link, intent="snooze")
    assert blind.status_code == 400 and "Enter your name." in blind.text
    who = {"answerer_name": "Sam Green", "answerer_role": "Duty nurse"}
    shown = answer.post(link, intent="identify", **who)
    assert "Answering for this mailbox: <strong>Sam Green</strong>" in shown.text
    assert _forms(shown.text) == ["close", "more-time", "snooze"]
    assert answer.post(link, intent="snooze", **who).status_code == 303
    assert _last(answer, "snoozed")[1]["answered_by"] == {"name": "Sam Green", "role": "Duty nurse"}


def test_links_are_only_issued_to_the_people_an_item_is_for(answer: Answer) -> None:

    finalise_record(answer.bot)
    with transaction(answer.bot.core.sessions) as session:
        version = session.scalars(select(RecordVersion)).one()
        snapshot = RecordContent.load(version.content).snapshot
        assert snapshot is not None
        full = {r.contact for r in recipients(snapshot) if r.scope is DeliveryScope.FULL}
        assert record_readers(version) == full  # the same people as the circulation
        priya = session.scalars(
            select(models.Contact).where(models.Contact.key == "priya.sharma")
        ).one()
        with pytest.raises(ValueError, match="circulated to"):
            issue_record_link(
                session,
                version,
                priya,
                now=answer.bot.core.clock.now(),
                calendar=answer.bot.core.calendar,
            )
    token = record_link(answer.bot, "olivia.bennett")
    with answer.bot.core.sessions() as session:
        row = session.scalars(select(LinkToken).where(LinkToken.item == "record")).one()
        local = answer.bot.core.calendar.local(row.expires_at)
        issued = answer.bot.core.calendar.local(row.created_at)
        assert ((local.date() - issued.date()).days, local.hour, local.minute) == (30, 23, 59)
    assert answer.http.get(_url(answer, token)).status_code == 200


def test_a_poll_link_is_only_for_an_invitee_of_an_open_poll(polling: Answer) -> None:

    bot = polling.bot
    with transaction(bot.core.sessions) as session:
        search = session.scalars(select(TimeSearch)).one()
        priya = session.scalars(
            select(models.Contact).where(models.Contact.key == "priya.sharma")
        ).one()
        with pytest.raises(ValueError, match="invitees"):
            issue_poll_link(
                session, search, priya, now=bot.core.clock.now(), calendar=bot.core.calendar
            )
    token = poll_link(bot, "megan.price")
    with bot.core.sessions() as session:
        row = session.scalars(select(LinkToken)).one()
        assert row.time_search is not None and row.expires_at == row.time_search.closes_at
    bot.core.clock.advance(row.expires_at - bot.core.clock.now())  # type: ignore[attr-defined]
    assert polling.http.get(_url(polling, token)).status_code == 404  # closed: dead
