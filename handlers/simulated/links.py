"""Links for the simulation's email people: issued as the email channel issues them,
answered as the answer page answers.

`links(who, message)` issues the tokens an email of `message` would carry
(bot/links/buttons.py, the same rows as the email channel's link maker);
`open_link` does what the page's POST does: finds the token (it must still work,
be bound to that person and allow the intent), then `Bot.act(..., via="web")`
with the item's fields, and notes the link used.
"""

from __future__ import annotations

from bot.app import Bot
from bot.links.buttons import DatabaseLinks
from bot.links.tokens import find_link, mark_used
from bot.messages import Message
from bot.storage.db import transaction
from bot.storage.link_models import LinkToken

# The simulated deployment's PUBLIC_URL (nothing is served: the links are followed here).
SIMULATED_PUBLIC_URL = "https://strategy-bot.northvale.example"


class SimulatedLinks:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.maker = DatabaseLinks(bot.core, SIMULATED_PUBLIC_URL)
        self.cases: dict[str, str] = {}  # link -> the item's reference the page sends

    def links(self, who: str, message: Message) -> dict[str, str]:
        """intent -> link, for the buttons an email of `message` to `who` would carry."""
        found = self.maker.links(who, message)
        for button, link in found.items():
            self.cases[link] = button.value
        return {button.action: link for button, link in found.items()}

    def open_link(self, who: str, link: str, intent: str, fields: dict[str, str]) -> bool:
        """Answer as the page would; False when the link no longer works for it."""
        core = self.bot.core
        token = link.rsplit("/", 1)[-1]
        with core.sessions() as session:
            row = find_link(session, token, core.clock.now())
            if row is None or row.contact.key != who or intent not in row.intents:
                return False
            link_id = row.id
        actor = core.directory.contact(who)
        assert actor is not None, who
        answer = {**fields, "case": self.cases[link]}
        if not self.bot.act(actor, intent, answer, via="web").ok:
            return False
        with transaction(core.sessions) as session:
            used = session.get(LinkToken, link_id)
            if used is not None:
                mark_used(used, core.clock.now())
        return True
