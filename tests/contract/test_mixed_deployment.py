"""One deployment, every way out: `strategy-bot serve` with Teams, Slack and email at once.

The chair and the social worker are on Teams, the police on Slack, a GP and a
school by email only (the sample directory's reach). Real signed requests go to
the served process, which talks to the local fakes of Teams and Slack and to a
real local SMTP server.

Every message goes through the durable outbox: the deliverer routes it per
person (bot/routing.py) and keeps where each thread went in thread_binding.

The email-only people answer through the links in their emails (PUBLIC_URL is
the served process's own address): the test reads the real email from the SMTP
server, opens the link on the served process, and posts the page's form with its
CSRF token, as a browser would.
"""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.links.tokens import find_link
from bot.storage import models
from bot.storage.link_models import LinkItem
from fakes.slack import SIGNING_SECRET, TOKEN, FakeSlack
from tests.email.conftest import Inbox, running_inbox
from tests.serving import free_port, serving, wait_until
from tests.slack.fake_socket_mode import FakeSocketMode
from tests.teams.fakes import APP_ID, APP_PASSWORD, TENANT_ID, FakeBotFramework, FakeEntra
from tests.teams.harness import BOT_ACCOUNT

CONVENE = (
    "/strategy convene NV-40213 children=C1:2020-05-14,C2:2023-02-09 category=standard "
    'identified="now" meeting="tomorrow 2pm" tags=domestic_abuse '
    "known=olivia.bennett,tessa.morgan referrer=callum.fraser"
)
SLACK_NOTICES = "C0NOTICES01"
GP = "tessa.morgan@northvale-health.nhs.example"
SCHOOL = "callum.fraser@northvale-schools.example"
LINK = re.compile(r"^Accept: (http://127\.0\.0\.1:\d+/answer/([A-Za-z0-9_-]{43}))\r?$", re.M)
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def environment(
    tmp_path: Path, teams: FakeBotFramework, entra: FakeEntra, slack: FakeSlack, inbox: Inbox
) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "TEAMS_", "DATABASE", "SMTP_", "GRAPH_"))
    }
    return env | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(inbox.port),
        "SMTP_STARTTLS": "false",
        "SMTP_SENDER": "strategy-bot@northvale.gov.example",
        "TEAMS_APP_ID": APP_ID,
        "TEAMS_APP_PASSWORD": APP_PASSWORD,
        "TEAMS_TENANT_ID": TENANT_ID,
        "TEAMS_SERVICE_URL": teams.service_url,
        "TEAMS_LOGIN_URL": entra.url,
        "TEAMS_OPENID_METADATA_URL": teams.openid_metadata_url,
        "TEAMS_NOTICES_CHANNEL": teams.channel("strategy-notices"),
        "REQUESTS_CA_BUNDLE": str(entra.ca_path),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_API_URL": slack.api_url,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_NOTICES_CHANNEL": SLACK_NOTICES,
    }


def say_in_teams(port: int, teams: FakeBotFramework, user: str, name: str, text: str) -> None:
    activity = {
        "type": "message",
        "id": f"mixed-{time.monotonic_ns()}",
        "channelId": "msteams",
        "serviceUrl": teams.service_url,
        "from": {"id": user, "name": name},
        "recipient": BOT_ACCOUNT,
        "conversation": {
            "id": teams.personal_chat(user),
            "conversationType": "personal",
            "tenantId": TENANT_ID,
        },
        "channelData": {"tenant": {"id": TENANT_ID}},
        "text": text,
    }
    signed = {"Authorization": f"Bearer {teams.token()}"}
    response = httpx.post(
        f"http://127.0.0.1:{port}/api/messages", json=activity, headers=signed, timeout=60
    )
    assert response.status_code == 200, response.text


def slash_in_slack(port: int, slack: FakeSlack, user: str, text: str, name: str) -> None:
    body = urlencode(
        {
            "command": "/strategy",
            "text": text,
            "user_id": user,
            "trigger_id": f"1.2.{name}",
            "response_url": slack.response_url(name),
        }
    )
    stamp = str(int(time.time()))
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=stamp, body=body)
    response = httpx.post(
        f"http://127.0.0.1:{port}/slack/events",
        content=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature,
        },
        timeout=60,
    )
    assert response.status_code == 200, response.text


def teams_text(teams: FakeBotFramework, user: str) -> str:
    return "\n".join(str(p.cards) for p in teams.messages_in(teams.personal_chat(user)))


def chair_view(teams: FakeBotFramework) -> str:
    return teams_text(teams, "29:1asha-patel")


def invitations(inbox: Inbox, address: str) -> list[EmailMessage]:
    return [m for m in inbox.to(address) if "your invitation" in str(m["Subject"])]


