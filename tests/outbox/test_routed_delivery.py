"""The outbox routed per person (bot/routing.py): what `serve` does with several platforms."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlalchemy import select

from bot.app import Bot
from bot.messages import Delivery, Kind, Message, Outgoing
from bot.ports import Unreachable
from bot.routing import Router
from bot.storage.outbox_models import OutboxRow, OutboxStatus, ThreadBinding
from bot.unit import unit_of_work
from tests.helpers import CONVENE, say


@dataclass
class Taking:
    """A channel double: refuses the people in `refuse` for good, takes everyone else."""

    name: str
    refuse: set[str] = field(default_factory=set)
    sent: list[tuple[Outgoing, str | None]] = field(default_factory=list)

    def send(self, outgoing: Outgoing, earlier: str | None) -> str:
        if outgoing.to in self.refuse:
            raise Unreachable(f"{outgoing.to} is not on {self.name}")
        self.sent.append((outgoing, earlier))
        return f"{self.name}-{len(self.sent)}"

    def to(self, who: str) -> list[str]:
        return [o.message.text for o, _ in self.sent if o.to == who]


def routed(bot: Bot, *channels: Taking, copying: bool = False) -> Bot:
    directory = bot.core.directory
    if copying:
        partnership = replace(directory.partnership, email_copy_of_invitations=True)
        directory = replace(directory, partnership=partnership)
    out = Bot(bot.core, channels[0])
    out.reach_through(channels, Router(directory, [c.name for c in channels]))
    return out


def emit(bot: Bot, *outgoing: Outgoing) -> None:
    with unit_of_work(bot.core) as unit:
        unit.emit(outgoing)
    bot.send()


def out(to: str, kind: Kind = Kind.NOTICE, thread: str | None = None) -> Outgoing:
    return Outgoing(to, Message(kind, f"to {to}"), thread=thread)


def test_each_message_goes_to_the_first_channel_of_its_route_that_reaches_the_person(
    bot: Bot,
) -> None:
    teams, slack, email = Taking("teams", {"asha.patel"}), Taking("slack"), Taking("email")
    mixed = routed(bot, teams, slack, email)
    emit(mixed, out("ben.okafor"), out("megan.price"), out("tessa.morgan"), out("asha.patel"))
    assert [o.to for o, _ in teams.sent] == ["ben.okafor"]
    # Asha is not on Teams after all (app not installed): Slack is next in her order.
    assert [o.to for o, _ in slack.sent] == ["megan.price", "asha.patel"]
    assert [o.to for o, _ in email.sent] == ["tessa.morgan"]


def test_an_email_update_gets_the_reference_kept_in_thread_binding(bot: Bot) -> None:
    teams, slack, email = Taking("teams"), Taking("slack"), Taking("email")
    mixed = routed(bot, teams, slack, email)
    emit(mixed, out("tessa.morgan", Kind.INVITATION, "invitation:1"))
    emit(mixed, out("tessa.morgan", Kind.INVITATION, "invitation:1"))
    assert [earlier for _, earlier in email.sent] == [None, "email-1"]
    with bot.core.sessions() as session:
        [binding] = session.scalars(select(ThreadBinding)).all()
    assert (binding.recipient, binding.channel, binding.reference) == (
        "tessa.morgan",
        "email",
        "email-2",
    )


def test_a_notice_goes_to_every_chat_platform_and_not_by_email(bot: Bot) -> None:
    teams, slack, email = Taking("teams"), Taking("slack"), Taking("email")
    mixed = routed(bot, teams, slack, email)
    emit(mixed, Outgoing("strategy-discussions", Message(Kind.NOTICE, "NV-1"), Delivery.CHANNEL))
    assert teams.to("strategy-discussions") == slack.to("strategy-discussions") == ["NV-1"]
    assert email.sent == []


def test_an_invitation_copy_by_email_is_a_row_of_its_own_with_its_own_thread(bot: Bot) -> None:
    teams, email = Taking("teams"), Taking("email")
    mixed = routed(bot, teams, email, copying=True)
    emit(mixed, out("olivia.bennett", Kind.INVITATION, "invitation:2"))
    emit(mixed, out("olivia.bennett", Kind.INVITATION, "invitation:2"))
    assert [earlier for _, earlier in teams.sent] == [None, "teams-1"]
    # The copy's versions update each other, apart from the chat thread's.
    assert [earlier for _, earlier in email.sent] == [None, "email-1"]
    assert [o.thread for o, _ in email.sent] == ["invitation:2|copy:email"] * 2
    # Someone reached by email anyway gets no second copy; nor does a chat message.
    emit(mixed, out("tessa.morgan", Kind.INVITATION, "invitation:3"), out("olivia.bennett"))
    assert [o.to for o, _ in email.sent] == ["olivia.bennett", "olivia.bennett", "tessa.morgan"]
    with bot.core.sessions() as session:
        rows = session.scalars(select(OutboxRow)).all()
    assert {r.status for r in rows} == {OutboxStatus.SENT} and len(rows) == 6


def test_an_email_only_person_the_mail_server_refuses_is_named_to_the_chair(bot: Bot) -> None:
    teams, slack = Taking("teams"), Taking("slack")
    email = Taking("email", {"tessa.morgan"})
    mixed = routed(bot, teams, slack, email)
    say(mixed, "ben.okafor", CONVENE.replace("known=olivia.bennett", "known=tessa.morgan"))
    assert email.to("tessa.morgan") == []
    told = "\n".join(teams.to("asha.patel"))
    assert (
        "Tessa Morgan cannot be reached" in told and "email: tessa.morgan is not on email" in told
    )
