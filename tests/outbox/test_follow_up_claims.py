"""When a sender claims again after a threaded row: on SQLite only if a newer version of
its thread waits (the mark says so, under the one write lock), on PostgreSQL always (one
may commit unseen between the mark and its commit). Counted with a before_cursor_execute
listener, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.app import Bot
from bot.messages import Delivery, Kind, Message, Outgoing
from bot.outbox.deliver import Deliverer
from bot.unit import unit_of_work
from tests.helpers import Ran, recorded_statements


@dataclass
class Referencing:
    """A channel double that returns a reference for each message, records the earlier
    reference it was given, and runs `meanwhile` once, while sending the first."""

    name: str = "console"
    sent: list[tuple[str, str, str | None]] = field(default_factory=list)
    meanwhile: Callable[[], None] | None = None

    def send(self, outgoing: Outgoing, earlier: str | None) -> str:
        self.sent.append((outgoing.to, outgoing.message.text, earlier))
        if self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            meanwhile()
        return f"ref-{len(self.sent)}"


def emit(bot: Bot, *outgoing: Outgoing) -> None:
    with unit_of_work(bot.core) as unit:
        unit.emit(outgoing)


def card(text: str, thread: str | None = "poll:7") -> Outgoing:
    return Outgoing("megan.price", Message(Kind.NOTICE, text), thread=thread)


def claims(ran: list[Ran]) -> int:
    """The claims among them: SQLite's read of due ids, PostgreSQL's one UPDATE."""
    return len([r for r in ran if "FROM outbox AS candidate" in r.sql])


def on_postgresql(bot: Bot) -> bool:
    return bool(bot.core.sessions.kw["bind"].dialect.name == "postgresql")


def test_a_threaded_row_with_nothing_newer_is_not_followed_by_a_claim_on_sqlite(
    bot: Bot,
) -> None:
    channel = Referencing()
    deliverer = Deliverer(bot.core, [channel], batch=8)
    emit(bot, card("first"))
    with recorded_statements(bot) as ran:
        assert deliverer.deliver_due() == 1
    assert channel.sent == [("megan.price", "first", None)]
    assert claims(ran) == (2 if on_postgresql(bot) else 1)


def test_an_unthreaded_row_is_not_followed_by_a_claim(bot: Bot) -> None:
    deliverer = Deliverer(bot.core, [Referencing()], batch=8)
    emit(bot, card("plain", thread=None))
    with recorded_statements(bot) as ran:
        assert deliverer.deliver_due() == 1
    assert claims(ran) == 1


def test_a_newer_version_written_while_the_first_is_sent_goes_next_in_order(bot: Bot) -> None:
    channel = Referencing()
    deliverer = Deliverer(bot.core, [channel], batch=8)
    emit(bot, card("first"))
    # Written (and committed) while the first version is on its way: not due until the
    # first is marked sent, and nobody delivers after writing it but this sender.
    channel.meanwhile = lambda: emit(bot, card("second"))
    with recorded_statements(bot) as ran:
        assert deliverer.deliver_due() == 2
    assert channel.sent == [
        ("megan.price", "first", None),
        ("megan.price", "second", "ref-1"),  # an update of the first, in place
    ]
    # The second found by the claim after the first; after the second, only PostgreSQL
    # claims once more.
    assert claims(ran) == (3 if on_postgresql(bot) else 2)


def test_a_notice_is_followed_by_a_claim_only_if_its_copies_were_written(bot: Bot) -> None:
    notice = Outgoing("notices", Message(Kind.NOTICE, "convened"), delivery=Delivery.CHANNEL)
    alone = Deliverer(bot.core, [Referencing()], batch=8)
    emit(bot, notice)
    with recorded_statements(bot) as ran:
        assert alone.deliver_due() == 1
    assert claims(ran) == 1  # one platform: no copies
    slack, teams = Referencing("slack"), Referencing("teams")
    both = Deliverer(bot.core, [slack, teams], batch=8, notices=lambda: ["slack", "teams"])
    emit(bot, notice)
    with recorded_statements(bot) as ran:
        assert both.deliver_due() == 2  # the notice, then its copy for Teams
    assert [len(slack.sent), len(teams.sent)] == [1, 1]
    assert claims(ran) == 2
