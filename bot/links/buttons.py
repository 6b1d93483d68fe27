"""Which link each button of an email opens: button -> item -> token -> URL.

An email cannot carry buttons that call back into the bot, so each button of a
message becomes a link to the answer page of the item it is about. For one
recipient and one message, `links_for` finds that item for that person (their
invitation to the discussion the button names, the action it names if they own
it or chair its discussion), issues ONE token per item carrying every intent the
message's buttons offer on it, and returns the page's address for each button.
A button with no such item for that person gets no link (the email then says how
to answer otherwise).

The table `LINKS` says, per intent, how: a row finds the item and issues its
token. Adding a kind of link is adding rows: see `LinkRow`.

`DatabaseLinks` is the `bot.ports.LinkMaker` the email channel is given: it
issues the tokens in its own short transaction when the email is sent; the
token itself is returned only for the email and never stored (only its hash).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core import Core
from bot.directory import Contact, Directory
from bot.errors import InputError
from bot.links import tokens
from bot.links.urls import checked_public_url, link_for
from bot.messages import Button, Message
from bot.references import read_action_reference
from bot.routing import EMAIL, Router
from bot.shared import contact_id, visible_discussion, visible_invitation
from bot.storage import models
from bot.storage.db import transaction
from bot.storage.find_time_models import SearchStatus, TimeSearch
from bot.wording import say
from scheduling.workdays import WorkingCalendar

# Finds the item a button's value names, for one person (or None: no link for them).
Finder = Callable[[Session, str, Contact, tokens.ContactKey], Any]
# Issues a token for that person on that item with these intents; returns the token.
Issuer = Callable[
    [Session, Any, tokens.ContactKey, Collection[str], datetime, WorkingCalendar], str
]


@dataclass(frozen=True)
class LinkRow:
    """How a button becomes a link. Buttons of one message whose rows share an
    issuer and whose finders give the same item share one token.

    For a kind of link whose issuer takes no intents, e.g. the slot poll's
    `issue_poll_link(session, search, contact, *, now, calendar)`, wrap it with
    `without_intents`:

        "available": LinkRow(find_open_poll, without_intents(issue_poll_link)),
    """

    find: Finder
    issue: Issuer


def without_intents(
    issue: Callable[..., str],
) -> Issuer:
    """An issuer for a link whose item alone says what it may do (a poll, a record)."""

    def issuer(
        session: Session,
        item: Any,
        contact: tokens.ContactKey,
        _intents: Collection[str],
        now: datetime,
        calendar: WorkingCalendar,
    ) -> str:
        return issue(session, item, contact, now=now, calendar=calendar)

    return issuer


# --- invitations ---------------------------------------------------------------


def find_invitation(
    session: Session, value: str, person: Contact, _row: tokens.ContactKey
) -> models.Invitation | None:
    """The person's invitation to the scheduled discussion `value` names (NV-40213#1)."""
    # Only theirs, with its discussion (the token expires with the meeting), which the
    # invitation then holds: not the discussion with every invitation, to pick one out.
    try:
        return visible_invitation(session, value, person, scheduled_only=True)
    except InputError:
        return None


def issue_invitation(
    session: Session,
    invitation: models.Invitation,
    _contact: tokens.ContactKey,
    intents: Collection[str],
    now: datetime,
    calendar: WorkingCalendar,
) -> str:
    return tokens.issue_invitation_link(
        session, invitation, now=now, calendar=calendar, intents=intents
    )


# --- actions -------------------------------------------------------------------


def _action(session: Session, value: str) -> models.Action | None:
    wanted = read_action_reference(value)
    if wanted is None:
        return None
    action = session.scalars(
        select(models.Action)
        .join(models.Case, models.Action.case_id == models.Case.id)
        .where(models.Case.reference == wanted.case, models.Action.number == wanted.number)
    ).one_or_none()
    if action is None or action.status == models.ActionStatus.CLOSED:
        return None
    return action


def find_owned_action(
    session: Session, value: str, _person: Contact, row: tokens.ContactKey
) -> models.Action | None:
    """The open action `value` names (NV-40213/A1), if this person owns it."""
    action = _action(session, value)
    return action if action is not None and action.owner_id == row.id else None


def find_chaired_action(
    session: Session, value: str, _person: Contact, row: tokens.ContactKey
) -> models.Action | None:
    """The open action `value` names, if this person chairs its discussion."""
    action = _action(session, value)
    return action if action is not None and action.discussion.chair_id == row.id else None


def issue_action(
    session: Session,
    action: models.Action,
    contact: tokens.ContactKey,
    intents: Collection[str],
    now: datetime,
    calendar: WorkingCalendar,
) -> str:
    return tokens.issue_action_link(
        session, action, contact, now=now, calendar=calendar, intents=intents
    )


