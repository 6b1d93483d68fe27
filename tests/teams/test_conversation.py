"""Talking to the bot in Teams: typed commands, the convene form, cards updated in place."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.directory import Contact
from bot.jobs import pending_work
from bot.outbox.rows import stuck
from handlers.teams.bot import command_text
from tests.contract.teams_driver import TeamsDriver, card_text, executes
from tests.helpers import invitation_statuses, table_counts
from tests.teams.fakes import card_problems
from tests.teams.harness import TeamsHarness

CONVENE = (
    "convene NV-40213 children=C1:2020-05-14,C2:2023-02-09 category=standard "
    'identified="today 9am" meeting="tomorrow 2pm" tags=domestic_abuse known=olivia.bennett'
)


def contact(teams: TeamsHarness, key: str) -> Contact:
    found = teams.core.directory.contact(key)
    assert found is not None
    return found


def reply_card(teams: TeamsHarness, user: str, activity: dict[str, Any]) -> dict[str, Any]:
    """The card the bot sent back to this message (there is exactly one)."""
    chat = teams.teams.personal_chat(contact(teams, user).chat_id("teams") or "")
    answers = [
        p for p in teams.teams.messages_in(chat) if p.activity.get("replyToId") == activity["id"]
    ]
    assert len(answers) == 1
    return answers[0].cards[0]


def test_typed_commands_work_with_or_without_strategy_and_with_curly_quotes(
    driver: TeamsDriver,
) -> None:
    reply = driver.command(
        "ben.okafor", CONVENE.replace('"tomorrow 2pm"', "\u201ctomorrow 2pm\u201d")
    )
    assert "Strategy discussion convened for case NV-40213" in reply
    assert "You have no open actions" in driver.command("megan.price", "strategy actions")
    assert "NV-40213" in driver.command("megan.price", "/strategy status")
    assert "strategy-bot convenes strategy discussions" in driver.command("megan.price", "help")


def test_the_command_text_is_read_as_the_parser_expects() -> None:
    from microsoft_teams.api.activities.message.message import MessageActivity

    def text(typed: str) -> str:
        return command_text(
            MessageActivity.model_validate(
                {
                    "id": "1",
                    "type": "message",
                    "text": typed,
                    "from": {"id": "29:1x"},
                    "conversation": {"id": "a:1", "conversationType": "personal"},
                    "recipient": {"id": "28:bot"},
                }
            )
        )

    assert text("accept NV-40213") == "/strategy accept NV-40213"
    assert text("Strategy  accept NV-40213") == "/strategy accept NV-40213"
    assert text("/strategy accept NV-40213") == "/strategy accept NV-40213"
    assert text("decline NV-40213 reason=\u201cin court\u201d") == (
        '/strategy decline NV-40213 reason="in court"'
    )
    assert text("convene") == "/strategy convene"
    assert text("") == "/strategy"


def test_convene_alone_opens_the_form_and_the_form_convenes(driver: TeamsDriver) -> None:
    teams = driver.harness
    form_text = driver.command("ben.okafor", "convene")
    assert "Convene a strategy discussion" in form_text
    assert table_counts(teams.bot.bot)["discussion"] == 0

    assert driver.inbox("ben.okafor") == []  # the form is the reply, not an inbox message
    chat = teams.teams.personal_chat("29:1ben-okafor")
    form_message = next(teams.teams.messages_in(chat))
    form = form_message.cards[0]
    [(execute, inputs)] = list(executes(form))
    assert execute["verb"] == "convene"
    fields = {i["id"] for i in inputs}
    # The same fields as the text command (and the Slack form).
    assert fields == {
        "case",
        "children",
        "category",
        "meeting",
        "find_time",
        "identified",
        "tags",
        "known",
        "referrer",
        "late_reason",
        "dropped",
    }
    categories = next(i for i in inputs if i["id"] == "category")["choices"]
    assert {c["value"] for c in categories} >= {"standard", "serious_harm", "complex"}

    # A mistake comes back on the form, with what was typed kept; nothing is written.
    typed = {
        "action": "convene",
        "value": "",
        "case": "NV-40213",
        "children": "C1:2020-05-14",
        "category": "standard",
        "meeting": "Monday",
        "tags": "domestic_abuse,injury",
        "known": "olivia.bennett",
    }
    response = teams.click(contact(teams, "ben.okafor"), form_message.activity_id, typed)
    answer = response.json()
    assert answer["type"] == "application/vnd.microsoft.card.adaptive"
    again = answer["value"]
    assert card_problems(again) == []
    assert "Meeting time" in card_text(again) and "add a time" in card_text(again)
    values = {i["id"]: i.get("value") for _, inputs in executes(again) for i in inputs}
    assert values["case"] == "NV-40213" and values["tags"] == "domestic_abuse,injury"
    assert table_counts(teams.bot.bot)["discussion"] == 0

    # Corrected, it convenes: the form is replaced by the confirmation, invitations go out.
    response = teams.click(
        contact(teams, "ben.okafor"),
        form_message.activity_id,
        {**typed, "meeting": "tomorrow 2pm"},
    )
    done = response.json()["value"]
    assert "Strategy discussion convened for case NV-40213" in card_text(done)
    assert "You are invited" in "\n".join(driver.inbox("olivia.bennett"))
    assert "You are invited" in "\n".join(driver.inbox("megan.price"))  # domestic abuse unit
    assert "Victoria Adeyemi" in card_text(done)  # injury: the paediatrician


def test_someone_who_may_not_convene_gets_the_reason_not_the_form(driver: TeamsDriver) -> None:
    reply = driver.command("ian.campbell", "convene")
    assert "Add the case reference" in reply or "Only a social worker" in reply
    assert "Convene a strategy discussion" not in reply


def test_answering_an_invitation_replaces_its_card_and_updates_the_chairs(
    driver: TeamsDriver,
) -> None:
    teams = driver.harness
    driver.command("ben.okafor", CONVENE)
    [quorum] = [
        p
        for p in teams.teams.messages_in(teams.teams.personal_chat("29:1asha-patel"))
        if "waiting for the statutory partners" in card_text(p.cards[0])
    ]
    answer = driver.press("megan.price", "accept", "NV-40213#1")
    assert "Strategy discussion for case NV-40213: you accepted." in answer
    # Teams shows the answer in place of the invitation: one card, now without buttons.
    [card] = [c for _, c in driver.cards("megan.price")]
    assert "you accepted" in card_text(card) and list(executes(card)) == []
    # The chair's card was updated in place, not sent again.
    assert quorum.versions == 2
    assert "Megan Price, Northvale Police (police: Domestic abuse unit): accepted" in card_text(
        quorum.cards[0]
    )
    assert (
        len(
            [
                p
                for p in teams.teams.messages_in(quorum.conversation_id)
                if "meeting Tue" in card_text(p.cards[0])
            ]
        )
        == 1
    )
    assert invitation_statuses(teams.bot.bot)["megan.price"] == "accepted"


def test_a_bad_answer_is_shown_and_changes_nothing(driver: TeamsDriver) -> None:
    teams = driver.harness
    driver.command("ben.okafor", CONVENE)
    before = table_counts(teams.bot.bot)
    answer = driver.press("olivia.bennett", "decline", "NV-40213#1", reason="no")
    assert "Say why you cannot attend" in answer
    assert table_counts(teams.bot.bot) == before
    [card] = [c for _, c in driver.cards("olivia.bennett")]
    assert "You are invited" in card_text(card)  # the invitation stands, buttons and all
    assert {e["data"]["action"] for e, _ in executes(card)} == {"accept", "decline", "delegate"}


def test_delegating_offers_only_colleagues_of_the_same_agency(driver: TeamsDriver) -> None:
    driver.command("ben.okafor", CONVENE)
    [(_, card)] = driver.cards("megan.price")
    [colleagues] = [i["choices"] for e, inputs in executes(card) for i in inputs if i["id"] == "to"]
    offered = {c["value"] for c in colleagues}
    assert "ian.campbell" in offered and "megan.price" not in offered
    assert not offered & {"olivia.bennett", "asha.patel"}


def test_the_reminder_card_asks_for_more_time_and_closes_the_action(driver: TeamsDriver) -> None:
    teams = driver.harness
    driver.command("ben.okafor", CONVENE)
    driver.command(
        "asha.patel",
        'action NV-40213 owner=megan.price due="in 2 working days" '
        'text="Complete a DASH risk assessment"',
    )
    assert "You own action NV-40213/A1" in "\n".join(driver.inbox("megan.price"))
    driver.advance(timedelta(days=1))
    [reminder] = [i for i, c in driver.cards("megan.price") if "Reminder:" in card_text(c)]

    # Asking for more time is answered with a note; the reminder keeps its buttons.
    sent = driver.press(
        "megan.price",
        "more-time",
        "NV-40213/A1",
        due="in 4 working days",
        reason="Victim not yet seen",
    )
    assert "has gone to Asha Patel" in sent
    request = "\n".join(driver.inbox("asha.patel"))
    assert "Megan Price asks for more time on action NV-40213/A1" in request
    approved = driver.press("asha.patel", "approve", "NV-40213/A1")
    assert "You approved this request" in approved  # the request card, updated in place
    assert "Asha Patel approved more time" in "\n".join(driver.inbox("megan.price"))

    # Closing replaces the reminder with the outcome.
    closed = driver.press(
        "megan.price", "close", "NV-40213/A1", outcome="DASH done: high risk, MARAC referral"
    )
    assert "Action NV-40213/A1 was closed by you" in closed
    assert "was closed by Megan Price" in "\n".join(driver.inbox("asha.patel"))
    # press() uses the newest card with the button: the reminder, which now shows the outcome.
    latest = dict(driver.cards("megan.price"))[reminder]
    assert "was closed by you" in card_text(latest) and list(executes(latest)) == []
    # The assignment card still has its buttons; they can no longer change anything.
    before = table_counts(teams.bot.bot)
    again = driver.press("megan.price", "close", "NV-40213/A1", outcome="Closed twice?")
    assert "already closed" in again
    assert table_counts(teams.bot.bot) == before


def test_in_a_channel_the_bot_points_to_the_one_to_one_chat_and_does_nothing(
    teams: TeamsHarness,
) -> None:
    ben = contact(teams, "ben.okafor")
    channel = teams.teams.channel()
    activity = teams.activity(
        ben, {"id": channel, "conversationType": "channel"}, type="message", text=CONVENE
    )
    assert teams.post(activity).status_code == 200
    assert table_counts(teams.bot.bot)["discussion"] == 0
    [note] = list(teams.teams.messages_in(channel))
    assert "one-to-one chat" in card_text(note.cards[0])


def test_someone_not_in_the_directory_is_told_and_nothing_happens(teams: TeamsHarness) -> None:
    stranger = {
        "id": teams.teams.personal_chat("29:1someone-outside"),
        "conversationType": "personal",
    }
    activity = teams.activity(None, stranger, type="message", text=CONVENE)
    assert teams.post(activity).status_code == 200
    assert table_counts(teams.bot.bot)["discussion"] == 0
    [answer] = list(teams.teams.messages_in(stranger["id"]))
    assert "not in the partner directory" in card_text(answer.cards[0])


def test_installing_the_app_for_someone_welcomes_them_and_remembers_the_chat(
    teams: TeamsHarness,
) -> None:
    zoe = contact(teams, "zoe.fletcher")
    activity = teams.activity(zoe, teams.personal(zoe), type="installationUpdate", action="add")
    assert teams.post(activity).status_code == 200
    [welcome] = list(teams.teams.messages_in(teams.teams.personal_chat("29:1zoe-fletcher")))
    assert "Invitations and reminders will arrive here" in card_text(welcome.cards[0])
    teams.bot.store.flush()
    assert teams.bot.store.conversation("29:1zoe-fletcher") is not None


def test_a_card_deleted_in_teams_is_sent_again(driver: TeamsDriver) -> None:
    harness = driver.harness
    driver.command("ben.okafor", CONVENE)
    chair = harness.teams.personal_chat("29:1asha-patel")
    quorum = next(
        p for p in harness.teams.messages_in(chair) if "statutory partners" in card_text(p.cards[0])
    )
    harness.teams.posted.remove(quorum)  # the chair deleted it
    driver.press("megan.price", "accept", "NV-40213#1")
    [again] = [
        p for p in harness.teams.messages_in(chair) if "statutory partners" in card_text(p.cards[0])
    ]
    assert again.activity_id != quorum.activity_id
    assert "Megan Price" in card_text(again.cards[0]) and "accepted" in card_text(again.cards[0])


def test_someone_without_the_app_is_skipped_and_everyone_else_still_hears(
    driver: TeamsDriver, caplog: pytest.LogCaptureFixture
) -> None:
    teams = driver.harness.teams
    teams.not_installed.add("29:1olivia-bennett")
    reply = driver.command("ben.okafor", CONVENE)
    assert "Strategy discussion convened for case NV-40213" in reply
    assert driver.inbox("olivia.bennett") == []
    assert "You are invited" in "\n".join(driver.inbox("megan.price"))
    assert "waiting for the statutory partners" in "\n".join(driver.inbox("asha.patel"))
    assert "is the app installed for them?" in caplog.text
    # Not silently: the chair is told at once who cannot be reached, and how to fix it.
    told = "\n".join(driver.inbox("asha.patel"))
    assert "Olivia Bennett cannot be reached" in told
    assert "is the app installed for them?" in told and "add a chat id" in told


def test_a_chat_the_bot_was_removed_from_is_started_again(driver: TeamsDriver) -> None:
    teams = driver.harness.teams
    driver.command("ben.okafor", CONVENE)
    teams.removed.add(teams.personal_chat("29:1asha-patel"))  # the app was removed and re-added
    started = len(teams.started_chats())
    driver.press("megan.price", "accept", "NV-40213#1")
    assert len(teams.started_chats()) == started + 1
    assert "Megan Price, Northvale Police (police: Domestic abuse unit): accepted" in "\n".join(
        driver.inbox("asha.patel")
    )


def test_throttling_is_retried_and_a_long_one_waits_as_long_as_teams_asks(
    driver: TeamsDriver,
) -> None:
    harness = driver.harness
    driver.command("ben.okafor", CONVENE)
    harness.teams.throttle = 1  # one 429: the next try gets through, nothing is lost or doubled
    driver.press("megan.price", "accept", "NV-40213#1")
    assert "Megan Price, Northvale Police (police: Domestic abuse unit): accepted" in "\n".join(
        driver.inbox("asha.patel")
    )

    harness.teams.throttle = 100  # Teams keeps refusing: the invitation waits for Retry-After
    driver.advance(timedelta(minutes=61))
    assert not [w for w in pending_work(harness.core) if w.kind == "fallback_check (health)"]
    with harness.core.sessions() as session:
        [waiting] = [m for m in stuck(session) if m.recipient == "zoe.fletcher"]
    assert waiting.attempts == 1 and "429" in (waiting.problem or "")
    assert waiting.next_attempt_at == harness.clock.now() + timedelta(seconds=120)
    harness.teams.throttle = 0
    driver.advance(timedelta(seconds=120))
    assert "You are invited" in "\n".join(driver.inbox("zoe.fletcher"))


def test_cards_sent_before_an_upgrade_keep_working(driver: TeamsDriver) -> None:
    """Cards stay in people's chats across upgrades: their older action names still act."""
    teams = driver.harness
    driver.command("ben.okafor", CONVENE)
    driver.command(
        "asha.patel",
        'action NV-40213 owner=megan.price due="in 2 working days" text="DASH assessment"',
    )
    driver.press("megan.price", "more-time", "NV-40213/A1", due="friday", reason="GP away")
    [(request, _)] = [
        (i, c) for i, c in driver.cards("asha.patel") if "asks for more time" in card_text(c)
    ]
    old = {"action": "approve_time", "value": "NV-40213/A1"}  # as older cards sent it
    response = teams.click(contact(teams, "asha.patel"), request, old)
    assert response.status_code == 200
    assert "Asha Patel approved more time" in "\n".join(driver.inbox("megan.price"))


