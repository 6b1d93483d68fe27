"""The flow in Slack: the slash command, the modals, buttons that update messages in place."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.storage import models
from fakes.slack import Posted
from tests.helpers import CONVENE, count, invitation_statuses, table_counts
from tests.slack.harness import NOTICES, SlackTest, choice, choices, text_input

CONVENE_TEXT = CONVENE.removeprefix("/strategy ")
ACTION = (
    'action NV-40213 owner=megan.price due="in 2 working days" text="Complete a DASH assessment"'
)


def buttons(message: Posted | dict[str, Any]) -> list[tuple[str, str]]:
    blocks = message.blocks if isinstance(message, Posted) else message["blocks"]
    return [
        (element["action_id"], element["value"])
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def invitation(slack: SlackTest, who: str) -> Posted:
    found = [
        m for m in slack.dms(who) if "strategy discussion for case nv-40213" in m.words.lower()
    ]
    assert len(found) == 1, slack.dm_texts(who)
    return found[0]


def quorum_view(slack: SlackTest) -> Posted:
    found = [m for m in slack.dms("asha.patel") if m.words.startswith("Case NV-40213, meeting")]
    assert len(found) == 1, slack.dm_texts("asha.patel")
    return found[0]


def test_convene_inline_answers_privately_and_invites_by_direct_message(
    slack: SlackTest,
) -> None:
    sent = slack.command("ben.okafor", CONVENE_TEXT)
    # Acknowledged at once with an empty body: nothing is shown in the channel.
    assert sent.response.status_code == 200 and sent.response.text == ""
    (reply,) = slack.fake.replies(sent.reply_name or "")
    assert reply["response_type"] == "ephemeral"
    assert "Strategy discussion convened for case NV-40213" in slack.reply_texts(sent)[0]

    megan = invitation(slack, "megan.price")
    assert "Before and during the discussion (police)" in megan.words
    assert buttons(megan) == [
        ("accept", "NV-40213#1"),
        ("decline", "NV-40213#1"),
        ("delegate", "NV-40213#1"),
    ]
    assert "waiting for the statutory partners" in quorum_view(slack).words
    assert slack.dms("ian.campbell") == []

    (notice,) = slack.fake.conversation(NOTICES)
    assert "NV-40213" in notice.words
    for detail in ("C1", "C2", "domestic", "Olivia", "Megan"):
        assert detail not in notice.words


def test_accept_updates_the_invitation_and_the_chairs_view_in_place(slack: SlackTest) -> None:
    slack.command("ben.okafor", CONVENE_TEXT)
    before = invitation(slack, "megan.price")
    ts, channel = before.ts, before.channel

    sent = slack.click("megan.price", "accept", "NV-40213#1", message=before)
    assert sent.response.status_code == 200
    assert "you have accepted" in slack.reply_texts(sent)[0]

    after = invitation(slack, "megan.price")
    assert (after.ts, after.channel, after.edits) == (ts, channel, 1)
    assert "you accepted" in after.words
    assert buttons(after) == []
    chair = quorum_view(slack)
    assert chair.edits == 1
    assert "- police: confirmed" in chair.words
    assert invitation_statuses(slack.bot)["megan.price"] == "accepted"


def test_decline_asks_for_a_reason_and_the_mash_nurse_is_invited(slack: SlackTest) -> None:
    slack.command("ben.okafor", CONVENE_TEXT)
    sent = slack.click(
        "olivia.bennett", "decline", "NV-40213#1", message=invitation(slack, "olivia.bennett")
    )
    form = slack.opened(sent)
    assert slack.fake.views[form]["callback_id"] == "decline"
    assert slack.fake.calls_to("chat.update") == []  # nothing happens before the reason

    # Too short: the form says why, keeps what was typed, and nothing is written.
    counts = table_counts(slack.bot)
    answer = slack.submit("olivia.bennett", form, {"reason": {"reason": text_input("no")}})
    body = answer.json()
    assert body["response_action"] == "update"
    assert "Say why you cannot attend" in json.dumps(body["view"])
    assert "For example" in json.dumps(body["view"])
    assert table_counts(slack.bot) == counts

    answer = slack.submit(
        "olivia.bennett", form, {"reason": {"reason": text_input("On leave until Friday")}}
    )
    assert answer.status_code == 200 and answer.text == ""
    assert "you declined" in invitation(slack, "olivia.bennett").words
    (reply,) = slack.reply_texts(sent)  # the answer goes back where the button was pressed
    assert "You have declined" in reply
    chair = "\n".join(slack.dm_texts("asha.patel"))
    assert 'declined: "On leave until Friday"' in chair
    assert "Zoe Fletcher (MASH nurse) has been invited" in chair
    assert "Zoe Fletcher, Northvale Health Partnership" in quorum_view(slack).words
    assert "You are invited" in "\n".join(slack.dm_texts("zoe.fletcher"))


def test_delegate_offers_only_colleagues_in_the_same_agency(slack: SlackTest) -> None:
    slack.command("ben.okafor", CONVENE_TEXT)
    sent = slack.click(
        "bethany.cole", "delegate", "NV-40213#1", message=invitation(slack, "bethany.cole")
    )
    form = slack.fake.views[slack.opened(sent)]
    offered = [o["value"] for o in form["blocks"][-1]["element"]["options"]]
    assert offered == ["callum.fraser", "dina.roberts"]

    slack.submit("bethany.cole", slack.opened(sent), {"to": {"to": choice("callum.fraser")}})
    assert "you delegated" in invitation(slack, "bethany.cole").words
    assert "You are invited" in invitation(slack, "callum.fraser").words


def test_convene_without_details_opens_the_form(slack: SlackTest) -> None:
    sent = slack.command("ben.okafor", "convene")
    view_id = slack.opened(sent)
    form = slack.fake.views[view_id]
    assert form["callback_id"] == "convene"
    fields = [b["block_id"] for b in form["blocks"] if b["type"] == "input"]
    assert fields == [
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
    ]
    values = {
        "case": {"case": text_input("NV-40213")},
        "children": {"children": text_input("C1:2020-05-14, C2:2023-02-09")},
        "category": {"category": choice("standard")},
        "meeting": {"meeting": text_input("friday 2pm")},
        "identified": {"identified": text_input("today 9am")},
        "tags": {"tags": choices("domestic_abuse")},
        "known": {"known": choices("olivia.bennett")},
        "referrer": {"referrer": choice("bethany.cole")},
        "late_reason": {"late_reason": text_input("")},
    }
    # A meeting after the statutory deadline needs a reason: shown in the form, nothing written.
    answer = slack.submit("ben.okafor", view_id, values).json()
    assert answer["response_action"] == "update"
    assert "after the statutory deadline" in json.dumps(answer["view"]["blocks"][0])
    kept = {b["block_id"]: b["element"] for b in answer["view"]["blocks"] if b["type"] == "input"}
    assert kept["children"]["initial_value"] == "C1:2020-05-14, C2:2023-02-09"
    assert kept["category"]["initial_option"]["value"] == "standard"
    assert [o["value"] for o in kept["tags"]["initial_options"]] == ["domestic_abuse"]
    assert [o["value"] for o in kept["known"]["initial_options"]] == ["olivia.bennett"]
    assert count(slack.bot, models.Discussion) == 0

    values["meeting"] = {"meeting": text_input("tomorrow 2pm")}
    answer = slack.submit("ben.okafor", view_id, values)
    assert answer.text == ""  # the form closes
    assert "Strategy discussion convened for case NV-40213" in slack.reply_texts(sent)[0]
    assert "You are invited" in invitation(slack, "olivia.bennett").words
    assert "You are invited" in invitation(slack, "bethany.cole").words
    assert "You are invited" in invitation(slack, "megan.price").words


def test_only_convenors_get_the_form(slack: SlackTest) -> None:
    sent = slack.command("megan.price", "convene")
    assert slack.fake.opened_by_trigger == {}
    (reply,) = slack.reply_texts(sent)
    assert "Only a social worker or team manager" in reply
    assert "For example" in reply


def test_errors_are_private_specific_and_show_an_example(slack: SlackTest) -> None:
    sent = slack.command(
        "ben.okafor", 'convene NV-40213 children=Jack category=standard meeting="tomorrow 2pm"'
    )
    (reply,) = slack.fake.replies(sent.reply_name or "")
    assert reply["response_type"] == "ephemeral"
    text = slack.reply_texts(sent)[0]
    assert "'JACK' is not a child pseudonym" in text
    assert "For example: /strategy convene NV-40213 children=C1:2019-04-02" in text
    assert count(slack.bot, models.Discussion) == 0
    assert slack.fake.conversation(NOTICES) == []

    help_text = slack.reply_texts(slack.command("ben.okafor", "help"))[0]
    assert "/strategy convene" in help_text and "/strategy status" in help_text


def test_status_and_actions_commands(slack: SlackTest) -> None:
    slack.command("ben.okafor", CONVENE_TEXT)
    status = slack.reply_texts(slack.command("megan.price", "status NV-40213"))[0]
    assert "Case NV-40213: strategy discussion (scheduled)" in status
    mine = slack.reply_texts(slack.command("megan.price", "status"))[0]
    assert "NV-40213: Tue 24 Nov 2026, 14:00 GMT" in mine
    assert (
        "You have no open actions" in slack.reply_texts(slack.command("megan.price", "actions"))[0]
    )


def test_nudges_come_as_direct_messages_with_buttons_and_more_time_goes_to_the_chair(
    slack: SlackTest,
) -> None:
    slack.command("ben.okafor", CONVENE_TEXT)
    slack.command("asha.patel", ACTION)
    slack.advance(timedelta(days=1))  # Tuesday 09:00 passes: the first nudge
    nudge = next(
        m for m in slack.dms("megan.price") if m.words.startswith("Reminder: action NV-40213/A1")
    )
    assert ("close", "NV-40213/A1") in buttons(nudge)
    assert ("more-time", "NV-40213/A1") in buttons(nudge)

    sent = slack.click("megan.price", "more-time", "NV-40213/A1", message=nudge)
    form = slack.opened(sent)
    slack.submit(
        "megan.price",
        form,
        {
            "due": {"due": text_input("next friday")},
            "reason": {"reason": text_input("GP records not back yet")},
        },
    )
    request = next(
        m for m in slack.dms("asha.patel") if "NV-40213/A1" in m.words and "GP records" in m.words
    )
    assert ("approve", "NV-40213/A1") in buttons(request)

    slack.click("asha.patel", "approve", "NV-40213/A1", message=request)
    assert "approved more time" in "\n".join(slack.dm_texts("megan.price"))
    updated = next(m for m in slack.dms("asha.patel") if m.ts == request.ts)
    assert updated.edits == 1 and buttons(updated) == []

    # Asked again, refused with a reason (a form); and the reminders snoozed.
    sent = slack.click("megan.price", "more-time", "NV-40213/A1", message=nudge)
    slack.submit(
        "megan.price",
        slack.opened(sent),
        {
            "due": {"due": text_input("in 10 working days")},
            "reason": {"reason": text_input("Still waiting for the GP")},
        },
    )
    request = next(m for m in slack.dms("asha.patel") if "Still waiting" in m.words)
    sent = slack.click("asha.patel", "refuse", "NV-40213/A1", message=request)
    slack.submit(
        "asha.patel", slack.opened(sent), {"reason": {"reason": text_input("Needed for the ICPC")}}
    )
    assert "refused more time" in "\n".join(slack.dm_texts("megan.price"))
    assert "Reason: Needed for the ICPC" in "\n".join(slack.dm_texts("megan.price"))
    sent = slack.click("megan.price", "snooze", "NV-40213/A1", message=nudge)
    assert "Reminders for NV-40213/A1 are paused until" in slack.reply_texts(sent)[0]


def test_the_app_home_lists_discussions_and_actions_and_closes_them(slack: SlackTest) -> None:
    slack.command("ben.okafor", CONVENE_TEXT)
    slack.command("asha.patel", ACTION)
    slack.open_home("megan.price")
    home = json.dumps(slack.fake.homes[slack.user_id("megan.price")])
    assert "NV-40213" in home and "Tue 24 Nov 2026, 14:00 GMT" in home
    assert "Complete a DASH assessment" in home
    assert buttons(slack.fake.homes[slack.user_id("megan.price")]) == [
        ("close", "NV-40213/A1"),
        ("more-time", "NV-40213/A1"),
    ]

    sent = slack.click("megan.price", "close", "NV-40213/A1", home=True)
    form = slack.opened(sent)
    slack.submit(
        "megan.price", form, {"outcome": {"outcome": text_input("DASH completed: high risk")}}
    )
    home = json.dumps(slack.fake.homes[slack.user_id("megan.price")])
    assert "You have no open actions." in home  # refreshed after closing
    # No response URL in the App Home: the answer comes as a direct message.
    assert any("was closed by you" in t for t in slack.dm_texts("megan.price"))
    assert any("was closed by Megan Price" in t for t in slack.dm_texts("asha.patel"))

    slack.open_home("ian.campbell")
    home = json.dumps(slack.fake.homes[slack.user_id("ian.campbell")])
    assert "NV-40213" not in home and "You have no upcoming strategy discussions." in home


def test_buttons_and_forms_sent_before_an_upgrade_keep_working(slack: SlackTest) -> None:
    """Messages stay in people's chats across upgrades: the older names still act."""
    slack.command("ben.okafor", CONVENE_TEXT)
    slack.command("asha.patel", ACTION)
    sent = slack.click("megan.price", "more_time", "NV-40213/A1")  # the older name
    form = slack.fake.views[slack.opened(sent)]
    assert form["callback_id"] == "more-time"
    old = {**form, "callback_id": "more_time"}  # a form opened before the upgrade
    slack.fake.views["VOLD"] = old
    answer = slack.submit(
        "megan.price",
        "VOLD",
        {
            "due": {"due": text_input("next friday")},
            "reason": {"reason": text_input("GP records not back yet")},
        },
    )
    assert answer.text == ""
    assert "has gone to Asha Patel" in slack.reply_texts(sent)[-1]
    sent = slack.click("asha.patel", "approve_time", "NV-40213/A1")
    assert "approved more time" in "\n".join(slack.dm_texts("megan.price"))
