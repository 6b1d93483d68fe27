"""The invitation page over HTTP: the chat invitation's details, Accept, Decline, Delegate."""

from __future__ import annotations

import re

from bot.storage.link_models import LinkToken
from tests.helpers import audit_events, invitation_statuses, say, take_sent, to
from tests.web_page.conftest import Answer, csrf_for, csrf_of


def _last(answer: Answer, event: str) -> tuple[str, dict[str, object]]:
    """The actor and details of the last audit event called `event`."""
    actor, _, details = [e for e in audit_events(answer.bot) if e[1] == event][-1]
    return actor, details


def _forms(html: str) -> list[str]:
    return re.findall(r'name="intent" value="([a-z-]+)"', html)


def test_the_page_shows_what_the_chat_invitation_shows(answer: Answer) -> None:
    html = answer.http.get(answer.link("olivia.bennett")).text
    for fact in (
        "Strategy discussion for case NV-40213",
        "known to the family: Health visitor",
        "standard (domestic abuse)",
        "C1 (age 6), C2 (age 3)",
        "Tue 24 Nov 2026, 14:00 GMT",
        "Thu 26 Nov 2026, 23:59 GMT",
        "Asha Patel",
        "Megan Price (Northvale Police)",
        "Before and during the discussion (health)",
        "child protection medical",  # the health checklist
    ):
        assert fact in html, fact
    assert _forms(html) == ["accept", "decline", "delegate"]
    assert "Priya Sharma (Health visitor)" in html  # a colleague in the same agency
    assert "Megan Price (" not in html.split("Delegate to a colleague")[1]  # not police


def test_accept(answer: Answer) -> None:
    link = answer.link("olivia.bennett")
    response = answer.post(link, intent="accept")
    assert (response.status_code, response.headers["location"]) == (303, "?done=accept")
    assert invitation_statuses(answer.bot)["olivia.bennett"] == "accepted"
    assert _last(answer, "accepted") == ("olivia.bennett", {"via": "web"})
    sent = take_sent(answer.bot)
    assert to(sent, "asha.patel")  # the chair's quorum view, as after a chat answer
    page = answer.http.get(link + "?done=accept").text
    assert "Thank you: your answer is saved" in page
    assert "You accepted" in page
    assert _forms(page) == []
    with answer.bot.core.sessions() as session:
        assert session.query(LinkToken).one().last_used_at == answer.bot.core.clock.now()


def test_decline_with_a_reason(answer: Answer) -> None:
    link = answer.link("megan.price")
    response = answer.post(link, intent="decline", reason="In court all day; DC Walsh can attend")
    assert response.status_code == 303
    assert invitation_statuses(answer.bot)["megan.price"] == "declined"
    assert _last(answer, "declined") == (
        "megan.price",
        {"reason": "In court all day; DC Walsh can attend", "via": "web"},
    )
    chair = [o.message.text for o in to(take_sent(answer.bot), "asha.patel")]
    assert any("In court all day" in text for text in chair)
    page = answer.http.get(link).text
    assert "You declined: “In court all day; DC Walsh can attend”" in page
    assert _forms(page) == ["accept", "delegate"]  # as in chat: they may change their mind


def test_decline_without_a_reason_shows_the_error_on_the_field(answer: Answer) -> None:
    link = answer.link("megan.price")
    before = audit_events(answer.bot)
    response = answer.post(link, intent="decline", reason="   ")
    assert response.status_code == 400
    html = response.text
    assert "<title>Error: " in html
    assert '<a href="#decline-reason">Enter why you cannot attend.' in html
    assert re.search(
        r'<textarea[^>]*id="decline-reason"[^>]*aria-describedby="decline-reason-hint '
        r'decline-reason-error"[^>]*aria-invalid="true"',
        html,
    )
    assert 'id="decline-reason-error"' in html
    assert audit_events(answer.bot) == before


def test_the_cores_own_refusal_is_shown_on_the_field(answer: Answer) -> None:
    """A reason too short for the core: its message, as in chat, on the reason field,
    with what was typed kept."""
    response = answer.post(answer.link("megan.price"), intent="decline", reason="no")
    assert response.status_code == 400
    assert '<a href="#decline-reason">Say why you cannot attend' in response.text
    assert ">no</textarea>" in response.text
    assert invitation_statuses(answer.bot)["megan.price"] == "invited"


