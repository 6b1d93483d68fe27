"""Slack done right: signatures, retries, rate limits, escaping, and nothing for outsiders."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from pathlib import Path

import yaml
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import select

from bot.settings import Settings
from bot.storage import models
from bot.storage.outbox_models import OutboxRow, OutboxStatus
from fakes.slack import Posted
from scheduling.clock import SimulatedClock
from tests.conftest import MONDAY_0930
from tests.helpers import CONVENE, audit_events, count, invitation_statuses, table_counts
from tests.slack.harness import (
    NOTICES,
    SIGNING_SECRET,
    SlackTest,
    slack_test,
    text_input,
)

CONVENE_TEXT = CONVENE.removeprefix("/strategy ")
ACTION = (
    'action NV-40213 owner=megan.price due="in 2 working days" text="Complete a DASH assessment"'
)


def invitation(slack: SlackTest, who: str) -> Posted:
    return next(m for m in slack.dms(who) if "case nv-40213" in m.words.lower())


def everything(slack: SlackTest) -> tuple[dict[str, int], int]:
    """What a refused request must leave untouched: every table, and Slack."""
    return table_counts(slack.bot), len(slack.fake.calls_to("chat.postMessage"))


# --- signatures -------------------------------------------------------------------


def test_forged_and_stale_signatures_are_refused_and_nothing_happens(slack: SlackTest) -> None:
    body = "command=%2Fstrategy&text=status&user_id=U0NVBO10003&trigger_id=1.2.3"
    form = "application/x-www-form-urlencoded"
    before = everything(slack)
    forged = slack.post(body, form, secret="not-the-signing-secret")
    stale = slack.post(body, form, timestamp=int(time.time()) - 6 * 60)  # signed, 6 minutes old
    stamp = str(int(time.time()))
    tampered = slack.post(
        body.replace("status", "convene"),
        form,
        timestamp=int(stamp),
        signature=SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=stamp, body=body),
    )
    unsigned = slack.http.post(
        slack.server.url + "/slack/events", content=body, headers={"Content-Type": form}
    )
    assert [r.status_code for r in (forged, stale, tampered, unsigned)] == [401] * 4
    assert everything(slack) == before
    assert slack.fake.calls == [c for c in slack.fake.calls if c.method == "auth.test"]
    assert slack.post(body, form).status_code == 200  # the same request, properly signed


# --- Slack's retries ----------------------------------------------------------------


def test_a_retried_command_convenes_once(slack_db: SlackTest) -> None:
    slack = slack_db
    first = slack.command("ben.okafor", CONVENE_TEXT)
    after_first = everything(slack)
    again = slack.command("ben.okafor", CONVENE_TEXT, trigger=first.trigger, retry=1)
    assert again.response.status_code == 200
    assert everything(slack) == after_first
    assert len(slack.fake.replies(first.reply_name or "")) == 1


def test_retries_arriving_together_are_taken_on_once(slack_db: SlackTest) -> None:
    """Two copies at once (Slack retrying while the first is still being worked on)."""
    slack = slack_db
    trigger = slack.new_trigger()
    threads = [
        threading.Thread(
            target=slack.command,
            args=("ben.okafor", CONVENE_TEXT),
            kwargs={"trigger": trigger, "retry": retry},
        )
        for retry in (None, 1, 2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    slack.executor.wait_idle()
    assert count(slack.bot, models.Discussion) == 1
    assert [e for _, e, _ in audit_events(slack.bot)].count("convened") == 1
    assert len(slack.fake.replies(f"command-{trigger}")) == 1


def test_a_retried_button_and_form_act_once(slack_db: SlackTest) -> None:
    slack = slack_db
    slack.command("ben.okafor", CONVENE_TEXT)
    sent = slack.click(
        "olivia.bennett", "decline", "NV-40213", message=invitation(slack, "olivia.bennett")
    )
    slack.click(
        "olivia.bennett",
        "decline",
        "NV-40213",
        trigger=sent.trigger,
        retry=1,
        message=invitation(slack, "olivia.bennett"),
    )
    assert len(slack.fake.calls_to("views.open")) == 1
    form = slack.opened(sent)
    values = {"reason": {"reason": text_input("On leave until Friday")}}
    submit_trigger = slack.new_trigger()
    slack.submit("olivia.bennett", form, values, trigger=submit_trigger)
    after_first = everything(slack)
    slack.submit("olivia.bennett", form, values, trigger=submit_trigger, retry=1)
    slack.submit("olivia.bennett", form, values, trigger=submit_trigger, retry=2)
    assert everything(slack) == after_first
    assert [e for _, e, _ in audit_events(slack.bot)].count("declined") == 1
    assert [e for _, e, _ in audit_events(slack.bot)].count("fallback_invited") == 1


def test_a_retried_event_is_handled_once(slack_db: SlackTest) -> None:
    slack = slack_db
    slack.open_home("megan.price", event_id="Ev0HOME1")
    slack.open_home("megan.price", event_id="Ev0HOME1", retry=1)
    assert len(slack.fake.calls_to("views.publish")) == 1
    slack.open_home("megan.price", event_id="Ev0HOME2")  # opening it again is a new event
    assert len(slack.fake.calls_to("views.publish")) == 2


# --- rate limits and transient errors ------------------------------------------------


def test_rate_limits_and_server_errors_are_retried_by_the_client(slack: SlackTest) -> None:
    slack.fake.fail("chat.postMessage", 503, times=1)
    slack.fake.fail("chat.postMessage", 429, times=2, retry_after=0, error="ratelimited")
    slack.command("ben.okafor", CONVENE_TEXT)
    refused = [
        c.status for c in slack.fake.calls if c.method == "chat.postMessage" and c.status != 200
    ]
    assert refused == [503, 429, 429]
    for invitee in ("olivia.bennett", "bethany.cole", "megan.price"):
        assert "You are invited" in invitation(slack, invitee).words
    assert len(slack.fake.conversation(NOTICES)) == 1


def test_a_delivery_slack_keeps_refusing_is_retried_later_when_slack_says(slack: SlackTest) -> None:
    slack.command("ben.okafor", CONVENE_TEXT)
    slack.errors_allowed = True  # the failed sweep is logged
    slack.fake.fail("chat.postMessage", 429, times=3, retry_after=0)  # all the client's retries
    slack.fake.fail("chat.postMessage", 429, times=1, retry_after=120, error="ratelimited")
    slack.advance(timedelta(minutes=61))  # the health fallback falls due, and cannot be sent
    with slack.core.sessions() as session:
        fallback = session.scalars(
            select(models.ScheduledWork).where(
                models.ScheduledWork.kind == models.WorkKind.FALLBACK_CHECK,
                models.ScheduledWork.agency_kind == "health",
            )
        ).one()
        waiting = session.scalars(
            select(OutboxRow).where(
                OutboxRow.recipient == "zoe.fletcher", OutboxRow.status == OutboxStatus.PENDING
            )
        ).one()
    # The work is done and its invitation is kept in the outbox, to be sent when Slack said.
    assert fallback.status == models.WorkStatus.DONE
    assert "ratelimited" in (waiting.last_error or "")
    assert waiting.next_attempt_at == slack.clock.now() + timedelta(seconds=120)
    assert slack.dms("zoe.fletcher") == []
    slack.advance(timedelta(minutes=3))
    assert any("You are invited" in t for t in slack.dm_texts("zoe.fletcher"))


# --- what people type stays text ------------------------------------------------------


def test_typed_text_cannot_mention_everyone_or_disguise_a_link(slack: SlackTest) -> None:
    slack.command("ben.okafor", CONVENE_TEXT)
    sent = slack.click(
        "olivia.bennett", "decline", "NV-40213", message=invitation(slack, "olivia.bennett")
    )
    reason = (
        "<!channel> ask <@U0NVAP10001> & see <https://evil.example/x|the record> https://x.example"
    )
    slack.submit("olivia.bennett", slack.opened(sent), {"reason": {"reason": text_input(reason)}})

    notice = next(m for m in slack.dms("asha.patel") if "declined" in m.words)
    sent_json = json.dumps(notice.blocks) + notice.text
    for markup in ("<!channel>", "<@U0NVAP10001>", "<https://evil.example"):
        assert markup not in sent_json
    escaped = "&lt;!channel&gt; ask &lt;@U0NVAP10001&gt; &amp; see &lt;https://evil.example/x|"
    assert escaped in sent_json
    # verbatim: Slack leaves the bare URL (and any #channel or @name) as plain text.
    assert all(b["text"]["verbatim"] for b in notice.blocks if b["type"] == "section")
    assert reason in notice.words  # and the person reads exactly what was typed


# --- people who were not invited ------------------------------------------------------


def test_someone_not_invited_cannot_act_even_with_a_crafted_payload(slack: SlackTest) -> None:
    slack.command("ben.okafor", CONVENE_TEXT)
    slack.command("asha.patel", ACTION)
    statuses = invitation_statuses(slack.bot)
    before = everything(slack)

    # A button for a discussion Ian was never sent, pressed with a hand-made payload.
    sent = slack.click("ian.campbell", "accept", "NV-40213")
    (reply,) = slack.reply_texts(sent)
    assert "You have no upcoming strategy discussion for case NV-40213" in reply
    # A form that was never opened for him, submitted with the case in its metadata.
    sent = slack.click(
        "megan.price", "decline", "NV-40213", message=invitation(slack, "megan.price")
    )
    answer = slack.submit(
        "ian.campbell",
        slack.opened(sent),
        {"reason": {"reason": text_input("Crafted: decline on someone's behalf")}},
    ).json()
    assert answer["response_action"] == "update"
    assert "You have no upcoming strategy discussion for case NV-40213" in json.dumps(
        answer["view"]
    )
    # An action that is not his to close.
    sent = slack.click("ian.campbell", "close", "NV-40213/A1", home=True)
    answer = slack.submit(
        "ian.campbell",
        slack.opened(sent),
        {"outcome": {"outcome": text_input("Closed by a stranger")}},
    ).json()
    assert "NV-40213" in json.dumps(answer["view"]) and answer["response_action"] == "update"
    # And what he sees of it: nothing.
    status = slack.reply_texts(slack.command("ian.campbell", "status NV-40213"))[0]
    assert "You have no strategy discussion for case NV-40213" in status
    slack.open_home("ian.campbell")
    assert "NV-40213" not in json.dumps(slack.fake.homes[slack.user_id("ian.campbell")])

    assert invitation_statuses(slack.bot) == statuses
    assert everything(slack) == before
    assert slack.dms("ian.campbell") == []


def test_a_slack_user_outside_the_directory_is_told_and_can_do_nothing(slack: SlackTest) -> None:
    before = everything(slack)
    sent = slack.command("U0STRANGER", CONVENE_TEXT)
    (reply,) = slack.reply_texts(sent)
    assert "You are not in the partner directory" in reply
    slack.open_home("U0STRANGER")
    assert "not in the partner directory" in json.dumps(slack.fake.homes["U0STRANGER"])
    assert everything(slack) == before


# --- who is who ---------------------------------------------------------------------


def test_people_without_a_slack_id_in_the_directory_are_found_by_email(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """Megan has no Slack id in this directory: she is matched by her email, both ways."""
    sample = Path(__file__).resolve().parents[2] / "bot" / "data" / "sample_directory.yaml"
    data = yaml.safe_load(sample.read_text(encoding="utf-8"))
    for agency in data["agencies"]:
        for contact in agency["contacts"]:
            if contact["id"] == "megan.price":
                del contact["chat"]["slack"]
    directory = tmp_path / "directory.yaml"
    directory.write_text(yaml.safe_dump(data), encoding="utf-8")
    (tmp_path / "db.sqlite").write_bytes(sqlite_template.read_bytes())
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
        strategy_directory=directory,
        outbox_dir=tmp_path / "outbox",
    )
    emails = {"U0MEGANNEW": "Megan.Price@northvale.police.example", "U0IMPOSTOR": "x@y.example"}
    with slack_test("", SimulatedClock(MONDAY_0930), emails=emails, settings=settings) as slack:
        slack.command("ben.okafor", CONVENE_TEXT)
        lookups = slack.fake.calls_to("users.lookupByEmail")
        assert [c.args["email"] for c in lookups] == ["megan.price@northvale.police.example"]
        invited = slack.fake.conversation(slack.fake.dm_channel("U0MEGANNEW"))
        assert "You are invited" in invited[0].words

        slack.click("U0MEGANNEW", "accept", "NV-40213", message=invited[0])
        assert invitation_statuses(slack.bot)["megan.price"] == "accepted"
        # Someone whose Slack email matches nobody is not anyone.
        sent = slack.command("U0IMPOSTOR", "status NV-40213")
        assert "not in the partner directory" in slack.reply_texts(sent)[0]
        assert slack.fake.problems == []


# --- updates in place survive a restart ------------------------------------------------


def test_messages_are_updated_in_place_after_a_restart(slack_db: SlackTest) -> None:
    slack = slack_db
    slack.command("ben.okafor", CONVENE_TEXT)
    posted = invitation(slack, "megan.price")
    # A new process on the same database and workspace: nothing in memory.
    with slack_test(slack.database_url, slack.clock, fake=slack.fake) as restarted:
        restarted.click("megan.price", "accept", "NV-40213", message=posted)
        assert restarted.errors.records == []
    after = invitation(slack, "megan.price")
    assert (after.ts, after.edits) == (posted.ts, 1)
    assert "you accepted" in after.words
