"""The partner directory: one partnership's rules, its agencies and the people to invite.

The directory is a YAML file (the bundled synthetic sample is
bot/data/sample_directory.yaml). Loading checks the whole file and reports
every problem with its line, so whoever maintains it can fix everything in one
pass instead of meeting one error per run. A directory that loads is known to be
able to convene a lawful strategy discussion: someone in social care can chair,
and police and health (through the health fallback) can always be invited.
"""

from __future__ import annotations

import atexit
import re
from collections.abc import Collection, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, time
from enum import StrEnum
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from scheduling.rules import (
    CalendarSettings,
    Region,
    ReminderPolicy,
    TimescaleRules,
    WorkingHours,
)


class AgencyKind(StrEnum):
    SOCIAL_CARE = "social_care"
    POLICE = "police"
    HEALTH = "health"
    EDUCATION = "education"
    YOUTH_JUSTICE = "youth_justice"
    PROBATION = "probation"
    OTHER = "other"

    @property
    def label(self) -> str:
        """Human text, e.g. "social care"."""
        return self.value.replace("_", " ")


class Role(StrEnum):
    # social care
    TEAM_MANAGER = "team_manager"
    SOCIAL_WORKER = "social_worker"
    LADO = "lado"
    FOSTERING_SERVICE = "fostering_service"
    RESIDENTIAL_SERVICE = "residential_service"
    # police
    CHILD_ABUSE_INVESTIGATION = "child_abuse_investigation"
    MISSING_PERSONS = "missing_persons"
    EXPLOITATION = "exploitation"
    DOMESTIC_ABUSE = "domestic_abuse"
    MASH_POLICE = "mash_police"
    # health
    HEALTH_VISITOR = "health_visitor"
    SCHOOL_NURSE = "school_nurse"
    GP = "gp"
    PAEDIATRICIAN = "paediatrician"
    MIDWIFE = "midwife"
    CAMHS = "camhs"
    ADULT_MENTAL_HEALTH = "adult_mental_health"
    MASH_NURSE = "mash_nurse"
    # education
    DESIGNATED_SAFEGUARDING_LEAD = "designated_safeguarding_lead"
    NURSERY = "nursery"
    # youth justice, probation
    YOUTH_JUSTICE_OFFICER = "youth_justice_officer"
    PROBATION_OFFICER = "probation_officer"
    # other
    HOUSING_OFFICER = "housing_officer"
    DOMESTIC_ABUSE_SERVICE = "domestic_abuse_service"
    OTHER_PRACTITIONER = "other_practitioner"

    @property
    def agency_kind(self) -> AgencyKind:
        return _ROLE_INFO[self][0]

    @property
    def label(self) -> str:
        """Human text, e.g. "MASH nurse"."""
        return _ROLE_INFO[self][1]

    @classmethod
    def for_kind(cls, kind: AgencyKind) -> list[Role]:
        """The roles an agency of this kind may hold, in declaration order."""
        return [role for role in cls if role.agency_kind is kind]


