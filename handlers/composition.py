"""One process, every way out: Slack, Teams and email around one core.

`compose` sets up whichever chat platforms are configured on one web app, plus
email, around ONE Bot: each platform's adapter translates its payloads into
that Bot's entry points, so the process has one deliverer, one background
delivery after a request (`Bot.kick`), one sweep and one sweep lock, whatever
the platforms. The deliverer sends each message on the channels of its
recipient's route (bot/routing.py), the next when one cannot reach them, and
tells the chair when none is left; an invitation's email copy is a row of its
own; each platform posts channel notices to its own notices channel. A command
typed in Slack can so invite someone in Teams and a GP by email, and one
sweeper does the scheduled work for them all (it takes the one lock,
bot/jobs.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import FastAPI

from bot.app import Bot
from bot.core import Core
from bot.ports import Channel, LinkMaker
from bot.record.circulation import mailer_of
from bot.routing import CHAT_CHANNELS, EMAIL, SLACK, TEAMS, Router, configured_channels
from handlers.email.channel import EmailChannel
from handlers.slack.app import SlackApp
from handlers.slack.runtime import slack_for
from handlers.slack.settings import SlackSettings
from handlers.teams.settings import TeamsSettings

if TYPE_CHECKING:
    from handlers.teams.bot import TeamsBot


@dataclass
class Composed:
    """Everything one process runs: the platforms, the channels and the routing."""

    core: Core
    router: Router
    channels: dict[str, Channel]
    bot: Bot  # the process's one Bot: every platform's adapter, the answer pages, the sweeper
    slack: SlackApp | None = None
    teams: TeamsBot | None = None

    def due_work(self) -> int:
        """Run the scheduled work that has fallen due (the one sweeper calls this)."""
        return self.bot.run_due_work()

    def close(self) -> None:
        if self.slack is not None:
            self.slack.close()


def compose(
    core: Core,
    web: FastAPI | None,
    *,
    slack: SlackSettings | None = None,
    teams: TeamsSettings | None = None,
    mount_slack: bool = True,
    links: LinkMaker | None = None,
) -> Composed:
    """Set up each configured platform around `core`, with email and the routing between
    them. Teams mounts on `web`; Slack too, unless not `mount_slack` (Socket Mode). `links`
    (bot/links/buttons.py, when PUBLIC_URL is set) puts the answer pages' links in emails."""
    router = Router(core.directory, configured_channels(slack is not None, teams is not None))
    core.reach_channels = router.configured
    channels: dict[str, Channel] = {}

    def has_chat(contact_key: str) -> bool:
        return any(name in CHAT_CHANNELS for name in router.channels(contact_key))

    channels[EMAIL] = EmailChannel(core.directory, mailer_of(core), has_chat, links)
    # The one Bot; its channels are set once every platform's Channel exists (below).
    bot = Bot(core, channels[EMAIL])
    teams_bot = None
    if teams is not None:
        if web is None:
            raise ValueError("Teams needs the web app for /api/messages")
        # Imported here: the Teams SDK takes seconds to import, and only Teams needs it.
        from handlers.teams.bot import TeamsBot

        teams_bot = TeamsBot(core, teams, web, bot=bot)
        channels[TEAMS] = teams_bot.chat
    slack_app = None
    if slack is not None:
        slack_app = slack_for(core, slack, bot=bot)
        if web is not None and mount_slack:
            slack_app.mount(web)
        channels[SLACK] = slack_app.chat
    if teams_bot is None and slack_app is None:
        raise ValueError("no chat platform to serve")
    # The deliverer's channels in the default order (Teams, Slack, email), routed per person.
    ways = [channels[name] for name in (TEAMS, SLACK, EMAIL) if name in channels]
    bot.reach_through(ways, router)
    return Composed(core, router, channels, bot, slack_app, teams_bot)
