"""The poll's card in Teams: the form under its button names each slot with its time, the
card stays valid for the Adaptive Card schema (checked by the fake Bot Connector), and the
button names the discussion (NV-40213#1)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tests.contract.teams_driver import TeamsDriver, card_text
from tests.teams.harness import TeamsHarness

FIND = (
    "/strategy convene NV-40213 children=C1:2020-05-14 category=standard "
    'identified="today 9am" tags=domestic_abuse known=olivia.bennett'
)
LABEL = re.compile(
    r"^[1-4] · (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d\d:\d\d-\d\d:\d\d$"
)


def elements(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from elements(value)
    elif isinstance(node, list):
        for value in node:
            yield from elements(value)


def test_the_poll_card_form_lists_each_slot_with_its_time(
    teams: TeamsHarness, driver: TeamsDriver
) -> None:
    driver.command("ben.okafor", FIND)
    [card] = [c for _, c in driver.cards("megan.price") if "Which of these times" in card_text(c)]
    executes = [e for e in elements(card) if e.get("type") == "Action.Execute"]
    assert {e["data"]["value"] for e in executes if e["data"].get("action") == "available"} == {
        "NV-40213#1"
    }
    [slots] = [
        e for e in elements(card) if e.get("type") == "Input.ChoiceSet" and e["id"] == "slots"
    ]
    titles = [c["title"] for c in slots["choices"]]
    timed = [t for t in titles if LABEL.match(t)]
    assert timed and titles == [*timed, "None of these"], titles
    for title in timed:
        assert title.split(" ")[-1].split("-")[0] in card_text(card)
    # Answering with the card still works, and the card it replaces is valid too.
    driver.press("megan.price", "available", "NV-40213#1", slots="1")
    assert teams.teams.card_problems == []
