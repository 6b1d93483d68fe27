"""What the outbox counts for Prometheus: undeliverable, refused and retried, by channel."""

from __future__ import annotations

from prometheus_client import REGISTRY

from bot import metrics
from bot.app import Bot
from bot.messages import Kind, Message, Outgoing
from bot.ports import DeliveryFailed
from bot.unit import unit_of_work
from tests.helpers import CONVENE, say
from tests.outbox.test_delivery import Refusing


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Down:
    """A channel that is down: every attempt fails, to be tried again later."""

    name = "slack"

    def send(self, outgoing: Outgoing, earlier: str | None) -> str:
        raise DeliveryFailed("503 Service Unavailable")


def test_undeliverable_refused_and_retried_are_counted_and_shown(bot: Bot) -> None:
    before = {
        "lost": value("strategy_bot_undeliverable_total", kind="invitation"),
        "refused": value("strategy_bot_delivery_refused_total", channel="email"),
        "retried": value("strategy_bot_delivery_retried_total", channel="slack"),
    }
    slack, email = Refusing("slack", {"megan.price"}), Refusing("email", {"megan.price"})
    say(Bot(bot.core, slack, channels=[slack, email]), "ben.okafor", CONVENE)
    down = Bot(bot.core, Down())
    with unit_of_work(bot.core) as unit:
        unit.emit([Outgoing("olivia.bennett", Message(Kind.NOTICE, "later"))])
    down.send()

    assert value("strategy_bot_undeliverable_total", kind="invitation") == before["lost"] + 1
    assert value("strategy_bot_delivery_refused_total", channel="email") == before["refused"] + 1
    assert value("strategy_bot_delivery_retried_total", channel="slack") > before["retried"]
    metrics.watch(bot.core)
    scraped = metrics.exposition().decode()
    assert "strategy_bot_outbox_undeliverable 1.0" in scraped
    waiting = [
        line for line in scraped.splitlines() if line.startswith("strategy_bot_outbox_retrying ")
    ]
    assert waiting and float(waiting[0].split()[1]) >= 1
    assert 'strategy_bot_undeliverable_total{kind="invitation"}' in scraped
