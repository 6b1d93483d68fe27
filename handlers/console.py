"""The console adapter: act as anyone in the directory and see what everyone receives.

It works from a terminal or from a pipe (so sessions can be scripted), and it
drives a simulated clock, so that a day of scheduled work takes a keystroke.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rich.console import Console
from rich.text import Text

from bot.app import Bot
from bot.directory import Contact, Directory
from bot.errors import InputError
from bot.jobs import next_due_at
from bot.messages import Delivery, Message, Outgoing
from bot.outbox.rows import outbox_counts, stuck
from bot.ports import LinkMaker
from bot.routing import CONSOLE, EMAIL, describe, reach_of
from bot.text_input import (
    IDENTIFIER_CHARACTERS,
    TIME_CHARACTERS,
    check_length,
    clean_identifier,
    clean_text,
    require_text,
    shown,
)
from bot.wording import say
from scheduling.clock import SimulatedClock
from scheduling.timetext import TimeTextError, parse_moment
from scheduling.workdays import format_local
from templates import render

# The platform's key in the partner directory: `chat: {console: asha.patel}`.
PLATFORM = CONSOLE
# A clock jump longer than this is not stepped through moment by moment: like a bot
# restarted after downtime, it runs what fell due once, at the new time (one reminder
# per action, not one per day missed), so that `clock +365d` takes seconds.
STEPPED_JUMP = timedelta(days=7)
# Sweeps after a collapsed jump, at most (each does up to 500 items).
MAX_SWEEPS = 100


@dataclass
class ConsoleChat:
    """A Channel that prints each message under the name of the person who gets it.

    Everyone in the directory is reachable here; a later version of a thread's
    message says it updates the earlier one (the outbox remembers it was sent).
    """

    directory: Directory
    console: Console
    sent: list[Outgoing] = field(default_factory=list)
    # Printed once before the next message, if any comes (e.g. the simulated time).
    heading: str | None = None
    name: str = PLATFORM
    # For people reached by email in production: the links their email would carry.
    links: LinkMaker | None = None
    links_to: dict[str, str] = field(default_factory=dict)  # the last link shown to each

    def send(self, outgoing: Outgoing, earlier: str | None) -> str:
        if self.heading:
            self.console.print(Text(self.heading, style="dim"))
            self.heading = None
        self.sent.append(outgoing)
        self._print(outgoing, updated=earlier is not None)
        return f"{outgoing.to} {outgoing.thread or ''}".strip()

    def _print(self, item: Outgoing, updated: bool) -> None:
        by_email = False
        if item.delivery is Delivery.CHANNEL:
            header = f"#{item.to} (channel)"
        else:
            contact = self.directory.contact(item.to)
            header = f"{contact.name} ({contact.role.label})" if contact else item.to
            ways = reach_of(self.directory, contact) if contact else []
            by_email = bool(ways) and ways[0].channel == EMAIL
            if by_email:
                header += " · by email in production"
        verb = "updated for" if updated else "to"
        self.console.print(Text(f"  ── {verb} {header}", style="bold cyan"))
        show(self.console, item.message, indent="  │ ")
        if item.delivery is Delivery.DIRECT and by_email:
            self._links(item)

    def _links(self, item: Outgoing) -> None:
        """The links the email would carry (real tokens: `open` answers through them)."""
        urls = self.links.links(item.to, item.message) if self.links else {}
        for button, url in urls.items():
            self.console.print(Text(f"  │ {button.label}: {url}", style="blue"))
            self.links_to[item.to] = url
        if urls:
            self.console.print(
                Text(f"  │ (open @{item.to} answers through the link, as the page would)", "dim")
            )


def show(console: Console, message: Message, indent: str = "") -> None:
    for line in message.text.splitlines():
        console.print(Text(indent + line))
    if message.buttons:
        buttons = "  ".join(f"[{b.label}]" for b in message.buttons)
        console.print(
            Text(f"{indent}{buttons}  (or type: {message.buttons[0].command})", style="magenta")
        )


@dataclass
class ConsoleSession:
    """Reads console commands (`as`, `/strategy ...`, `clock`, `who`, `help`) and runs them."""

    bot: Bot
    clock: SimulatedClock
    console: Console
    actor: Contact | None = None
    # `open LINK ...`: an answer page, read and answered (handlers/console_links.py).
    opener: Callable[[str], None] | None = None

    @property
    def prompt(self) -> str:
        who = self.actor.id if self.actor else "nobody"
        return f"[{format_local(self.clock.now(), self.bot.core.calendar)}] {who}> "

    def run(self, lines: Iterable[str], echo: bool) -> None:
        """Run every line; `echo` prints each one after the prompt (for piped input)."""
        for raw in lines:
            line = raw.strip()
            if echo and line and not line.startswith("#"):
                self.console.print(Text(self.prompt + line, style="bold"))
            if not self.run_line(line):
                return

    def run_line(self, line: str) -> bool:
        """Run one line; False means the user asked to stop."""
        try:
            line = clean_text(require_text(line), lines=False).strip()
        except InputError as problem:
            self._refuse(problem.problem, "as ben.okafor")
            return True
        if not line:
            return True
        if line.startswith("#"):
            self.console.print(Text(line.lstrip("# "), style="italic yellow"))
            return True
        word, _, rest = line.partition(" ")
        word = clean_identifier(word).lower()
        if word in ("quit", "exit"):
            return False
        if word == "as":
            self._act_as(clean_identifier(rest))
        elif word == "clock":
            self._clock(rest.strip())
        elif word == "who":
            self._who()
        elif word == "outbox":
            self._outbox()
        elif word == "open":
            self._open(rest.strip())
        elif word == "help":
            self.console.print(Text(render("console/help.txt.j2")))
        elif word in ("/strategy", "strategy"):
            self._strategy(line)
        else:
            self._refuse(
                f"Unknown console command '{shown(word)}'. Type 'help' for the list.",
                "as ben.okafor, /strategy help, clock +1h",
            )
        return True

    def _refuse(self, problem: str, example: str) -> None:
        """The console's own refusals look like the bot's: the problem and an example."""
        self.console.print(Text("  ── refused (nothing was changed)", style="bold red"))
        self.console.print(Text(f"  │ {problem}", style="red"))
        self.console.print(Text(f"  │ For example: {example}", style="red"))

    def _open(self, text: str) -> None:
        if self.opener is None:
            self._refuse("Links cannot be opened in this console.", "as tessa.morgan")
            return
        try:
            self.opener(text)
        except InputError as problem:
            self._refuse(problem.problem, problem.example or "open @tessa.morgan")

    def _outbox(self) -> None:
        """The outbox in one line (as `strategy-bot jobs` lists it), and who cannot be reached."""
        with self.bot.core.sessions() as session:
            counts = outbox_counts(session)
            held = stuck(session)
        lost = [m for m in held if m.status == "undeliverable"]
        self.console.print(
            Text(
                f"  ── outbox: {counts.get('sent', 0)} sent, "
                f"{counts.get('pending', 0)} waiting, {len(lost)} could not be delivered",
                style="bold cyan",
            )
        )
        for item in lost:
            self.console.print(Text(f"  │ {item.recipient} ({item.kind}): {item.problem}"))

    def _act_as(self, who: str) -> None:
        directory = self.bot.core.directory
        contact = None
        if len(who) <= IDENTIFIER_CHARACTERS:
            contact = directory.find(who) or directory.by_chat_id(PLATFORM, who)
        if contact is None:
            self._refuse(
                f"'{shown(who)}' is not in the directory. Type 'who' to list everyone.",
                "as asha.patel",
            )
            return
        self.actor = contact
        agency = directory.agency_of(contact).name
        self.console.print(
            Text(f"You are now {contact.name}, {contact.role.label}, {agency}.", style="green")
        )
        self.console.print(Text(production_reach(directory, contact), style="dim"))

    def _strategy(self, line: str) -> None:
        if self.actor is None:
            self._refuse(
                "First choose who you are (type 'who' for the directory).", "as asha.patel"
            )
            return
        text = line if line.startswith("/") else "/" + line
        outcome = self.bot.command(self.actor, text)
        if outcome.ok:
            heading = f"  ── reply to {self.actor.name} (only they see it)"
            self.console.print(Text(heading, style="bold green"))
        elif outcome.saved:
            heading = (
                f"  ── not finalised, reply to {self.actor.name} (only they see it;"
                " your changes are saved in the draft)"
            )
            self.console.print(Text(heading, style="bold yellow"))
        else:
            heading = (
                f"  ── refused, reply to {self.actor.name} (only they see it; nothing changed)"
            )
            self.console.print(Text(heading, style="bold red"))
        show(self.console, outcome.reply, indent="  │ ")

    def _clock(self, text: str) -> None:
        target = self.clock.now()
        if text:
            try:
                check_length(text, TIME_CHARACTERS, "The time", "clock +2h")
                target = parse_moment(text, self.clock.now(), self.bot.core.calendar)
            except (TimeTextError, InputError) as problem:
                self._refuse(str(getattr(problem, "problem", problem)), "clock +2h, clock +1d")
                return
        if target - self.clock.now() > STEPPED_JUMP:
            self._jump(target)
            return
        # Step through each moment something falls due, so that a jump of a week
        # shows every day's work, as it would have happened in real time.
        chat = self.bot.chat
        while (due := next_due_at(self.bot.core)) is not None and due <= target:
            self.clock.set(max(due, self.clock.now()))
            if isinstance(chat, ConsoleChat):
                chat.heading = f"… {format_local(self.clock.now(), self.bot.core.calendar)}"
            self.bot.run_due_work()
        if isinstance(chat, ConsoleChat):
            chat.heading = None
        self.clock.set(target)
        now = format_local(self.clock.now(), self.bot.core.calendar)
        self.console.print(Text(f"The time is now {now}.", style="green"))

    def _jump(self, target: datetime) -> None:
        """A long jump: straight to `target`, then what fell due runs once, collapsed."""
        calendar = self.bot.core.calendar
        self.console.print(
            Text(
                f"Jumping to {format_local(target, calendar)}: like a bot back after "
                "downtime, what fell due in between runs once, now (one reminder per action).",
                style="dim",
            )
        )
        self.clock.set(target)
        for _ in range(MAX_SWEEPS):
            if not self.bot.run_due_work():
                break
        now = format_local(target, calendar)
        self.console.print(Text(f"The time is now {now}.", style="green"))

    def _who(self) -> None:
        for agency in self.bot.core.directory.agencies:
            self.console.print(
                Text(f"{agency.name} ({agency.kind.value.replace('_', ' ')})", style="bold")
            )
            for contact in agency.contacts:
                self.console.print(Text(f"  {contact.id:<24} {contact.name}, {contact.role.label}"))


def production_reach(directory: Directory, contact: Contact) -> str:
    """How this person would be reached in production, over every channel (bot/routing.py):
    here the console shows everyone's messages instead."""
    ways = reach_of(directory, contact)
    if not ways:
        return f"In production nothing would reach {contact.name}: {describe([])}."
    shown_ways = [
        f"{describe([way.channel])} ({way.address or 'found by their email'})" for way in ways
    ]
    return f"In production they are reached by {say('reach.then').join(shown_ways)}."