def test_the_chair_has_accepted_by_convening_and_has_nothing_to_answer(answer: Answer) -> None:
    link = answer.link("asha.patel")
    page = answer.http.get(link).text
    assert "You accepted" in page
    assert _forms(page) == []
    stale = {"csrf": csrf_for(link), "intent": "decline", "reason": "away all week"}
    response = answer.http.post(link, data=stale)
    assert response.status_code == 409
    assert invitation_statuses(answer.bot)["asha.patel"] == "accepted"


def test_delegate_to_a_colleague(answer: Answer) -> None:
    link = answer.link("olivia.bennett")
    response = answer.post(link, intent="delegate", to="priya.sharma")
    assert response.status_code == 303
    statuses = invitation_statuses(answer.bot)
    assert (statuses["olivia.bennett"], statuses["priya.sharma"]) == ("delegated", "invited")
    assert _last(answer, "delegated") == (
        "olivia.bennett",
        {"to": "priya.sharma", "chair": False, "via": "web"},
    )
    assert to(take_sent(answer.bot), "priya.sharma")  # Priya's own invitation
    page = answer.http.get(link).text
    assert "You delegated this discussion to Priya Sharma" in page
    assert _forms(page) == []
    again = answer.post(link, intent="accept")  # a stale tab: no longer possible
    assert again.status_code == 409
    assert "That answer cannot be given any more" in again.text
    assert invitation_statuses(answer.bot)["olivia.bennett"] == "delegated"


def test_delegate_needs_a_colleague_from_the_list(answer: Answer) -> None:
    link = answer.link("olivia.bennett")
    for chosen, error in (("", "Choose colleague."), ("megan.price", "from the list")):
        response = answer.post(link, intent="delegate", to=chosen)
        assert response.status_code == 400
        assert error in response.text
        assert 'href="#delegate-to"' in response.text
    assert invitation_statuses(answer.bot)["olivia.bennett"] == "invited"


def test_an_unknown_intent_is_not_possible(answer: Answer) -> None:
    response = answer.post(answer.link("olivia.bennett"), intent="close")
    assert response.status_code == 409
    assert invitation_statuses(answer.bot)["olivia.bennett"] == "invited"


def test_what_people_type_is_escaped(answer: Answer) -> None:
    link = answer.link("megan.price")
    hostile = '<script>alert("x")</script> & "quotes"'
    assert answer.post(link, intent="decline", reason=hostile).status_code == 303
    page = answer.http.get(link).text
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;" in page


def test_a_cancellation_revokes_the_invitation_links(answer: Answer) -> None:
    """The cancellation revokes the links (tests/web_page/test_item_safety.py has the
    audit): the old link gets the refusal any dead link gets, and acts on nothing."""
    link = answer.link("olivia.bennett")
    say(answer.bot, "asha.patel", '/strategy cancel NV-40213 reason="the concern was resolved"')
    unknown = answer.http.get(f"{answer.server.url}/answer/{'A' * 43}")
    page = answer.http.get(link)
    assert (page.status_code, page.text) == (404, unknown.text)
    assert answer.post(link, intent="accept").status_code == 404
    assert invitation_statuses(answer.bot)["olivia.bennett"] == "invited"


def test_a_shared_mailbox_says_who_is_answering(answer: Answer) -> None:
    answer.shared.add("olivia.bennett")
    link = answer.link("olivia.bennett")
    page = answer.http.get(link).text
    assert "Who is answering?" in page
    assert _forms(page) == ["identify"]  # the answers come after
    missing = answer.post(link, intent="identify", answerer_name="Sam Green")
    assert missing.status_code == 400
    assert '<a href="#identify-answerer_role">Enter your role.' in missing.text
    named = answer.post(
        link, intent="identify", answerer_name="Sam Green", answerer_role="Duty health visitor"
    )
    assert named.status_code == 200
    assert "Answering for this mailbox: <strong>Sam Green</strong>" in named.text
    assert _forms(named.text) == ["accept", "decline", "delegate"]
    assert named.text.count('name="answerer_name" value="Sam Green"') == 3
    assert invitation_statuses(answer.bot)["olivia.bennett"] == "invited"  # nothing yet
    # Without the answerer's details, an answer is not taken.
    assert answer.post(link, intent="accept").status_code == 400
    accepted = answer.post(
        link, intent="accept", answerer_name="Sam Green", answerer_role="Duty health visitor"
    )
    assert accepted.status_code == 303
    done = answer.http.get(link + "?done=accept").text
    assert "Thank you" in done and "Who is answering?" not in done  # nothing left to answer
    answered_by = {"name": "Sam Green", "role": "Duty health visitor"}
    assert _last(answer, "accepted") == (
        "olivia.bennett",
        {"via": "web", "answered_by": answered_by},
    )
    assert csrf_of(named.text) == csrf_for(link)