def link_in(email: EmailMessage, label: str = "Accept") -> tuple[str, str]:
    """The (address, token) of the email's link for `label`, from its text part."""
    part = email.get_body(("plain",))
    assert part is not None
    pattern = re.compile(LINK.pattern.replace("Accept", label), re.M)
    found = pattern.search(str(part.get_content()))
    assert found is not None, part.get_content()
    return found.group(1), found.group(2)


def answer_by_link(url: str, intent: str, **fields: str) -> httpx.Response:
    """Open the link (GET), then send the page's form for `intent` with its CSRF token."""
    with httpx.Client(timeout=60) as browser:
        page = browser.get(url)
        assert page.status_code == 200, page.text
        assert f'name="intent" value="{intent}"' in page.text, page.text
        csrf = CSRF.search(page.text)
        assert csrf is not None
        form = {"csrf": csrf.group(1), "intent": intent, **fields}
        answered = browser.post(url, data=form)
        assert answered.status_code == 303, answered.text
        assert answered.headers["location"] == f"?done={intent}"
        return browser.get(url + answered.headers["location"])


def slack_text(slack: FakeSlack, user: str) -> str:
    return "\n".join(f"{p.text} {p.words}" for p in slack.conversation(slack.dm_channel(user)))


@pytest.mark.slow
def test_one_process_reaches_teams_slack_and_email_people(tmp_path: Path) -> None:
    with running_inbox() as inbox:
        play_the_mixed_deployment(tmp_path, inbox)


def play_the_mixed_deployment(tmp_path: Path, inbox: Inbox) -> None:
    entra = FakeEntra(tmp_path)
    teams = FakeBotFramework(entra)
    slack = FakeSlack().start()
    try:
        env = environment(tmp_path, teams, entra, slack, inbox)
        port = free_port()
        env["PUBLIC_URL"] = f"http://127.0.0.1:{port}"
        with serving(tmp_path, env, stderr=tmp_path / "stderr.log", port=port):
            # The social worker convenes from Teams.
            say_in_teams(port, teams, "29:1ben-okafor", "Ben Okafor", CONVENE)
            wait_until(lambda: "waiting for the statutory partners" in chair_view(teams))
            chair = chair_view(teams)
            assert "[reached by email]" in chair  # the GP and the school
            assert "[reached by Slack, then email]" in chair  # the police
            # The police officer is invited in Slack, the health visitor in Teams.
            wait_until(lambda: "You are invited" in slack_text(slack, "U0NVMP20005"))
            assert "You are invited" in teams_text(teams, "29:1olivia-bennett")
            # The GP and the school, by email only: told how to answer.
            wait_until(lambda: bool(inbox.to(GP)) and bool(inbox.to(SCHOOL)))
            [gp] = invitations(inbox, GP)
            assert gp["Subject"] == "Strategy discussion: your invitation (NV-40213)"
            assert gp["Reply-To"] == "asha.patel@northvale.gov.example"
            # Each platform's notice goes to its own notices channel, the reference only.
            wait_until(lambda: bool(slack.conversation(SLACK_NOTICES)))
            assert "NV-40213" in slack.conversation(SLACK_NOTICES)[0].text
            notices = teams.channel("strategy-notices")
            wait_until(lambda: any("NV-40213" in str(p.cards) for p in teams.messages_in(notices)))
            # Nobody on chat got the chat invitation by email.
            assert not invitations(inbox, "megan.price@northvale.police.example")

            # The police officer accepts in Slack: the chair's view in Teams shows it.
            slash_in_slack(port, slack, "U0NVMP20005", "accept NV-40213", "accept")
            wait_until(lambda: "Megan Price, Northvale Police (police" in chair_view(teams))
            wait_until(lambda: "accepted" in chair_view(teams).split("Megan Price, ", 1)[1][:80])
            # The GP's invitation did not change: no second email about it.
            assert len(invitations(inbox, GP)) == 1

            # The GP accepts through the link in her email: health is confirmed, and with
            # social care and police the chair's view in Teams says it can go ahead.
            url, _ = link_in(gp)
            thanked = answer_by_link(url, "accept")
            assert "You accepted the invitation." in thanked.text
            wait_until(lambda: "can go ahead" in chair_view(teams))
            assert "accepted [reached by email]" in chair_view(teams)
            # The school declines through its link, with a reason the chair sees.
            [school] = invitations(inbox, SCHOOL)
            url, _ = link_in(school, "Decline")
            answer_by_link(url, "decline", reason="Inset day: no staff available on Tuesday")
            wait_until(lambda: "Inset day: no staff available" in chair_view(teams))
            # Her answer changed her own invitation: one more email, with new links.
            wait_until(lambda: len(invitations(inbox, GP)) == 2)
            assert "you accepted" in str(invitations(inbox, GP)[1].get_body(("plain",)))
    finally:
        slack.stop()
        teams.stop()
        entra.stop()


