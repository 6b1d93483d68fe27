"""Assemble the core from configuration: the imperative shell's starting point."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

from sqlalchemy import Engine

from bot.calendar.routing import invites_from_settings
from bot.core import Core
from bot.directory import Contact, Directory, load_directory
from bot.errors import InputError, refusal, wording
from bot.find_time.settings import calendars_from_settings, slot_rules_from_settings
from bot.forms import ChoiceContext, Form
from bot.intents import INTENTS, Intent, IntentTable
from bot.intents.forms import button as dress_button
from bot.intents.forms import changed, form_for, unfillable, with_problem
from bot.intents.forms import dress as dress_message
from bot.intents.text import Typed, read_command, with_own_command
from bot.intents.values import check_values
from bot.jobs import run_due_work
from bot.messages import Button, Kind, Message, Outcome, Outgoing, refused
from bot.outbox.deliver import Copies, Deliverer, Route
from bot.outbox.ports import as_channel
from bot.ports import Channel, ChatPort
from bot.routing import Router
from bot.services.actions import ActionRow, open_actions
from bot.services.status import DiscussionRow, upcoming_discussions
from bot.services.sync import sync_directory
from bot.settings import Settings
from bot.storage.db import (
    alembic_config,
    make_engine,
    make_sessionmaker,
    migrate,
    normalise_url,
    schema_is_current,
    transaction,
)
from bot.storage.row_ids import attach
from bot.unit import Answered, Unit, perform, unit_of_work
from scheduling.clock import Clock
from scheduling.workdays import WorkingCalendar

log = logging.getLogger(__name__)


class SchemaOutOfDate(RuntimeError):
    pass


def load_partner_directory(
    settings: Settings, platforms: Collection[str] | None = None
) -> Directory:
    """The configured partner directory; `platforms` are the chat platforms `chat:` may name
    (None: any)."""
    directory = load_directory(settings.strategy_directory, platforms)
    if settings.strategy_tz:
        calendar = replace(directory.partnership.calendar, timezone=settings.strategy_tz)
        directory = replace(
            directory, partnership=replace(directory.partnership, calendar=calendar)
        )
    return directory


def build_core(settings: Settings, clock: Clock, platforms: Collection[str] | None = None) -> Core:
    """Open the database (migrating a SQLite file; PostgreSQL is migrated explicitly),
    load the directory and copy it into the database.

    `platforms`: the chat platforms with an adapter (handlers/platforms.py), which the
    directory's `chat:` entries may name; None accepts any.
    """
    url = normalise_url(settings.database_url)
    engine = make_engine(
        url,
        statement_timeout=settings.database_statement_timeout_seconds,
        idle_in_transaction_timeout=settings.database_idle_in_transaction_timeout_seconds,
    )
    # A current schema is told without alembic, which then never loads (bot/storage/db.py).
    if not schema_is_current(engine):
        if url.startswith("sqlite"):
            migrate(url)
        _require_current_schema(engine, url)
    directory = load_partner_directory(settings, platforms)
    invites = invites_from_settings(settings, clock, directory.partnership.calendar.timezone)
    core = Core(
        sessions=make_sessionmaker(engine),
        directory=directory,
        calendar=WorkingCalendar(directory.partnership.calendar),
        clock=clock,
        invites=invites,
        availability=calendars_from_settings(settings, directory, graph=invites.graph is not None),
        slot_rules=slot_rules_from_settings(settings),
        public_url=settings.public_url,
    )
    with transaction(core.sessions) as session:
        core.row_ids = sync_directory(session, directory)
    attach(core.sessions, core.row_ids)
    return core


def _require_current_schema(engine: Engine, url: str) -> None:
    from alembic.runtime.migration import MigrationContext  # alembic: only when starting
    from alembic.script import ScriptDirectory

    expected = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current != expected:
        raise SchemaOutOfDate(
            f"The database schema is at {', '.join(sorted(current)) or 'nothing'}, the code "
            f"needs {', '.join(sorted(expected))}: run 'strategy-bot migrate' first."
        )


@dataclass(frozen=True)
class Lists:
    """What is someone's: their upcoming discussions and open actions (the App Home)."""

    discussions: list[DiscussionRow]
    actions: list[ActionRow]


