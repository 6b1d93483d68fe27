"""The console adapter: act as anyone in the directory and see what everyone receives.

It works from a terminal or from a pipe (so sessions can be scripted), and it
drives a simulated clock, so that a day of scheduled work takes a keystroke.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rich.console import Console
from rich.text import Text

from bot.app import Bot
from bot.directory import Contact, Directory
from bot.jobs import next_due_at
from bot.messages import Delivery, Message, Outgoing
from scheduling.clock import SimulatedClock
from scheduling.timetext import TimeTextError, parse_moment
from scheduling.workdays import format_local
from templates import render

# The platform's key in the partner directory: `chat: {console: asha.patel}`.
PLATFORM = "console"


@dataclass
class ConsoleChat:
    """A ChatPort that prints each message under the name of the person who gets it."""

    directory: Directory
    console: Console
    sent: list[Outgoing] = field(default_factory=list)
    # Printed once before the next message, if any comes (e.g. the simulated time).
    heading: str | None = None
    _threads: set[tuple[str, str]] = field(default_factory=set)

    def deliver(self, outgoing: Sequence[Outgoing]) -> None:
        if outgoing and self.heading:
            self.console.print(Text(self.heading, style="dim"))
            self.heading = None
        for item in outgoing:
            updated = False
            if item.thread is not None:
                updated = (item.to, item.thread) in self._threads
                self._threads.add((item.to, item.thread))
            self.sent.append(item)
            self._print(item, updated)

    def _print(self, item: Outgoing, updated: bool) -> None:
        if item.delivery is Delivery.CHANNEL:
            header = f"#{item.to} (channel)"
        else:
            contact = self.directory.contact(item.to)
            header = f"{contact.name} ({contact.role.label})" if contact else item.to
        verb = "updated for" if updated else "to"
        self.console.print(Text(f"  ── {verb} {header}", style="bold cyan"))
        show(self.console, item.message, indent="  │ ")


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
        if not line:
            return True
        if line.startswith("#"):
            self.console.print(Text(line.lstrip("# "), style="italic yellow"))
            return True
        word, _, rest = line.partition(" ")
        word = word.lower()
        if word in ("quit", "exit"):
            return False
        if word == "as":
            self._act_as(rest.strip())
        elif word == "clock":
            self._clock(rest.strip())
        elif word == "who":
            self._who()
        elif word == "help":
            self.console.print(Text(render("console/help.txt.j2")))
        elif word in ("/strategy", "strategy"):
            self._strategy(line)
        else:
            self.console.print(Text(f"Unknown console command '{word}'. Type 'help'.", style="red"))
        return True

    def _act_as(self, who: str) -> None:
        directory = self.bot.core.directory
        contact = directory.find(who) or directory.by_chat_id(PLATFORM, who)
        if contact is None:
            self.console.print(
                Text(
                    f"'{who}' is not in the directory. Type 'who' to list "
                    "everyone, e.g. 'as asha.patel'.",
                    style="red",
                )
            )
            return
        self.actor = contact
        agency = directory.agency_of(contact).name
        self.console.print(
            Text(f"You are now {contact.name}, {contact.role.label}, {agency}.", style="green")
        )

    def _strategy(self, line: str) -> None:
        if self.actor is None:
            self.console.print(
                Text(
                    "First choose who you are, e.g. 'as asha.patel' "
                    "(type 'who' for the directory).",
                    style="red",
                )
            )
            return
        text = line if line.startswith("/") else "/" + line
        reply = self.bot.command(self.actor, text).reply
        self.console.print(
            Text(f"  ── reply to {self.actor.name} (only they see it)", style="bold green")
        )
        show(self.console, reply, indent="  │ ")

    def _clock(self, text: str) -> None:
        target = self.clock.now()
        if text:
            try:
                target = parse_moment(text, self.clock.now(), self.bot.core.calendar)
            except TimeTextError as problem:
                self.console.print(Text(str(problem), style="red"))
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

    def _who(self) -> None:
        for agency in self.bot.core.directory.agencies:
            self.console.print(
                Text(f"{agency.name} ({agency.kind.value.replace('_', ' ')})", style="bold")
            )
            for contact in agency.contacts:
                self.console.print(Text(f"  {contact.id:<24} {contact.name}, {contact.role.label}"))