_ROLE_INFO: Mapping[Role, tuple[AgencyKind, str]] = {
    Role.TEAM_MANAGER: (AgencyKind.SOCIAL_CARE, "Team manager"),
    Role.SOCIAL_WORKER: (AgencyKind.SOCIAL_CARE, "Social worker"),
    Role.LADO: (AgencyKind.SOCIAL_CARE, "LADO (designated officer)"),
    Role.FOSTERING_SERVICE: (AgencyKind.SOCIAL_CARE, "Fostering service"),
    Role.RESIDENTIAL_SERVICE: (AgencyKind.SOCIAL_CARE, "Residential service"),
    Role.CHILD_ABUSE_INVESTIGATION: (AgencyKind.POLICE, "Child abuse investigation team"),
    Role.MISSING_PERSONS: (AgencyKind.POLICE, "Missing persons unit"),
    Role.EXPLOITATION: (AgencyKind.POLICE, "Exploitation team"),
    Role.DOMESTIC_ABUSE: (AgencyKind.POLICE, "Domestic abuse unit"),
    Role.MASH_POLICE: (AgencyKind.POLICE, "MASH police officer"),
    Role.HEALTH_VISITOR: (AgencyKind.HEALTH, "Health visitor"),
    Role.SCHOOL_NURSE: (AgencyKind.HEALTH, "School nurse"),
    Role.GP: (AgencyKind.HEALTH, "GP"),
    Role.PAEDIATRICIAN: (AgencyKind.HEALTH, "Consultant paediatrician"),
    Role.MIDWIFE: (AgencyKind.HEALTH, "Midwife"),
    Role.CAMHS: (AgencyKind.HEALTH, "CAMHS practitioner"),
    Role.ADULT_MENTAL_HEALTH: (AgencyKind.HEALTH, "Adult mental health practitioner"),
    Role.MASH_NURSE: (AgencyKind.HEALTH, "MASH nurse"),
    Role.DESIGNATED_SAFEGUARDING_LEAD: (AgencyKind.EDUCATION, "Designated safeguarding lead"),
    Role.NURSERY: (AgencyKind.EDUCATION, "Nursery"),
    Role.YOUTH_JUSTICE_OFFICER: (AgencyKind.YOUTH_JUSTICE, "Youth justice officer"),
    Role.PROBATION_OFFICER: (AgencyKind.PROBATION, "Probation officer"),
    Role.HOUSING_OFFICER: (AgencyKind.OTHER, "Housing officer"),
    Role.DOMESTIC_ABUSE_SERVICE: (AgencyKind.OTHER, "Domestic abuse service"),
    Role.OTHER_PRACTITIONER: (AgencyKind.OTHER, "Practitioner"),
}

CHAT_PLATFORMS = ("slack", "teams", "console")
DEFAULT_CASE_REFERENCE_PATTERN = r"^[A-Z]{2,6}-[0-9]{3,8}$"
DEFAULT_CASE_REFERENCE_EXAMPLE = "CSC-40213"
MAX_FALLBACK_MINUTES = 24 * 60


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

    def fallback_for(self, kind: AgencyKind) -> FallbackRule | None:
        return next((r for r in self.partnership.fallbacks if r.agency_kind is kind), None)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a directory file. Line 0 means the file as a whole."""

    line: int
    message: str

    def format(self, path: Path | str) -> str:
        return f"{path}:{self.line}: {self.message}" if self.line else f"{path}: {self.message}"


class DirectoryError(Exception):
    """A directory file that cannot be used, with every problem found in it."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        super().__init__(path, problems)
        self.path = path
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(problem.format(self.path) for problem in self.problems)


_extracted = ExitStack()
atexit.register(_extracted.close)


def sample_directory_path() -> Path:
    """The bundled synthetic sample, found as package data so it works from a wheel."""
    resource = resources.files("bot") / "data" / "sample_directory.yaml"
    if isinstance(resource, Path):
        return resource
    # Imported from a zip: extract to a temporary file that lives as long as the process.
    return _extracted.enter_context(resources.as_file(resource))


def check_directory(path: Path) -> list[Problem]:
    """Every problem in the directory file at `path`, in line order (empty when fine)."""
    return _read(path)[1]


def load_directory(path: Path | None = None) -> Directory:
    """Load a directory file (None: the bundled sample).

    Raises DirectoryError listing every problem in the file.
    """
    path = sample_directory_path() if path is None else path
    directory, problems = _read(path)
    if directory is None:
        raise DirectoryError(path, problems)
    return directory