@dataclass
class Bot:
    """The core plus its ways out: what every adapter drives.

    `command` (typed text) and `act` (an intent and its fields, from a button,
    a form or a web page) are the only ways in: each runs one intent in one
    unit of work (its messages written to the outbox), then delivers the
    outbox. `form` and `lists` only read.

    `chat` is this process's way out (a Channel, or a ChatPort such as a test
    double); `channels`, when given, replace it with every way out of this
    process in their default order (list `chat` among them). `route` gives a
    recipient's channel names in order (bot/routing.py); by default every
    channel, in that order. `copies` names the channels that also get a copy
    of a message (Router.copies: email copies of invitations), `notices` the
    channels every notice goes to (Router.notices).
    """

    core: Core
    chat: ChatPort | Channel
    intents: IntentTable = INTENTS
    channels: Sequence[ChatPort | Channel] = ()
    route: Route | None = None
    copies: Copies | None = None
    notices: Callable[[], list[str]] | None = None
    _deliverer: Deliverer | None = field(default=None, init=False, repr=False)
    _sweeping: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _kick_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _kicks: list[threading.Thread] = field(default_factory=list, repr=False)

    @property
    def deliverer(self) -> Deliverer:
        """The outbox's deliverer through this bot's channels (rebuilt if they are changed)."""
        ways = [as_channel(c) for c in (list(self.channels) or [self.chat])]
        current = self._deliverer
        if (
            current is None
            or [id(getattr(c, "port", c)) for c in current.channels]
            != [id(getattr(c, "port", c)) for c in ways]
            or (current.route, current.copies, current.notices)
            != (self.route, self.copies, self.notices)
        ):
            current = self._deliverer = Deliverer(
                self.core, ways, self.route, self.copies, self.notices
            )
        return current

    def reach_through(self, channels: Sequence[Channel], router: Router) -> None:
        """Deliver on these channels, routed per person by `router` (several platforms
        in one process: handlers/composition.py)."""
        self.channels = list(channels)
        self.route, self.copies, self.notices = router.channels, router.copies, router.notices

    def identify(self, platform: str, chat_id: str) -> Contact:
        contact = self.core.directory.by_chat_id(platform, chat_id)
        if contact is None:
            raise refusal("people.not_in_directory")
        return contact

    def command(
        self, actor: Contact, text: str, *, can_ask: bool = False, send: bool = True
    ) -> Outcome:
        """Run a typed `/strategy ...` command (see `act`).

        With `can_ask` (a platform with forms), an intent that opens a form,
        typed with nothing but its item, answers with that form instead.
        """
        try:
            typed = read_command(self.intents, text)
        except InputError as problem:
            return self._finish(refused(problem), send)
        item_field = typed.intent.item_field
        item = str(typed.fields.get(item_field.name, "")) if item_field else ""
        # A form is about its item: without one (and not asking for it), say what is missing.
        has_item = item_field is None or bool(item) or item_field.on_form
        if can_ask and typed.bare and typed.intent.opens_form and has_item:
            return self._ask(actor, typed.intent.name, item, send)
        outcome = self._perform(actor, typed.intent, typed.fields, typed=typed)
        return self._finish(outcome, send)

    def act(
        self,
        actor: Contact,
        intent: str,
        fields: Mapping[str, object],
        *,
        can_ask: bool = False,
        submitted: bool = False,
        send: bool = True,
        via: str | None = None,
        answered_by: Mapping[str, str] | None = None,
    ) -> Outcome:
        """Run one intent with these fields in one unit of work, then send what it produced.

        Bad input or a refusal comes back as the outcome (`ok` False), with
        nothing written. `can_ask`: given only its item (a button), an intent
        that asks for more answers with its form. `submitted`: the fields come
        from a form (`Form`), so fields still as the form showed them are left
        out, and a problem comes back with the form to show again. `send`
        False leaves the sending to the caller (`send()`), for an adapter
        that must answer its platform first. `via` says how the answer came
        when not by chat (an answer page: "web"), and `answered_by` who gave it
        for a shared mailbox (name and role): the audit trail records both.
        """
        chosen = self.intents.get(intent)
        if chosen is None:
            return self._finish(refused(_out_of_date(intent)), send)
        item_field = chosen.item_field
        item = str(fields.get(item_field.name, "")) if item_field else ""
        only_item = all(name == (item_field.name if item_field else None) for name in fields)
        if can_ask and only_item and chosen.asks:
            return self._ask(actor, chosen.name, item, send)
        answered = Answered(actor.id, via, answered_by) if via else None
        outcome = self._perform(actor, chosen, fields, submitted=submitted, answered=answered)
        return self._finish(outcome, send)

    def form(self, actor: Contact, intent: str, item: str = "") -> Form:
        """The intent's form for this person and item (an InputError if they may not)."""
        chosen = self.intents.get(intent)
        if chosen is None:
            raise _out_of_date(intent)
        chosen.allow(actor)
        if chosen.form is None and chosen.labels is None:
            return form_for(chosen, ChoiceContext(self.core.directory, actor, item))
        with unit_of_work(self.core) as unit:
            return self._form_of(unit, actor, chosen, item)

    def button(self, intent: str, item: str) -> Button:
        """A button for an intent, as people see it (its label, its typed form)."""
        return dress_button(self.intents, Button(intent, item))

    def press(
        self, actor: Contact, intent: str, item: str, *, can_ask: bool = True, send: bool = True
    ) -> Outcome:
        """A button pressed: `act` with the item it is about (its form, if it asks for more)."""
        chosen = self.intents.get(intent)
        field = chosen.item_field if chosen is not None else None
        fields = {field.name: item} if field is not None and item else {}
        return self.act(actor, intent, fields, can_ask=can_ask, send=send)

    def lists(self, actor: Contact) -> Lists:
        """Someone's upcoming discussions and open actions, as the text commands list them."""
        with unit_of_work(self.core) as unit:
            return Lists(upcoming_discussions(unit, actor), open_actions(unit, actor))

    def send(self, outgoing: Sequence[Outgoing] = ()) -> None:
        """Deliver the outbox (what an intent produced is in it already: `outgoing` only
        says there is something), then run whatever scheduled work has fallen due."""
        self.deliverer.deliver_due()
        self.run_due_work(delivered=True)

    def kick(self) -> None:
        """`send`, in the background: for an adapter that must answer its platform first."""
        with self._kick_lock:
            self._kicks = [k for k in self._kicks if k.is_alive()]
            kick = threading.Thread(target=self._send_quietly, name="kick", daemon=True)
            self._kicks.append(kick)
        kick.start()

    def settle(self, timeout: float = 60) -> None:
        """Wait until what was kicked has been delivered (tests; shutting down)."""
        with self._kick_lock:
            kicks = list(self._kicks)
        for kick in kicks:
            kick.join(timeout)

    def run_due_work(self, *, delivered: bool = False) -> int:
        # One sweep at a time in this process: each item is claimed in one statement, so
        # a second sweep would not do it twice, only wait on the same items (and on
        # SQLite's one write lock).
        with self._sweeping:
            return run_due_work(
                self.core, self.deliverer, intents=self.intents, delivered=delivered
            )

    def _send_quietly(self) -> None:
        try:
            self.send()
        except Exception:
            log.exception("delivering after a request failed; the next sweep tries again")

    def _perform(
        self,
        actor: Contact,
        intent: Intent,
        fields: Mapping[str, object],
        *,
        submitted: bool = False,
        answered: Answered | None = None,
        typed: Typed | None = None,
    ) -> Outcome:
        """The intent run in one unit of work; a refusal as its outcome, nothing written."""
        dress = partial(dress_message, self.intents)
        try:
            return perform(
                self.core,
                lambda unit: self._run(unit, actor, intent, fields, submitted),
                dress,
                answered,
            )
        except InputError as problem:
            if typed is not None:
                problem = with_own_command(problem, typed)
            form = None
            if submitted:
                item_field = intent.item_field
                item = str(fields.get(item_field.name, "")) if item_field else ""
                form = self._form_again(actor, intent, item, fields, problem)
            return refused(problem, form)

    def _run(
        self,
        unit: Unit,
        actor: Contact,
        intent: Intent,
        fields: Mapping[str, object],
        submitted: bool,
    ) -> Outcome:
        if submitted:
            fields = changed(self._form_in(unit, actor, intent, fields), fields)
        values = check_values(intent, fields)
        intent.allow(actor)
        return intent.run(unit, actor, values)

    def _form_in(
        self, unit: Unit, actor: Contact, intent: Intent, fields: Mapping[str, object]
    ) -> Form:
        item_field = intent.item_field
        item = str(fields.get(item_field.name, "")) if item_field else ""
        return self._form_of(unit, actor, intent, item)

    def _form_of(self, unit: Unit, actor: Contact, intent: Intent, item: str) -> Form:
        """The intent's form for this item: its hook's fields, the item's own labels."""
        labels = intent.labels(unit, actor, item) if intent.labels is not None else {}
        context = ChoiceContext(self.core.directory, actor, item, labels)
        content = intent.form(unit, actor, item) if intent.form is not None else None
        return form_for(intent, context, content)

    def _form_again(
        self,
        actor: Contact,
        intent: Intent,
        item: str,
        fields: Mapping[str, object],
        problem: InputError,
    ) -> Form | None:
        try:
            form = self.form(actor, intent.name, item)
        except InputError:
            return None
        shown = {name: v for name, v in fields.items() if isinstance(v, str | list)}
        return with_problem(form, shown, problem)

    def _ask(self, actor: Contact, intent: str, item: str, send: bool) -> Outcome:
        """The form to fill in (nothing done yet), or why the person may not."""
        try:
            form = self.form(actor, intent, item)
            cannot = unfillable(form)
            if cannot is not None:
                raise cannot
        except InputError as problem:
            return self._finish(refused(problem), send)
        return Outcome(Message(Kind.REPLY, form.heading), form=form)

    def _finish(self, outcome: Outcome, send: bool) -> Outcome:
        if send:
            self.send(outcome.outgoing)
        return outcome


def _out_of_date(name: str) -> InputError:
    return refusal("input.out_of_date", name=name, example=wording("input.out_of_date_example"))
