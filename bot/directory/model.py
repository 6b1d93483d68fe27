"""The partner directory as the core uses it: the partnership's rules, its agencies and people.

Built by the loader (`loader.py`) from a YAML file that the checker has found
sound, so every Directory can convene a lawful strategy discussion.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bot.directory.roles import AgencyKind, Role
from scheduling.rules import CalendarSettings, ReminderPolicy, TimescaleRules

DEFAULT_CASE_REFERENCE_PATTERN = r"^[A-Z]{2,6}-[0-9]{3,8}$"
DEFAULT_CASE_REFERENCE_EXAMPLE = "CSC-40213"
MAX_FALLBACK_MINUTES = 24 * 60
# The ways a person can be reached, by the names routing uses (bot/routing.py): a chat
# platform (by the contact's id there) or email (by their address).
TEAMS, SLACK, EMAIL = "teams", "slack", "email"
REACH_CHANNELS: tuple[str, ...] = (TEAMS, SLACK, EMAIL)
# Without a `reach:` in the directory: chat where the person has an id, else email.
DEFAULT_REACH: tuple[str, ...] = (TEAMS, SLACK, EMAIL)


def _no_chat() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Contact:
    id: str
    name: str
    role: Role
    agency_id: str
    email: str
    team: str | None = None
    manager_id: str | None = None
    # Platform -> that platform's user id. Left out of the hash: mappings are unhashable.
    chat: Mapping[str, str] = field(default_factory=_no_chat, hash=False)
    line: int = field(default=0, compare=False)
    # The channels to try for this person, in order, when not their agency's (`reach:`).
    reach: tuple[str, ...] | None = None
    # Who stands in for them (`deputy:`): as chair, the deputy also gets same-day warnings.
    deputy_id: str | None = None
    # A mailbox several people read (`shared_mailbox: true`, e.g. a MASH health inbox):
    # an answer page asks who is answering, and records it with the answer.
    shared_mailbox: bool = False

    @property
    def is_convenor(self) -> bool:
        """Social care practitioners who may convene a strategy discussion."""
        return self.role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER)

    @property
    def can_chair(self) -> bool:
        return self.role is Role.TEAM_MANAGER

    def chat_id(self, platform: str) -> str | None:
        return self.chat.get(platform)


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    kind: AgencyKind
    contacts: tuple[Contact, ...]
    # The channels to try for its people, in order, when not the partnership's (`reach:`).
    reach: tuple[str, ...] | None = None


@dataclass(frozen=True)
class FallbackRule:
    """Whom to invite when an agency has not confirmed attendance in time.

    If nobody from `agency_kind` has confirmed `cutoff_minutes` after the
    invitations went out, invite the duty contact with `role`, and do it no later
    than `latest_before_meeting_minutes` before the meeting starts.
    """

    agency_kind: AgencyKind
    role: Role
    cutoff_minutes: int = 60
    latest_before_meeting_minutes: int = 60


DEFAULT_FALLBACKS = (FallbackRule(AgencyKind.HEALTH, Role.MASH_NURSE),)


@dataclass(frozen=True)
class Partnership:
    name: str
    calendar: CalendarSettings = field(default_factory=CalendarSettings)
    timescales: TimescaleRules = field(default_factory=TimescaleRules)
    case_reference_pattern: str = DEFAULT_CASE_REFERENCE_PATTERN
    case_reference_example: str = DEFAULT_CASE_REFERENCE_EXAMPLE
    fallbacks: tuple[FallbackRule, ...] = DEFAULT_FALLBACKS
    reminders: ReminderPolicy = field(default_factory=ReminderPolicy)
    # How people are reached unless their agency or they say otherwise (`reach: order`),
    # and whether invitations also go by email to people reached in chat.
    reach: tuple[str, ...] = DEFAULT_REACH
    email_copy_of_invitations: bool = False

    def is_case_reference(self, text: str) -> bool:
        """Whether `text` is, in full, a case reference of this partnership."""
        return re.fullmatch(self.case_reference_pattern, text) is not None


@dataclass(frozen=True)
class Directory:
    partnership: Partnership
    agencies: tuple[Agency, ...]

    def contacts(self) -> list[Contact]:
        """Every contact, in file order."""
        return [contact for agency in self.agencies for contact in agency.contacts]

    def contact(self, contact_id: str) -> Contact | None:
        return next((c for c in self.contacts() if c.id == contact_id), None)

    def find(self, text: str) -> Contact | None:
        """The contact whose id, full name or email is `text`, ignoring case.

        A leading "@" is ignored, so a chat mention such as "@ben.okafor" works.
        When two contacts share a name, the first in file order wins.
        """
        wanted = text.strip().removeprefix("@").casefold()
        if not wanted:
            return None
        return next(
            (
                c
                for c in self.contacts()
                if wanted in (c.id.casefold(), c.name.casefold(), c.email.casefold())
            ),
            None,
        )

    def by_role(self, role: Role) -> list[Contact]:
        """Contacts with `role` in file order: the first listed is the duty contact."""
        return [c for c in self.contacts() if c.role is role]

    def by_chat_id(self, platform: str, chat_id: str) -> Contact | None:
        return next((c for c in self.contacts() if c.chat.get(platform) == chat_id), None)

    def agency(self, agency_id: str) -> Agency:
        for agency in self.agencies:
            if agency.id == agency_id:
                return agency
        raise KeyError(f"no agency '{agency_id}' in the directory")

    def agency_of(self, contact: Contact) -> Agency:
        return self.agency(contact.agency_id)

    def colleagues(self, contact: Contact) -> list[Contact]:
        """The other contacts of the same agency, in file order."""
        return [c for c in self.agency_of(contact).contacts if c.id != contact.id]

    def manager_of(self, contact: Contact) -> Contact | None:
        return self.contact(contact.manager_id) if contact.manager_id else None

    def deputy_of(self, contact: Contact) -> Contact | None:
        return self.contact(contact.deputy_id) if contact.deputy_id else None

    def fallback_for(self, kind: AgencyKind) -> FallbackRule | None:
        return next((r for r in self.partnership.fallbacks if r.agency_kind is kind), None)