@pytest.mark.slow
def test_the_gp_closes_her_action_through_the_link_in_its_email(tmp_path: Path) -> None:
    """The link in the email is bound to her and the action with the owner's intents and
    stored only hashed; she closes the action on its page, through the served process."""
    entra = FakeEntra(tmp_path)
    teams = FakeBotFramework(entra)
    slack = FakeSlack().start()
    try:
        with running_inbox() as inbox:
            env = environment(tmp_path, teams, entra, slack, inbox)
            port = free_port()
            env["PUBLIC_URL"] = f"http://127.0.0.1:{port}"
            with serving(tmp_path, env, stderr=tmp_path / "stderr.log", port=port):
                say_in_teams(port, teams, "29:1ben-okafor", "Ben Okafor", CONVENE)
                wait_until(lambda: "waiting for the statutory partners" in chair_view(teams))
                say_in_teams(
                    port,
                    teams,
                    "29:1asha-patel",
                    "Asha Patel",
                    '/strategy action NV-40213 owner=tessa.morgan due="in 3 working days" '
                    'text="Share what the practice knows about the family"',
                )
                wait_until(lambda: any("an action" in str(m["Subject"]) for m in inbox.to(GP)))
                [email] = [m for m in inbox.to(GP) if "an action" in str(m["Subject"])]
                assert email["Subject"] == "Strategy discussion: an action for you (NV-40213/A1)"
                close, token = link_in(email, "Close")
                assert link_in(email, "More time")[0] == link_in(email, "Snooze")[0] == close
                engine = create_engine(f"sqlite:///{tmp_path / 'bot.db'}")
                with Session(engine) as session:
                    row = find_link(session, token, datetime.now(UTC))
                    assert row is not None and row.item == LinkItem.ACTION
                    assert row.contact.key == "tessa.morgan" and row.action is not None
                    assert sorted(row.intents) == ["close", "more-time", "snooze"]
                    assert row.token_hash != token
                # She closes it on its page (GET, then the form with its CSRF token).
                with httpx.Client(timeout=60) as browser:
                    page = browser.get(close)
                    assert page.status_code == 200 and "NV-40213/A1" in page.text
                    csrf = CSRF.search(page.text)
                    assert csrf is not None
                    form = {"csrf": csrf.group(1), "intent": "close"}
                    done = browser.post(close, data={**form, "outcome": "Summary sent to DC Price"})
                    assert done.status_code == 200 and "is closed" in done.text, done.text
                with Session(engine) as session:
                    action = session.scalars(select(models.Action)).one()
                    assert action.status == models.ActionStatus.CLOSED
                    assert find_link(session, token, datetime.now(UTC)) is None  # closed: dead
                engine.dispose()
            assert token not in (tmp_path / "stderr.log").read_text()  # never logged
    finally:
        slack.stop()
        teams.stop()
        entra.stop()


@pytest.mark.slow
def test_socket_mode_runs_alongside_the_teams_endpoint(tmp_path: Path) -> None:
    socket = FakeSocketMode()
    entra = FakeEntra(tmp_path)
    teams = FakeBotFramework(entra)
    slack = FakeSlack(socket_url=socket.url).start()
    try:
        with running_inbox() as inbox:
            env = environment(tmp_path, teams, entra, slack, inbox)
            del env["SLACK_SIGNING_SECRET"]
            env["SLACK_APP_TOKEN"] = "xapp-1-test"
            with serving(tmp_path, env, stderr=tmp_path / "stderr.log") as port:
                # Slack's command comes over the app's own WebSocket...
                socket.send(
                    {
                        "envelope_id": "mixed-1",
                        "type": "slash_commands",
                        "accepts_response_payload": True,
                        "payload": {
                            "command": "/strategy",
                            "text": "status",
                            "user_id": "U0NVMP20005",
                            "trigger_id": "1.socket.mixed",
                            "response_url": slack.response_url("socket"),
                        },
                    }
                )
                assert socket.reply("mixed-1") == {"envelope_id": "mixed-1"}
                wait_until(lambda: bool(slack.replies("socket")))
                # ...while Teams is served over HTTP by the same process.
                say_in_teams(port, teams, "29:1asha-patel", "Asha Patel", "status")
                wait_until(lambda: "no upcoming" in teams_text(teams, "29:1asha-patel"))
            opened = [c for c in slack.calls if c.method == "apps.connections.open"]
            assert [c.token for c in opened] == ["xapp-1-test"]
    finally:
        slack.stop()
        teams.stop()
        entra.stop()
