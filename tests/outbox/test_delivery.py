"""The outbox: nothing the bot means to say is lost, sent twice, or silently dropped."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import Bot
from bot.messages import Button, Delivery, Kind, Message, Outgoing
from bot.outbox.codec import decode_message, encode_message
from bot.outbox.deliver import Deliverer
from bot.outbox.retry import MAX_RETRY, retry_delay
from bot.outbox.rows import stuck
from bot.ports import DeliveryFailed, Unreachable
from bot.storage import models
from bot.storage.outbox_models import OutboxRow, OutboxStatus
from bot.unit import unit_of_work
from scheduling.clock import SimulatedClock
from tests.helpers import CONVENE, counting_checkouts, say

# --- the next channel, and the chair told when none is left ------------------------------


@dataclass
class Refusing:
    """A channel double: refuses `nobody` for good, takes everyone else."""

    name: str
    nobody: set[str]
    sent: list[Outgoing] = field(default_factory=list)

    def send(self, outgoing: Outgoing, earlier: str | None) -> str:
        if outgoing.to in self.nobody:
            raise Unreachable(f"{self.name} does not know them (users_not_found)")
        self.sent.append(outgoing)
        return f"{self.name}-{len(self.sent)}"

    def texts(self, who: str) -> list[str]:
        return [o.message.text for o in self.sent if o.to == who]


def test_user_not_found_falls_to_the_next_channel_and_the_chair_is_told_when_none_is_left(
    bot: Bot,
) -> None:
    chat = Refusing("slack", {"olivia.bennett", "megan.price"})
    email = Refusing("email", {"megan.price"})
    routed = Bot(bot.core, chat, channels=[chat, email])
    say(routed, "ben.okafor", CONVENE)

    # Olivia has no Slack: her invitation went by email instead, and that is recorded.
    assert chat.texts("olivia.bennett") == []
    assert any("You are invited" in t for t in email.texts("olivia.bennett"))
    # Megan can be reached nowhere: the chair hears at once, with how to fix it.
    assert chat.texts("megan.price") == email.texts("megan.price") == []
    told = "\n".join(chat.texts("asha.patel"))
    assert "Megan Price cannot be reached" in told
    assert "slack: slack does not know them" in told and "email: email does not know" in told
    assert "add a chat id" in told and "email address" in told
    with bot.core.sessions() as session:
        [lost] = [m for m in stuck(session) if m.status == OutboxStatus.UNDELIVERABLE]
        events = [e.event for e in session.scalars(select(models.AuditEvent))]
    assert (lost.recipient, lost.kind, lost.case) == ("megan.price", "invitation", "NV-40213")
    assert events.count("delivery_refused") == 3 and events.count("undeliverable") == 1


def test_when_the_chair_cannot_be_reached_the_convenor_is_told(bot: Bot) -> None:
    chat = Refusing("slack", {"asha.patel"})
    email = Refusing("email", {"asha.patel"})
    routed = Bot(bot.core, chat, channels=[chat, email])
    say(routed, "ben.okafor", CONVENE)

    assert chat.texts("asha.patel") == email.texts("asha.patel") == []
    told = "\n".join(chat.texts("ben.okafor"))
    assert "Asha Patel cannot be reached" in told and "add a chat id" in told


def test_updates_go_where_the_first_message_went_even_after_a_restart(bot: Bot) -> None:
    slack = Refusing("slack", {"olivia.bennett"})
    email = Refusing("email", set())
    first = Bot(bot.core, slack, channels=[slack, email])
    say(first, "ben.okafor", CONVENE)
    # A new process, preferring email for everyone: threads stay where they started.
    slack2, email2 = Refusing("slack", set()), Refusing("email", set())
    again = Bot(bot.core, email2, channels=[email2, slack2])
    say(again, "megan.price", "/strategy accept NV-40213")
    assert any("accepted" in t for t in slack2.texts("megan.price"))  # her invitation, updated
    assert any("statutory partners" in t for t in slack2.texts("asha.patel"))  # the quorum view
    assert email2.texts("megan.price") == []


# --- claims: never the same row twice ---------------------------------------------------


@dataclass
class Slow:
    name: str = "console"
    delay: float = 0.002
    sent: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, outgoing: Outgoing, earlier: str | None) -> str:
        time.sleep(self.delay)
        with self.lock:
            self.sent.append(outgoing.message.text)
        return ""


def test_two_deliverers_with_several_senders_never_send_the_same_row(bot: Bot) -> None:
    count = 120
    with unit_of_work(bot.core) as unit:
        unit.emit(
            [Outgoing(f"person-{n}", Message(Kind.NUDGE, f"nudge {n}")) for n in range(count)]
        )
    channel = Slow()
    replicas = [Deliverer(bot.core, [channel], workers=3) for _ in range(2)]
    threads = [threading.Thread(target=d.deliver_due) for d in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    counts = Counter(channel.sent)
    assert len(counts) == count and set(counts.values()) == {1}
    with bot.core.sessions() as session:
        statuses = Counter(r.status for r in session.scalars(select(OutboxRow)))
    assert statuses[OutboxStatus.PENDING] == 0


def test_an_older_version_not_yet_sent_is_superseded_by_the_newer(bot: Bot) -> None:
    with unit_of_work(bot.core) as unit:
        unit.emit([Outgoing("asha.patel", Message(Kind.QUORUM, "one of three"), thread="q:1")])
    with unit_of_work(bot.core) as unit:
        unit.emit([Outgoing("asha.patel", Message(Kind.QUORUM, "two of three"), thread="q:1")])
    channel = Slow()
    Deliverer(bot.core, [channel]).deliver_due()
    assert channel.sent == ["two of three"]


# --- small parts ------------------------------------------------------------------------


def test_a_message_comes_back_from_its_row_as_it_was() -> None:
    when = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    original = Message(
        Kind.INVITATION,
        "You are invited",
        "messages/invitation.txt.j2",
        {"case": "NV-40213", "at": when, "people": [{"name": "A", "due": when.date()}]},
        (Button("accept", "NV-40213", "Accept", "/strategy accept NV-40213", True),),
        {"headline": "You are invited"},
    )
    assert decode_message(encode_message(original)) == original


def test_retries_double_to_a_ceiling_and_honour_retry_after() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [5, 10, 20]
    assert retry_delay(40) == MAX_RETRY
    assert retry_delay(3, retry_after=120) == timedelta(seconds=120)


def test_a_channel_post_with_no_channel_is_listed_not_told(bot: Bot, clock: SimulatedClock) -> None:
    nowhere = Refusing("console", {"strategy-discussions"})
    routed = Bot(bot.core, nowhere)
    with unit_of_work(bot.core) as unit:
        unit.emit([Outgoing("strategy-discussions", Message(Kind.NOTICE, "x"), Delivery.CHANNEL)])
    routed.send()
    with bot.core.sessions() as session:
        [lost] = stuck(session)
    assert lost.status == OutboxStatus.UNDELIVERABLE and nowhere.sent == []


def test_a_channel_notice_no_platform_posts_is_listed_and_the_chair_is_told(bot: Bot) -> None:
    chat = Refusing("teams", set())
    # No platform here posts notices (none has a notices channel): Router.notices() is empty.
    routed = Bot(bot.core, chat, channels=[chat], notices=lambda: [])
    say(routed, "ben.okafor", CONVENE)
    with bot.core.sessions() as session:
        [lost] = [m for m in stuck(session) if m.status == OutboxStatus.UNDELIVERABLE]
        events = [e.event for e in session.scalars(select(models.AuditEvent))]
    assert (lost.recipient, lost.kind, lost.case) == ("strategy-discussions", "notice", "NV-40213")
    assert "no platform in this process posts notices" in (lost.problem or "")
    assert events.count("undeliverable") == 1
    told = "\n".join(chat.texts("asha.patel"))
    assert "Case NV-40213: the notice to #strategy-discussions was not posted" in told
    assert "SLACK_NOTICES_CHANNEL" in told and "TEAMS_NOTICES_CHANNEL" in told
    # Told once, and the alert is not itself about a person who cannot be reached.
    assert told.count("was not posted") == 1 and "cannot be reached" not in told


def test_a_channel_notice_every_platform_refuses_tells_the_chair(bot: Bot) -> None:
    teams = Refusing("teams", {"strategy-discussions"})
    routed = Bot(bot.core, teams, channels=[teams], notices=lambda: ["teams"])
    say(routed, "ben.okafor", CONVENE)
    told = "\n".join(teams.texts("asha.patel"))
    assert "the notice to #strategy-discussions was not posted" in told
    assert "teams: teams does not know them" in told


@dataclass
class Faulty(Refusing):
    """Refuses `nobody` for good, fails for `down` (tried again later), takes the rest."""

    down: set[str] = field(default_factory=set)

    def send(self, outgoing: Outgoing, earlier: str | None) -> str:
        if outgoing.to in self.down:
            raise DeliveryFailed("the platform is down for them")
        return super().send(outgoing, earlier)


def test_a_sender_never_holds_two_connections_from_the_pool(bot: Bot) -> None:
    """Sent, failed and refused rows are all marked on the sender's one connection:
    senders that each held one and waited for a second could use up the pool and hang."""
    chat = Faulty("slack", {"megan.price"}, down={"olivia.bennett"})
    routed = Bot(bot.core, chat, channels=[chat])
    assert routed.command(bot.core.directory.contact("ben.okafor"), CONVENE, send=False).ok
    with counting_checkouts(bot.core.sessions.kw["bind"]) as connections:
        assert routed.deliverer.deliver_due() > 3
    assert connections.peak == 1
    with bot.core.sessions() as session:
        rows = session.scalars(select(OutboxRow)).all()
        statuses = Counter(r.status for r in rows)
    # The invitations went (threaded: marked with their binding), Olivia's waits to be
    # tried again, Megan's is undeliverable and the chair's notice of it went too.
    assert statuses[OutboxStatus.SENT] >= 3
    assert statuses[OutboxStatus.UNDELIVERABLE] == 1
    assert [r.recipient for r in rows if r.status == OutboxStatus.PENDING] == ["olivia.bennett"]
    assert any("Megan Price cannot be reached" in t for t in chat.texts("asha.patel"))