def _read(path: Path) -> tuple[Directory | None, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        return None, [Problem(0, f"cannot read the file: {reason}")]
    checker = _Checker()
    directory = checker.check(text)
    return directory, sorted(checker.problems, key=lambda problem: problem.line)


# --- The checker -------------------------------------------------------------

_NULL_TAG = "tag:yaml.org,2002:null"
_ID = re.compile(r"[a-z0-9._-]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_CLOCK = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

_TOP_KEYS = ("partnership", "agencies")
_PARTNERSHIP_KEYS = (
    "name",
    "region",
    "timezone",
    "working_hours",
    "closure_days",
    "case_reference",
    "timescales",
    "fallbacks",
    "reminders",
)
_AGENCY_KEYS = ("id", "name", "kind", "contacts")
_CONTACT_KEYS = ("id", "name", "role", "team", "email", "manager", "chat")
_FALLBACK_KEYS = ("role", "cutoff_minutes", "latest_before_meeting_minutes")

# key name -> (key node, value node)
_Fields = dict[str, tuple[yaml.Node, yaml.Node]]


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _is_empty(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and (
        node.tag == _NULL_TAG or not str(node.value).strip()
    )


class _Checker:
    """Walks the composed YAML nodes (which keep their line marks) and collects problems.

    Everything is checked, even after a problem, so that one run lists them all.
    The Directory is only built when nothing is wrong.
    """

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._constructor = yaml.constructor.SafeConstructor()
        self._agency_lines: dict[str, int] = {}
        self._contact_lines: dict[str, int] = {}
        self._chat_owners: dict[tuple[str, str], str] = {}
        self._managers: list[tuple[str, str, yaml.Node]] = []  # (contact, manager, node)
        self._kinds_seen: set[AgencyKind] = set()
        self._roles_seen: set[Role] = set()  # roles held by some contact, in a matching agency
        self._fallbacks_key: yaml.Node | None = None  # None: the default fallbacks apply
        self._fallback_role_nodes: dict[AgencyKind, yaml.Node] = {}

    def add(self, at: yaml.Node | int, message: str) -> None:
        self.problems.append(Problem(at if isinstance(at, int) else _line(at), message))

    # --- the whole file

    def check(self, text: str) -> Directory | None:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            context = f" ({error.context})" if error.context else ""
            self.add(mark.line + 1 if mark else 1, f"YAML syntax error: {error.problem}{context}")
            return None
        except yaml.YAMLError as error:  # e.g. a control character: no line to give
            self.add(1, f"YAML error: {error}")
            return None
        if root is None:
            self.add(1, "the file is empty: it needs 'partnership' and 'agencies'")
            return None
        top = self._fields(root, _TOP_KEYS, "the file")
        if top is None:
            return None
        partnership = None
        if "partnership" in top:
            partnership = self._partnership(top["partnership"][1])
        else:
            self.add(root, "the file has no 'partnership' section")
        agencies: list[Agency] = []
        if "agencies" in top:
            key, node = top["agencies"]
            agencies = self._agencies(node)
            self._check_managers()
            if partnership is not None and isinstance(node, yaml.SequenceNode):
                self._check_fallbacks(partnership, key)
                self._check_requirements(key)
        else:
            self.add(root, "the file has no 'agencies' section")
        if self.problems or partnership is None:
            return None
        return Directory(partnership, tuple(agencies))

    # --- generic helpers

    def _fields(
        self, node: yaml.Node, allowed: Collection[str], what: str, key_word: str = "key"
    ) -> _Fields | None:
        """The mapping's entries by key, reporting unknown and repeated keys."""
        if not isinstance(node, yaml.MappingNode):
            self.add(node, f"{what} must be a mapping of keys to values")
            return None
        fields: _Fields = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                self.add(key, f"a key in {what} must be plain text")
            elif key.value in fields:
                self.add(key, f"duplicate key '{key.value}' in {what}")
            elif key.value not in allowed:
                known = ", ".join(allowed)
                self.add(key, f"unknown {key_word} '{key.value}' in {what} (known: {known})")
            else:
                fields[key.value] = (key, value)
        return fields

    def _optional(self, fields: _Fields, key: str) -> yaml.Node | None:
        """The value node of `key`, or None when it is absent or left empty."""
        entry = fields.get(key)
        return None if entry is None or _is_empty(entry[1]) else entry[1]

    def _text(
        self, fields: _Fields, key: str, what: str, owner: yaml.Node, required: bool = True
    ) -> str | None:
        """A scalar's text as written: `17:00` stays "17:00" (YAML 1.1 would make it 1020)."""
        node = self._optional(fields, key)
        if node is None:
            if required:
                self.add(fields[key][0] if key in fields else owner, f"{what} has no {key}")
            return None
        if not isinstance(node, yaml.ScalarNode):
            self.add(node, f"{key} of {what} must be text, not a list or mapping")
            return None
        return str(node.value).strip()

    def _role(
        self, fields: _Fields, what: str, owner: yaml.Node, kind: AgencyKind | None
    ) -> Role | None:
        raw = self._text(fields, "role", what, owner)
        if raw is None:
            return None
        node = fields["role"][1]
        valid = ", ".join(Role.for_kind(kind) if kind else Role)
        roles_for = f"roles for kind {kind}" if kind else "known roles"
        try:
            role = Role(raw)
        except ValueError:
            self.add(node, f"unknown role '{raw}' for {what} ({roles_for}: {valid})")
            return None
        if kind is not None and role.agency_kind is not kind:
            self.add(
                node,
                f"role '{role}' belongs to kind {role.agency_kind}, not {kind} "
                f"({roles_for}: {valid})",
            )
            return None
        return role

    # --- partnership

    def _partnership(self, node: yaml.Node) -> Partnership:
        fields = self._fields(node, _PARTNERSHIP_KEYS, "partnership")
        if fields is None:
            return Partnership(name="")
        name = self._text(fields, "name", "partnership", node) or ""
        calendar = CalendarSettings(
            region=self._region(fields, node),
            timezone=self._timezone(fields, node),
            closure_days=self._closure_days(fields),
            working_hours=self._working_hours(fields),
        )
        pattern, example = self._case_reference(fields)
        return Partnership(
            name=name,
            calendar=calendar,
            timescales=self._timescales(fields),
            case_reference_pattern=pattern,
            case_reference_example=example,
            fallbacks=self._fallbacks(fields),
            reminders=self._reminders(fields, calendar.working_hours),
        )

    def _region(self, fields: _Fields, owner: yaml.Node) -> Region:
        raw = self._text(fields, "region", "partnership", owner, required=False)
        if raw is None:
            return Region.ENGLAND_WALES
        try:
            return Region(raw)
        except ValueError:
            known = ", ".join(Region)
            self.add(fields["region"][1], f"unknown region '{raw}' (known: {known})")
            return Region.ENGLAND_WALES

    def _timezone(self, fields: _Fields, owner: yaml.Node) -> str:
        raw = self._text(fields, "timezone", "partnership", owner, required=False)
        if raw is None:
            return "Europe/London"
        try:
            ZoneInfo(raw)
        except (KeyError, ValueError, OSError):  # not found, malformed, a folder of zones
            self.add(
                fields["timezone"][1],
                f"unknown timezone '{raw}' (use an IANA name such as Europe/London)",
            )
            return "Europe/London"
        return raw

    def _working_hours(self, fields: _Fields) -> WorkingHours:
        node = self._optional(fields, "working_hours")
        hours = None if node is None else self._fields(node, ("start", "end"), "working_hours")
        default = WorkingHours()
        if node is None or hours is None:
            return default
        start = self._clock(hours, "start", node) or default.start
        end = self._clock(hours, "end", node) or default.end
        if start >= end:
            self.add(node, f"working_hours start {start:%H:%M} must be before end {end:%H:%M}")
            return default
        return WorkingHours(start, end)

    def _clock(self, fields: _Fields, key: str, owner: yaml.Node) -> time | None:
        raw = self._text(fields, key, "working_hours", owner, required=False)
        if raw is None:
            return None
        match = _CLOCK.fullmatch(raw)
        if match is None:
            self.add(fields[key][1], f"working_hours {key} '{raw}' must be HH:MM (24-hour clock)")
            return None
        return time(int(match[1]), int(match[2]))

    def _closure_days(self, fields: _Fields) -> frozenset[date]:
        node = self._optional(fields, "closure_days")
        if node is None:
            return frozenset()
        if not isinstance(node, yaml.SequenceNode):
            self.add(node, "closure_days must be a list of dates (YYYY-MM-DD)")
            return frozenset()
        days: set[date] = set()
        for item in node.value:
            raw = str(item.value).strip() if isinstance(item, yaml.ScalarNode) else ""
            try:
                if not _ISO_DATE.fullmatch(raw):
                    raise ValueError(raw)
                days.add(date.fromisoformat(raw))
            except ValueError:
                shown = f"'{raw}'" if raw else "this entry"
                self.add(item, f"closure day {shown} is not a date (use YYYY-MM-DD)")
        return frozenset(days)

    def _case_reference(self, fields: _Fields) -> tuple[str, str]:
        defaults = (DEFAULT_CASE_REFERENCE_PATTERN, DEFAULT_CASE_REFERENCE_EXAMPLE)
        node = self._optional(fields, "case_reference")
        ref = None if node is None else self._fields(node, ("pattern", "example"), "case_reference")
        if node is None or ref is None:
            return defaults
        pattern = self._text(ref, "pattern", "case_reference", node, required=False)
        example = self._text(ref, "example", "case_reference", node, required=pattern is not None)
        if pattern is None:
            pattern = DEFAULT_CASE_REFERENCE_PATTERN
        else:
            try:
                re.compile(pattern)
            except re.error as error:
                self.add(ref["pattern"][1], f"case_reference pattern does not compile: {error}")
                return defaults
        if example is None:
            return pattern, DEFAULT_CASE_REFERENCE_EXAMPLE
        if re.fullmatch(pattern, example) is None:
            self.add(
                ref["example"][1],
                f"case_reference example '{example}' does not match the pattern '{pattern}'",
            )
        return pattern, example

    def _timescales(self, fields: _Fields) -> TimescaleRules:
        node = self._optional(fields, "timescales")
        if node is None:
            return TimescaleRules()
        if not isinstance(node, yaml.MappingNode):
            self.add(fields["timescales"][0], "timescales must be a mapping, e.g. {standard: 3}")
            return TimescaleRules()
        raw: dict[str, Any] = {
            str(key.value): self._constructor.construct_document(value) for key, value in node.value
        }
        try:
            return TimescaleRules.from_mapping(raw)
        except ValueError as error:
            self.add(fields["timescales"][0], f"invalid timescales: {error}")
            return TimescaleRules()

    def _reminders(self, fields: _Fields, hours: WorkingHours) -> ReminderPolicy:
        node = self._optional(fields, "reminders")
        if node is None:
            return ReminderPolicy()
        if not isinstance(node, yaml.MappingNode):
            self.add(fields["reminders"][0], "reminders must be a mapping, e.g. {nudge_at: 09:00}")
            return ReminderPolicy()
        raw: dict[str, Any] = {
            str(key.value): self._constructor.construct_document(value) for key, value in node.value
        }
        try:
            policy = ReminderPolicy.from_mapping(raw)
        except ValueError as error:
            self.add(fields["reminders"][0], f"invalid reminders: {error}")
            return ReminderPolicy()
        if not hours.contains(policy.nudge_at):
            self.add(fields["reminders"][0], "reminders nudge_at must be within the working hours")
        return policy

    def _fallbacks(self, fields: _Fields) -> tuple[FallbackRule, ...]:
        if "fallbacks" not in fields or _is_empty(fields["fallbacks"][1]):
            return DEFAULT_FALLBACKS
        self._fallbacks_key, node = fields["fallbacks"]
        by_kind = self._fields(node, list(AgencyKind), "fallbacks", key_word="agency kind")
        rules: list[FallbackRule] = []
        for name, (_, entry) in (by_kind or {}).items():
            kind = AgencyKind(name)
            what = f"fallback for {kind}"
            rule_fields = self._fields(entry, _FALLBACK_KEYS, what)
            if rule_fields is None:
                continue
            role = self._role(rule_fields, what, entry, kind)
            cutoff = self._minutes(rule_fields, "cutoff_minutes", what)
            latest = self._minutes(rule_fields, "latest_before_meeting_minutes", what)
            if role is not None and cutoff is not None and latest is not None:
                self._fallback_role_nodes[kind] = rule_fields["role"][1]
                rules.append(FallbackRule(kind, role, cutoff, latest))
        return tuple(rules)

    def _minutes(self, fields: _Fields, key: str, what: str) -> int | None:
        node = self._optional(fields, key)
        if node is None:
            return 60
        value = self._constructor.construct_document(node)
        if isinstance(value, bool) or not isinstance(value, int):
            value = -1
        if not 0 <= value <= MAX_FALLBACK_MINUTES:
            self.add(
                node, f"{key} of {what} must be a whole number of minutes 0-{MAX_FALLBACK_MINUTES}"
            )
            return None
        return value

    # --- agencies and contacts

    def _agencies(self, node: yaml.Node) -> list[Agency]:
        if not isinstance(node, yaml.SequenceNode):
            self.add(node, "agencies must be a list of agencies")
            return []
        agencies = [self._agency(item) for item in node.value]
        return [agency for agency in agencies if agency is not None]

    def _identifier(
        self, fields: _Fields, owner: yaml.Node, what: str, seen: dict[str, int]
    ) -> str | None:
        value = self._text(fields, "id", what, owner)
        if value is None:
            return None
        node = fields["id"][1]
        if not _ID.fullmatch(value):
            self.add(node, f"{what} id '{value}' must be lowercase letters, digits, '.', '_', '-'")
            return None
        if value in seen:
            self.add(node, f"duplicate {what} id '{value}' (first on line {seen[value]})")
        else:
            seen[value] = _line(node)
        return value

    def _agency(self, node: yaml.Node) -> Agency | None:
        fields = self._fields(node, _AGENCY_KEYS, "agency")
        if fields is None:
            return None
        agency_id = self._identifier(fields, node, "agency", self._agency_lines)
        what = f"agency '{agency_id}'" if agency_id else "agency"
        name = self._text(fields, "name", what, node)
        kind = self._agency_kind(fields, what, node)
        contacts_node = self._optional(fields, "contacts")
        contacts: list[Contact | None] = []
        if contacts_node is None or contacts_node.value == []:
            at = fields["contacts"][0] if "contacts" in fields else node
            self.add(at, f"{what} has no contacts")
        elif not isinstance(contacts_node, yaml.SequenceNode):
            self.add(contacts_node, f"contacts of {what} must be a list")
        else:
            contacts = [self._contact(item, agency_id, kind) for item in contacts_node.value]
        if agency_id is None or name is None or kind is None:
            return None
        return Agency(agency_id, name, kind, tuple(c for c in contacts if c is not None))

    def _agency_kind(self, fields: _Fields, what: str, owner: yaml.Node) -> AgencyKind | None:
        raw = self._text(fields, "kind", what, owner)
        if raw is None:
            return None
        try:
            kind = AgencyKind(raw)
        except ValueError:
            known = ", ".join(AgencyKind)
            self.add(fields["kind"][1], f"unknown agency kind '{raw}' (known: {known})")
            return None
        self._kinds_seen.add(kind)
        return kind

    def _contact(
        self, node: yaml.Node, agency_id: str | None, kind: AgencyKind | None
    ) -> Contact | None:
        fields = self._fields(node, _CONTACT_KEYS, "contact")
        if fields is None:
            return None
        contact_id = self._identifier(fields, node, "contact", self._contact_lines)
        what = f"contact '{contact_id}'" if contact_id else "contact"
        name = self._text(fields, "name", what, node)
        role = self._role(fields, what, node, kind)
        if role is not None:
            self._roles_seen.add(role)
        email = self._text(fields, "email", what, node)
        if email is not None and not _EMAIL.fullmatch(email):
            self.add(fields["email"][1], f"{what} has a malformed email '{email}'")
            email = None
        team = self._text(fields, "team", what, node, required=False)
        manager = self._text(fields, "manager", what, node, required=False)
        if manager is not None and contact_id is not None:
            self._managers.append((contact_id, manager, fields["manager"][1]))
        chat = self._chat(fields, what, contact_id)
        if agency_id is None or contact_id is None or name is None or role is None:
            return None
        if email is None or chat is None:
            return None
        return Contact(
            contact_id, name, role, agency_id, email, team, manager, chat, line=_line(node)
        )

    def _chat(self, fields: _Fields, what: str, contact_id: str | None) -> Mapping[str, str] | None:
        node = self._optional(fields, "chat")
        if node is None:
            return _no_chat()
        platforms = self._fields(node, CHAT_PLATFORMS, f"chat of {what}", key_word="chat platform")
        if platforms is None:
            return None
        chat: dict[str, str] = {}
        for platform in platforms:
            chat_id = self._text(platforms, platform, f"chat of {what}", node)
            if chat_id is None:
                continue
            owner = self._chat_owners.setdefault((platform, chat_id), contact_id or "?")
            if owner != (contact_id or "?"):
                self.add(
                    platforms[platform][1],
                    f"{platform} chat id '{chat_id}' is already used by contact '{owner}'",
                )
            chat[platform] = chat_id
        return MappingProxyType(chat)

    # --- checks that need the whole file

    def _check_managers(self) -> None:
        for contact_id, manager, node in self._managers:
            if manager == contact_id:
                self.add(node, f"contact '{contact_id}' cannot be their own manager")
            elif manager not in self._contact_lines:
                self.add(node, f"manager '{manager}' of contact '{contact_id}' is not a contact")

    def _check_fallbacks(self, partnership: Partnership, agencies_key: yaml.Node) -> None:
        for rule in partnership.fallbacks:
            if rule.role in self._roles_seen:
                continue
            role_node = self._fallback_role_nodes.get(rule.agency_kind)
            if role_node is None:  # the default health fallback
                self.add(
                    agencies_key,
                    f"no {rule.role.label} (role {rule.role}): the {rule.agency_kind.label} "
                    f"fallback needs one so that {rule.agency_kind.label} is always present",
                )
            else:
                self.add(
                    role_node,
                    f"fallback for {rule.agency_kind} names role '{rule.role}' "
                    "but no contact has that role",
                )
        explicit = self._fallbacks_key is not None
        if explicit and not any(r.agency_kind is AgencyKind.HEALTH for r in partnership.fallbacks):
            assert self._fallbacks_key is not None
            self.add(
                self._fallbacks_key,
                "no fallback for health: add one (usually mash_nurse) "
                "so that a health practitioner is always present",
            )

    def _check_requirements(self, agencies_key: yaml.Node) -> None:
        """The minimum for a strategy discussion: social care chairs, police and health attend."""
        if AgencyKind.SOCIAL_CARE not in self._kinds_seen:
            self.add(
                agencies_key,
                "no social_care agency: children's social care convenes every discussion",
            )
        elif Role.TEAM_MANAGER not in self._roles_seen:
            self.add(agencies_key, "no team_manager in social care: nobody can chair a discussion")
        if not any(role.agency_kind is AgencyKind.POLICE for role in self._roles_seen):
            self.add(agencies_key, "no police contact: every discussion needs the police")