def test_record_alone_opens_the_record_as_a_form_and_saves_what_changed(
    driver: TeamsDriver,
) -> None:
    teams = driver.harness
    driver.command("ben.okafor", CONVENE)
    driver.advance(timedelta(days=1, hours=4, minutes=30))  # the meeting has been held
    driver.command("asha.patel", 'record NV-40213 risk="risk of harm at home"')
    driver.command("asha.patel", "record NV-40213")
    chat = teams.teams.personal_chat("29:1asha-patel")
    form_message = list(teams.teams.messages_in(chat))[-1]
    form = form_message.cards[0]
    assert card_problems(form) == []
    [(execute, inputs)] = list(executes(form))
    assert execute["data"] == {"action": "record", "value": "NV-40213", "form": True}
    fields = {i["id"]: i for i in inputs}
    assert fields["risk"]["value"] == "risk of harm at home"
    assert {"s47", "family", "child.C1", "finalise"} <= set(fields)
    sent = {**execute["data"], **{i: f.get("value", "") for i, f in fields.items()}}
    sent["s47"] = "joint: C1's injury and account meet the threshold"
    answer = teams.click(contact(teams, "asha.patel"), form_message.activity_id, sent).json()
    assert "Saved: s47." in card_text(answer["value"])  # only what changed was saved
