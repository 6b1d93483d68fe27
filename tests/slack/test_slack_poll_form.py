"""The poll's form in Slack names each slot with its time, and its buttons name the discussion
(NV-40213#1), so a poll card left from an earlier discussion never acts on a review."""

from __future__ import annotations

import re
from typing import Any

from tests.slack.harness import SlackTest

FIND = (
    "convene NV-40213 children=C1:2020-05-14 category=standard "
    'identified="today 9am" tags=domestic_abuse known=olivia.bennett'
)
LABEL = re.compile(
    r"^[1-4] · (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d\d:\d\d-\d\d:\d\d$"
)


def options(view: dict[str, Any], block_id: str) -> list[str]:
    [block] = [b for b in view["blocks"] if b.get("block_id") == block_id]
    return [o["text"]["text"] for o in block["element"]["options"]]


def test_the_available_form_lists_each_slot_with_its_time(slack: SlackTest) -> None:
    slack.command("ben.okafor", FIND)
    [poll] = [
        m
        for m in slack.dms("megan.price")
        for block in m.blocks
        if block["type"] == "actions"
        for e in block["elements"]
        if e["action_id"] == "available"
    ]
    [button] = [
        e
        for block in poll.blocks
        if block["type"] == "actions"
        for e in block["elements"]
        if e["action_id"] == "available"
    ]
    assert button["value"] == "NV-40213#1"
    sent = slack.click("megan.price", "available", "NV-40213#1", message=poll)
    view = slack.fake.views[slack.fake.opened_by_trigger[sent.trigger]]
    labels = options(view, "slots")
    slots = [label for label in labels if LABEL.match(label)]
    assert slots and labels == [*slots, "None of these"], labels
    # Each label's start is the time the poll message gives for that slot.
    for label in slots:
        start = label.split(" ")[-1].split("-")[0]
        assert start in poll.text + poll.words
