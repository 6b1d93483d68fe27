"""The strategy discussion record in Slack: `/strategy record CASE` opens it as a form."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.record.content import RecordContent
from bot.record.service import latest_version
from bot.shared import visible_discussion
from bot.storage.record_models import RecordStatus
from tests.helpers import CONVENE, audit_events
from tests.slack.harness import SlackTest, text_input

CHAIR = "asha.patel"
S47 = "joint: C1 has bruising and says her mother's partner hurt her"
FAMILY = "partial: mother told today; her partner not until police have spoken to him"


@pytest.fixture
def held(slack: SlackTest) -> SlackTest:
    """NV-40213 convened in Slack, two invitations accepted, the meeting time passed."""
    slack.command("ben.okafor", CONVENE.removeprefix("/strategy "))
    slack.command("megan.price", "accept NV-40213")
    slack.command("olivia.bennett", "accept NV-40213")
    slack.advance(timedelta(days=1, hours=4, minutes=30))
    return slack


def draft(slack: SlackTest) -> tuple[RecordContent | None, str | None]:
    with slack.core.sessions() as session:
        discussion = visible_discussion(session, "NV-40213", slack.contact(CHAIR))
        version = latest_version(session, discussion)
        if version is None:
            return None, None
        return RecordContent.load(version.content), version.status


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def state(view: dict[str, Any], **changes: str) -> dict[str, dict[str, dict[str, Any]]]:
    """The form's values as Slack sends them: what it was opened with, plus `changes`."""
    values: dict[str, dict[str, dict[str, Any]]] = {}
    for key, block in inputs(view).items():
        element = block["element"]
        if element["type"] == "checkboxes":
            chosen = [{"value": "finalise"}] if changes.get(key) else []
            values[key] = {key: {"type": "checkboxes", "selected_options": chosen}}
        else:
            values[key] = {key: text_input(changes.get(key, element.get("initial_value", "")))}
    return values


def open_form(slack: SlackTest, who: str = CHAIR) -> tuple[str, dict[str, Any]]:
    view_id = slack.opened(slack.command(who, "record NV-40213"))
    return view_id, slack.fake.views[view_id]


def test_the_form_opens_with_the_draft_filled_in(held: SlackTest) -> None:
    held.command(CHAIR, 'record NV-40213 risk="risk of further physical harm at home"')
    _, view = open_form(held)
    assert view["callback_id"] == "record"
    assert view["title"]["text"] == "Record NV-40213"
    fields = inputs(view)
    assert list(fields)[:5] == ["attended", "absent", "children", "child.C1", "child.C2"]
    assert {"s47", "family", "safety", "identity", "finalise"} <= set(fields)
    assert any(key.startswith("shared.") for key in fields)
    risk = fields["risk"]["element"]
    assert risk["initial_value"] == "risk of further physical harm at home"
    assert risk["multiline"] is True
    assert "initial_value" not in fields["s47"]["element"]
    assert fields["s47"]["element"]["placeholder"]["text"].startswith("joint:")
    assert "For example: joint:" in fields["s47"]["hint"]["text"]
    assert [o["text"]["text"] for o in fields["finalise"]["element"]["options"]] == ["Finalise now"]


def test_a_submission_saves_the_changed_fields(held: SlackTest) -> None:
    held.command(CHAIR, 'record NV-40213 risk="risk of further physical harm at home"')
    sent = held.command(CHAIR, "record NV-40213")
    view_id = held.opened(sent)
    answer = held.submit(
        CHAIR, view_id, state(held.fake.views[view_id], s47=S47, harm="physical, emotional")
    )
    assert answer.text == ""  # the form closes
    content, status = draft(held)
    assert content is not None and status == RecordStatus.DRAFT
    assert content.decisions["s47"].decision == "joint"
    assert content.harm == ["physical", "emotional"]
    assert content.risk == "risk of further physical harm at home"
    # Only what changed was sent to the service (risk was already saved).
    assert held.reply_texts(sent)[-1].startswith("Saved: harm, s47.")
    updates = [e for e in audit_events(held.bot) if e[1] == "record_updated"]
    assert updates[-1][2]["fields"] == ["harm", "s47"]

    # Coming back: the form shows what was saved.
    _, view = open_form(held)
    assert inputs(view)["harm"]["element"]["initial_value"] == "physical,emotional"
    assert inputs(view)["s47"]["element"]["initial_value"] == S47


def test_a_bad_value_is_marked_on_its_field_and_nothing_is_written(held: SlackTest) -> None:
    view_id, view = open_form(held)
    answer = held.submit(
        CHAIR, view_id, state(view, risk="risk of harm at home", harm="bruises")
    ).json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["harm"]
    assert "not a category of harm" in answer["errors"]["harm"]
    assert draft(held) == (None, None)

    answer = held.submit(CHAIR, view_id, state(view, attended="asha.patel,nobody.here")).json()
    assert list(answer["errors"]) == ["attended"]
    assert draft(held) == (None, None)


def test_finalising_without_the_essentials_lists_what_is_missing(held: SlackTest) -> None:
    view_id, view = open_form(held)
    answer = held.submit(CHAIR, view_id, state(view, s47=S47, finalise="yes")).json()
    assert answer["response_action"] == "errors"
    missing = answer["errors"]["finalise"]
    assert "cannot be finalised yet" in missing
    assert "attendance" in missing and "what is shared with the child and family" in missing
    assert "changes are saved" in missing
    content, status = draft(held)
    assert content is not None and "s47" in content.decisions  # the draft kept the change
    assert status == RecordStatus.DRAFT


def test_finalising_with_everything_present(held: SlackTest) -> None:
    sent = held.command(CHAIR, "record NV-40213")
    view_id = held.opened(sent)
    changes = {
        "attended": "asha.patel,ben.okafor,megan.price,olivia.bennett",
        "children": "C1,C2",
        "s47": S47,
        "family": FAMILY,
        "finalise": "yes",
    }
    answer = held.submit(CHAIR, view_id, state(held.fake.views[view_id], **changes))
    assert answer.text == ""
    _, status = draft(held)
    assert status == RecordStatus.FINAL
    assert "Record of case NV-40213 finalised" in held.reply_texts(sent)[-1]


def test_only_the_chair_or_convenor_of_a_discussion_they_were_invited_to(
    held: SlackTest,
) -> None:
    for who, refusal in (
        ("ian.campbell", "NV-40213"),
        ("megan.price", "Only the chair or the convenor"),
    ):
        sent = held.command(who, "record NV-40213")
        assert held.fake.opened_by_trigger.get(sent.trigger) is None
        (reply,) = held.reply_texts(sent)
        assert refusal in reply

    # The convenor may write the record but not finalise it: no checkbox for him.
    _, view = open_form(held, "ben.okafor")
    assert "finalise" not in inputs(view)


def test_record_without_a_case_says_so_instead_of_opening_a_form(held: SlackTest) -> None:
    sent = held.command(CHAIR, "record")
    assert held.fake.opened_by_trigger.get(sent.trigger) is None
    (reply,) = held.reply_texts(sent)
    assert "Add the case reference." in reply
