"""Every kind of link against robots and abuse: scanners, dead links, CSRF, headers;
and the links that stop when their item changes (reschedule, cancel, reassignment,
a chosen time), each revocation in the audit trail."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from bot.app import Bot
from bot.storage import models
from bot.storage.db import transaction
from bot.storage.find_time_models import PollAnswer, TimeSearch
from bot.storage.link_models import LinkToken
from tests.helpers import audit_events, say, table_counts, take_sent
from tests.web_page.conftest import Answer, answering, assert_secure, invitation_link
from tests.web_page.items import (
    FIND,
    action_link,
    add_action,
    finalise_record,
    poll_link,
    record_link,
)

KINDS = ("invitation", "action", "chair", "poll", "record")


@pytest.fixture
def every_kind(convened: Bot) -> Iterator[tuple[Answer, dict[str, str]]]:
    """A link of every kind: Olivia's invitation to NV-40213, her action A1 and the
    chair's decision on it, the record of NV-40213 (held), and Megan's poll for NV-40214."""
    bot = convened
    add_action(bot)
    say(bot, "olivia.bennett", '/strategy more-time NV-40213/A1 due=4/12 reason="GP late"')
    invitation = invitation_link(bot, "olivia.bennett")
    finalise_record(bot)
    say(bot, "ben.okafor", FIND.replace("NV-40213", "NV-40214"))
    take_sent(bot)
    with answering(bot) as served:
        base = f"{served.server.url}/answer/"
        yield (
            served,
            {
                "invitation": base + invitation,
                "action": base + action_link(bot, "olivia.bennett"),
                "chair": base + action_link(bot, "asha.patel", chair=True),
                "poll": base + poll_link(bot, "megan.price"),
                "record": base + record_link(bot, "megan.price"),
            },
        )


def _state(answer: Answer) -> object:
    with answer.bot.core.sessions() as session:
        used = [row.last_used_at for row in session.scalars(select(LinkToken))]
        polls = len(session.scalars(select(PollAnswer)).all())
    return table_counts(answer.bot), audit_events(answer.bot), used, polls


def test_a_scanner_opening_every_kind_of_link_changes_nothing(
    every_kind: tuple[Answer, dict[str, str]],
) -> None:
    answer, links = every_kind
    before = _state(answer)
    with httpx.Client(follow_redirects=True, timeout=30) as scanner:
        for kind, link in links.items():
            assert scanner.get(link).status_code == 200, kind
            for url in (link, link + "?done=close", link + "/record.pdf", link + "?intent=close"):
                assert scanner.get(url).status_code in (200, 404), url
                assert scanner.head(url).status_code in (200, 404), url
            assert "<script" not in scanner.get(link).text.lower()
    assert _state(answer) == before


def test_every_kind_of_dead_link_gets_the_same_refusal(
    every_kind: tuple[Answer, dict[str, str]],
) -> None:
    answer, links = every_kind
    unknown = answer.http.get(f"{answer.server.url}/answer/{'A' * 43}")
    refusal = (unknown.status_code, unknown.text)
    assert refusal[0] == 404
    for link in links.values():
        tampered = link[:-2] + ("AA" if link[-2:] != "AA" else "BB")
        assert (answer.http.get(tampered).status_code, answer.http.get(tampered).text) == refusal
    rows = _rows(answer)
    for change in ("expired", "revoked", "cross-contact"):
        with transaction(answer.bot.core.sessions) as session:
            other = session.scalars(
                select(models.Contact).where(models.Contact.key == "priya.sharma")
            ).one()
            for row in session.scalars(select(LinkToken)):
                if change == "expired":
                    row.expires_at = answer.bot.core.clock.now() - timedelta(seconds=1)
                elif change == "revoked":
                    row.revoked_at, row.expires_at = answer.bot.core.clock.now(), rows[row.id]
                else:
                    row.revoked_at, row.contact_id = None, other.id
        for kind, link in links.items():
            response = answer.http.get(link)
            assert (response.status_code, response.text) == refusal, (change, kind)
            assert answer.http.get(link + "/record.pdf").text == refusal[1]
            posted = answer.http.post(link, data={"intent": "close"})
            assert (posted.status_code, posted.text) == refusal, (change, kind)


def _rows(answer: Answer) -> dict[int, object]:
    with answer.bot.core.sessions() as session:
        return {row.id: row.expires_at for row in session.scalars(select(LinkToken))}


def test_a_post_without_csrf_is_refused_and_every_page_is_secure(
    every_kind: tuple[Answer, dict[str, str]],
) -> None:
    answer, links = every_kind
    before = _state(answer)
    intents = {
        "invitation": "accept",
        "action": "snooze",
        "chair": "approve",
        "poll": "available",
        "record": "close",
    }
    for kind, link in links.items():
        page = answer.http.get(link)
        assert_secure(page)
        html = page.text
        assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=|javascript:", html, re.I)
        assert '<html lang="en-GB">' in html and 'name="viewport"' in html
        # Every control has a label (or, for a group of boxes, a legend).
        for control in re.findall(r'<(?:input|textarea|select)[^>]*\sid="([^"]+)"', html):
            assert f'for="{control}"' in html or f'<fieldset class="field" id="{control}"' in html
        no_csrf = answer.http.post(link, data={"intent": intents[kind], "slots": "1"})
        assert no_csrf.status_code == 403 and "nothing was changed" in no_csrf.text, kind
        assert_secure(no_csrf)
    pdf = answer.http.get(links["record"] + "/record.pdf")
    assert_secure(pdf)
    # A record link acts on nothing, even with its own CSRF token.
    for intent in ("close", "accept", "available", ""):
        acted = answer.post(links["record"], intent=intent, outcome="done and dusted")
        assert acted.status_code == 409, intent
    assert _state(answer) == before


def _events(bot: Bot, name: str) -> list[tuple[str, dict[str, object]]]:
    return [(actor, details) for actor, event, details in audit_events(bot) if event == name]


def test_a_reschedule_and_a_cancellation_revoke_the_invitation_links(answer: Answer) -> None:
    link = answer.link("olivia.bennett")
    assert answer.http.get(link).status_code == 200
    say(
        answer.bot,
        "ben.okafor",
        '/strategy reschedule NV-40213 meeting="wednesday 10am" reason="chair ill"',
    )
    refused = answer.http.get(link)
    assert refused.status_code == 404 and "This link does not work" in refused.text
    assert _events(answer.bot, "links_revoked") == [
        ("ben.okafor", {"reason": "rescheduled", "count": 1, "item": "invitation"})
    ]
    with answer.bot.core.sessions() as session:
        assert session.scalars(select(LinkToken.revoked_reason)).all() == ["rescheduled"]
    again = answer.link("megan.price")
    say(answer.bot, "ben.okafor", '/strategy cancel NV-40213 reason="no longer needed"')
    assert answer.http.get(again).status_code == 404
    assert _events(answer.bot, "links_revoked")[-1][1]["reason"] == "cancelled"


def test_a_reassignment_revokes_the_old_owners_action_links(answer: Answer) -> None:
    add_action(answer.bot)
    link = f"{answer.server.url}/answer/{action_link(answer.bot, 'olivia.bennett')}"
    chair = f"{answer.server.url}/answer/{action_link(answer.bot, 'asha.patel', chair=True)}"
    say(answer.bot, "asha.patel", "/strategy reassign NV-40213/A1 to=priya.sharma")
    assert answer.http.get(link).status_code == 404
    assert answer.http.get(chair).status_code == 200  # the chair's link is still the chair's
    assert _events(answer.bot, "links_revoked") == [
        (
            "asha.patel",
            {
                "reason": "reassigned",
                "count": 1,
                "item": "action",
                "action": "A1",
                "contact": "olivia.bennett",
            },
        )
    ]


def test_a_chosen_time_ends_the_poll_links(bot: Bot) -> None:
    say(bot, "ben.okafor", FIND)
    take_sent(bot)
    with answering(bot) as answer:
        link = f"{answer.server.url}/answer/{poll_link(bot, 'megan.price')}"
        assert answer.http.get(link).status_code == 200
        say(bot, "ben.okafor", "/strategy pick NV-40213 2")
        assert answer.http.get(link).status_code == 404
    revoked = _events(bot, "links_revoked")
    assert revoked == [("ben.okafor", {"reason": "time chosen", "count": 1, "item": "poll"})]
    with bot.core.sessions() as session:
        assert session.scalars(select(TimeSearch.status)).one() == "chosen"
