"""Block Kit that Slack accepts: lengths, counts and shapes, checked by slack_sdk's models."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
import yaml

from bot.directory import load_directory
from bot.errors import InputError
from bot.forms import Choice, ChoiceContext, FieldKind
from bot.intents import INTENTS
from bot.intents.forms import form_for, with_problem
from bot.messages import Button, Kind, Message
from handlers.slack import render
from handlers.slack.manifest import manifest_text
from tests.helpers import CONVENE
from tests.slack.harness import SlackTest, text_input


def sections(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def test_long_messages_are_split_to_fit_slacks_limits() -> None:
    huge_line = "x" * 7000
    many = "\n\n".join(f"paragraph {n}" for n in range(80))
    text = f"Headline\n{huge_line}\n\n{many}"
    buttons = (Button("accept", "NV-40213", "Accept", "/strategy accept NV-40213", True),)
    rendered = render.slack_message(Message(Kind.NOTICE, text, buttons=buttons))  # validated
    assert len(rendered.blocks) <= render.MESSAGE_BLOCK_LIMIT
    assert all(len(s) <= render.SECTION_TEXT_LIMIT for s in sections(rendered.blocks))
    assert rendered.blocks[-1]["type"] == "actions"
    assert "".join(sections(rendered.blocks)).count("x") == 7000  # nothing of it lost


def test_text_that_would_need_more_room_once_escaped_still_fits() -> None:
    rendered = render.slack_message(Message(Kind.NOTICE, "<&>" * 1500 + "\n" + "<&>" * 2000))
    assert all(len(s) <= render.SECTION_TEXT_LIMIT for s in sections(rendered.blocks))


def test_an_invalid_block_is_caught_before_it_reaches_slack() -> None:
    with pytest.raises(Exception, match="text"):
        render.checked_blocks([{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}])
    with pytest.raises(ValueError, match="not a Block Kit block"):
        render.checked_blocks([{"type": "no_such_block"}])


@pytest.mark.parametrize("name", [i.name for i in INTENTS if i.asks and i.form is None])
def test_every_form_renders_and_escapes_what_it_shows(name: str) -> None:
    directory = load_directory()
    actor = directory.contact("bethany.cole")
    assert actor is not None
    form = form_for(
        INTENTS.get(name) or INTENTS.get("help"), ChoiceContext(directory, actor, "NV-40213")
    )  # type: ignore[arg-type]
    form = replace(
        form, options={**form.options, "to": (Choice("callum.fraser", "Callum Fraser & co"),)}
    )
    problem = InputError("<!here> is not allowed & neither is <@U1>", "<https://x.example|x>")
    typed = {
        f.name: "<b>kept</b> & shown as typed" for f in form.fields if f.kind is FieldKind.TEXT
    }
    view = render.form_view(
        with_problem(form, typed, problem),
        json.dumps({"reference": "NV-40213", "response_url": "https://h/?a=1&b=2"}),
    )
    shown = json.dumps(view)
    assert "<!here>" not in shown and "&lt;!here&gt;" in shown
    assert "&lt;https://x.example|x&gt;" in shown
    # plain_text is shown as typed, never parsed: not escaped, and the metadata intact.
    assert json.loads(view["private_metadata"])["response_url"] == "https://h/?a=1&b=2"
    if typed:
        assert "<b>kept</b> & shown as typed" in shown
    if name == "delegate":
        assert "Callum Fraser & co" in shown


# What each Web API method strategy-bot calls needs from the manifest's bot scopes.
SCOPES = {
    "auth.test": None,
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "users.info": "users:read",
    "users.lookupByEmail": "users:read.email",
    "views.open": None,
    "views.publish": None,
}


def test_the_manifest_grants_what_the_flow_uses(slack: SlackTest) -> None:
    slack.fake.emails["U0SOMEONE"] = "nobody@northvale.example"
    slack.command("ben.okafor", CONVENE.removeprefix("/strategy "))
    invitation = slack.dms("megan.price")[0]
    slack.click("megan.price", "accept", "NV-40213", message=invitation)
    slack.click("olivia.bennett", "decline", "NV-40213", message=slack.dms("olivia.bennett")[0])
    slack.open_home("asha.patel")
    slack.command("U0SOMEONE", "help")  # users.info: someone the directory does not name
    manifest = yaml.safe_load(manifest_text())
    granted = set(manifest["oauth_config"]["scopes"]["bot"])
    used = {c.method for c in slack.fake.calls} - {"response_url"}
    assert used <= set(SCOPES), f"add the scope for {used - set(SCOPES)} here and in the manifest"
    assert {SCOPES[m] for m in used} - {None} <= granted
    assert granted == {"commands", *(s for s in SCOPES.values() if s)}  # and nothing more
    assert manifest["features"]["slash_commands"][0]["command"] == "/strategy"
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert slack.fake.calls_to("users.info")
    slack.submit(
        "olivia.bennett",
        slack.fake.opened_by_trigger[next(iter(slack.fake.opened_by_trigger))],
        {"reason": {"reason": text_input("On leave until Friday")}},
    )
