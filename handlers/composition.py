"""One process, every way out: Slack, Teams and email around one core.

`compose` sets up whichever chat platforms are configured on one web app, plus
email, and one delivering ChatPort that routes each message to the channel that
reaches its recipient (bot/routing.py). Every platform's Bot shares the core
and that ChatPort, so a command typed in Slack can invite someone in Teams and
a GP by email, and one sweeper does the scheduled work for them all (it takes
the one lock, bot/jobs.py). Each platform posts channel notices to its own
notices channel.

For the durable outbox's deliverer: `Composed.channels` (a Channel per name)
and `Composed.router.channels` (the route) are what it needs; it replaces
`FirstRouteChat` (handlers/first_route.py) as the core's way out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import FastAPI
from slack_sdk.errors import SlackApiError

from bot.app import Bot
from bot.core import Core
from bot.messages import Outgoing
from bot.ports import Channel, DeliveryFailed
from bot.record.circulation import mailer_of
from bot.routing import CHAT_CHANNELS, EMAIL, SLACK, TEAMS, Router, configured_channels
from handlers.email.channel import EmailChannel
from handlers.first_route import FirstRouteChat, PortChannel
from handlers.slack.app import SlackApp
from handlers.slack.runtime import slack_for
from handlers.slack.settings import SlackSettings
from handlers.teams.settings import TeamsSettings

if TYPE_CHECKING:
    from handlers.teams.bot import TeamsBot

# Whether a platform can reach a message's recipient at all.
PortReach = Callable[[Outgoing], bool]


@dataclass
class Composed:
    """Everything one process runs: the platforms, the channels and the routing."""

    core: Core
    router: Router
    channels: dict[str, Channel]
    chat: FirstRouteChat
    bot: Bot  # the Bot answer pages and the sweeper use (every platform's shares the core)
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
) -> Composed:
    """Set up each configured platform around `core`, with email and the routing between
    them. Teams mounts on `web`; Slack too, unless not `mount_slack` (Socket Mode)."""
    router = Router(core.directory, configured_channels(slack is not None, teams is not None))
    core.reach_channels = router.configured
    channels: dict[str, Channel] = {}
    chat = FirstRouteChat(router, channels)

    def has_chat(contact_key: str) -> bool:
        return any(name in CHAT_CHANNELS for name in router.channels(contact_key))

    channels[EMAIL] = EmailChannel(core.directory, mailer_of(core), has_chat)
    bots: list[Bot] = []
    teams_bot = None
    if teams is not None:
        if web is None:
            raise ValueError("Teams needs the web app for /api/messages")
        # Imported here: the Teams SDK takes seconds to import, and only Teams needs it.
        from handlers.teams.bot import TeamsBot

        teams_bot = TeamsBot(core, teams, web, chat=chat)
        channels[TEAMS] = PortChannel(TEAMS, teams_bot.chat, _has_id(core, TEAMS))
        bots.append(teams_bot.bot)
    slack_app = None
    if slack is not None:
        slack_app = slack_for(core, slack, deliver_through=chat)
        if web is not None and mount_slack:
            slack_app.mount(web)
        channels[SLACK] = PortChannel(SLACK, slack_app.chat, _found_in_slack(slack_app))
        bots.append(slack_app.bot)
    if not bots:
        raise ValueError("no chat platform to serve")
    return Composed(core, router, channels, chat, bots[0], slack_app, teams_bot)


def _has_id(core: Core, platform: str) -> PortReach:
    def reaches(outgoing: Outgoing) -> bool:
        contact = core.directory.contact(outgoing.to)
        return contact is not None and bool(contact.chat_id(platform))

    return reaches


def _found_in_slack(slack: SlackApp) -> PortReach:
    """Slack reaches a person with a Slack id, or one found by their email address."""

    def reaches(outgoing: Outgoing) -> bool:
        try:
            return slack.chat.users.user_id(outgoing.to) is not None
        except SlackApiError as error:
            raise DeliveryFailed(
                f"Slack did not say whether {outgoing.to} is there: {error.response.get('error')}"
            ) from error

    return reaches