# --- a slot poll (finding a time) ---------------------------------------------------


def find_open_poll(
    session: Session, value: str, person: Contact, _row: tokens.ContactKey
) -> TimeSearch | None:
    """The open poll of the discussion `value` names (NV-40655, or NV-40655#1), if this
    person is one of those asked."""
    try:
        discussion = visible_discussion(session, value, person)
    except InputError:
        return None
    search = session.scalars(
        select(TimeSearch).where(
            TimeSearch.discussion_id == discussion.id, TimeSearch.status == SearchStatus.OPEN
        )
    ).one_or_none()
    return search if search is not None and person.id in search.invitees else None


INVITATION = LinkRow(find_invitation, issue_invitation)
OWNED_ACTION = LinkRow(find_owned_action, issue_action)
CHAIRED_ACTION = LinkRow(find_chaired_action, issue_action)

POLL = LinkRow(find_open_poll, without_intents(tokens.issue_poll_link))

# Every intent an email offers as a link, and how. (A circulated record's email links
# to its page itself: bot/record/circulation.py.)
LINKS: dict[str, LinkRow] = {
    **dict.fromkeys(tokens.INVITATION_INTENTS, INVITATION),
    **dict.fromkeys(tokens.OWNER_ACTION_INTENTS, OWNED_ACTION),
    **dict.fromkeys(tokens.CHAIR_ACTION_INTENTS, CHAIRED_ACTION),
    **dict.fromkeys(tokens.POLL_INTENTS, POLL),
}


def links_for(
    session: Session,
    core: Core,
    public_url: str,
    person: Contact,
    message: Message,
    table: Mapping[str, LinkRow] = LINKS,
) -> dict[Button, str]:
    """A link for each of the message's buttons that has an item for `person`: one token
    per item, carrying the intents of all the buttons about it."""
    wanted = [b for b in message.buttons if b.action in table]
    if not wanted:
        return {}
    # By the id the core knows: the person's row is not read.
    row = tokens.KnownContact(contact_id(session, person.id), person.id)
    groups: dict[tuple[Any, ...], tuple[LinkRow, Any, list[Button]]] = {}
    # An invitation's accept, decline and delegate all name it: it is looked up once.
    found: dict[tuple[Any, str], Any] = {}
    for button in wanted:
        kind = table[button.action]
        lookup = (kind.find, button.value)
        if lookup not in found:
            found[lookup] = kind.find(session, button.value, person, row)
        item = found[lookup]
        if item is None:
            continue
        key = (kind.issue, type(item), item.id)
        groups.setdefault(key, (kind, item, []))[2].append(button)
    now = core.clock.now()
    urls: dict[Button, str] = {}
    for kind, item, buttons in groups.values():
        intents = list(dict.fromkeys(b.action for b in buttons))
        token = kind.issue(session, item, row, intents, now, core.calendar)
        url = link_for(public_url, token)
        urls.update(dict.fromkeys(buttons, url))
    return urls


class DatabaseLinks:
    """The `bot.ports.LinkMaker` over the core's database: the tokens of one email are
    issued in one short transaction of their own when it is sent."""

    def __init__(self, core: Core, public_url: str) -> None:
        self.core = core
        self.public_url = checked_public_url(public_url)

    def links(self, contact_key: str, message: Message) -> Mapping[Button, str]:
        if not any(b.action in LINKS for b in message.buttons):
            return {}
        person = self.core.directory.contact(contact_key)
        if person is None:
            return {}
        with transaction(self.core.sessions) as session:
            try:
                return links_for(session, self.core, self.public_url, person, message)
            except InputError:  # not (or no longer) in the directory's table
                return {}


def link_maker(core: Core, public_url: str | None) -> DatabaseLinks | None:
    """The link maker for this deployment, or None without PUBLIC_URL (the emails then
    say how to answer in chat or by replying to the chair)."""
    return DatabaseLinks(core, public_url) if public_url else None


def email_first(directory: Directory, channels: Collection[str]) -> list[Contact]:
    """The people whose messages go by email first with these channels configured."""
    router = Router(directory, channels)
    return [c for c in directory.contacts() if router.channels(c.id)[:1] == [EMAIL]]


def no_link_warning(
    directory: Directory, channels: Collection[str], public_url: str | None
) -> str | None:
    """What to warn about when emails cannot carry links (no PUBLIC_URL) and someone is
    reached by email first; None when there is nothing to warn about."""
    if public_url:
        return None
    count = len(email_first(directory, channels))
    return say("links.no_public_url", count=count) if count else None
