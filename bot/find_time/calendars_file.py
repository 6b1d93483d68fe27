"""Simulated calendars from a YAML file: free/busy for the console and the demo.

In production free/busy comes from Microsoft Graph; on the console it comes
from a file of busy blocks per contact (the bundled synthetic sample is
bot/data/sample_calendars.yaml). A contact listed in the file has a calendar
the bot can see; anyone else is asked by poll, as people outside the tenant
would be in production. The format:

    timezone: Europe/London          # optional: the zone of the wall times below
    calendars:
      asha.patel:                    # a contact id from the directory
        weekly:                      # every week, on these days
          - {days: [mon, wed], start: "09:00", end: "10:30", what: Team meeting}
          - {days: weekdays, start: "13:00", end: "13:30", from: 2026-11-01, until: 2027-03-31}
        dates:                       # one-off blocks
          - {date: 2026-11-24, start: "10:00", end: "12:00", what: Court}
          - {date: 2026-11-26, until: 2026-11-27, what: Annual leave}   # whole days

`days` is a list of mon..sun (or monday..sunday), or `weekdays`; `from` and
`until` (optional, inclusive) bound a weekly block; a dated block without
`start` and `end` is the whole day, and `until` makes it several days (with
`start` and `end`, those hours on each of them). `what` is an optional label.
Loading checks the whole file and reports every problem with its line, like
`strategy-bot directory check`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from bot.directory import Problem
from scheduling.availability import Availability, Interval, Known, Person, Unknown
from scheduling.clock import as_utc

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NOT_LISTED = "no calendar the bot can see: asked by poll"

_CLOCK = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WEEKLY_KEYS = ("days", "start", "end", "what", "from", "until")
_DATED_KEYS = ("date", "until", "start", "end", "what")


@dataclass(frozen=True)
class Block:
    """Busy on `weekdays` (0 = Monday) from `first` to `last` (inclusive), `start` to `end`.

    `start` and `end` None: the whole day. `first`/`last` None: no bound.
    """

    weekdays: frozenset[int]
    start: time | None
    end: time | None
    first: date | None
    last: date | None
    what: str
    line: int

    def on(self, day: date) -> bool:
        return (
            day.weekday() in self.weekdays
            and (self.first is None or day >= self.first)
            and (self.last is None or day <= self.last)
        )


@dataclass(frozen=True)
class SimulatedCalendars:
    """An AvailabilitySource over the blocks of a calendars file."""

    timezone: str
    blocks: Mapping[str, tuple[Block, ...]]  # contact id -> their blocks

    def busy_times(
        self, people: Sequence[Person], start: datetime, end: datetime
    ) -> dict[str, Availability]:
        start, end = as_utc(start), as_utc(end)
        return {
            person.id: Known(tuple(self._busy(self.blocks[person.id], start, end)))
            if person.id in self.blocks
            else Unknown(NOT_LISTED)
            for person in people
        }

    def _busy(self, blocks: Sequence[Block], start: datetime, end: datetime) -> Iterator[Interval]:
        zone = ZoneInfo(self.timezone)
        day = start.astimezone(zone).date()
        while day <= end.astimezone(zone).date():
            for block in blocks:
                if not block.on(day):
                    continue
                begins = _at(day, block.start or time(0), zone)
                ends = (
                    _at(day, block.end, zone)
                    if block.end
                    else _at(day + timedelta(days=1), time(0), zone)
                )
                low, high = max(begins, start), min(ends, end)
                if low < high:
                    yield Interval(low, high)
            day += timedelta(days=1)


def _at(day: date, wall: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, wall, tzinfo=zone)


class CalendarsFileError(Exception):
    """A calendars file that cannot be used, with every problem found in it."""

    def __init__(self, name: str, problems: list[Problem]) -> None:
        super().__init__(name, problems)
        self.name = name
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(problem.format(self.name) for problem in self.problems)


SAMPLE_NAME = "sample_calendars.yaml"


def _sample_text() -> str:
    return (resources.files("bot") / "data" / SAMPLE_NAME).read_text(encoding="utf-8")


def check_calendars(
    path: Path | None = None, known_ids: Collection[str] | None = None
) -> list[Problem]:
    """Every problem in the file (None: the bundled sample), in line order; empty when fine.

    With `known_ids` (the directory's contact ids), a calendar for anyone else is a problem.
    """
    return _read(path, known_ids)[1]


def load_calendars(
    path: Path | None = None, known_ids: Collection[str] | None = None
) -> SimulatedCalendars:
    """Load a calendars file (None: the bundled sample); CalendarsFileError lists every problem."""
    calendars, problems = _read(path, known_ids)
    if calendars is None:
        raise CalendarsFileError(str(path) if path else SAMPLE_NAME, problems)
    return calendars


def _read(
    path: Path | None, known_ids: Collection[str] | None
) -> tuple[SimulatedCalendars | None, list[Problem]]:
    try:
        text = _sample_text() if path is None else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        return None, [Problem(0, f"cannot read the file: {reason}")]
    checker = _Checker(known_ids)
    calendars = checker.check(text)
    problems = sorted(checker.problems, key=lambda problem: problem.line)
    return (calendars if not problems else None), problems


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


class _Checker:
    """Walks the composed YAML (which keeps line marks), collecting every problem."""

    def __init__(self, known_ids: Collection[str] | None) -> None:
        self.known_ids = known_ids
        self.problems: list[Problem] = []

    def add(self, node: yaml.Node, message: str) -> None:
        self.problems.append(Problem(_line(node), message))

    def check(self, text: str) -> SimulatedCalendars | None:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = mark.line + 1 if mark else 1
            self.problems.append(Problem(line, f"YAML syntax error: {error.problem}"))
            return None
        except yaml.YAMLError as error:
            self.problems.append(Problem(1, f"YAML error: {error}"))
            return None
        if root is None:
            self.problems.append(Problem(1, "the file is empty: it needs 'calendars'"))
            return None
        top = self.fields(root, ("timezone", "calendars"), "the file")
        if top is None:
            return None
        timezone = self.timezone(top.get("timezone"))
        if "calendars" not in top:
            self.add(root, "the file has no 'calendars' section")
            return None
        people = self.fields(top["calendars"], None, "calendars", key_word="contact")
        blocks = {
            person: tuple(self.person(person, node)) for person, node in (people or {}).items()
        }
        return SimulatedCalendars(timezone, blocks)

    # -- generic helpers

    def fields(
        self, node: yaml.Node, allowed: Sequence[str] | None, what: str, key_word: str = "key"
    ) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.add(node, f"{what} must be a mapping of keys to values")
            return None
        found: dict[str, yaml.Node] = {}
        for key, value in node.value:
            name = str(key.value) if isinstance(key, yaml.ScalarNode) else None
            if name is None:
                self.add(key, f"a key in {what} must be plain text")
            elif name in found:
                self.add(key, f"duplicate {key_word} '{name}' in {what}")
            elif allowed is not None and name not in allowed:
                self.add(
                    key, f"unknown {key_word} '{name}' in {what} (known: {', '.join(allowed)})"
                )
            elif allowed is None and self.known_ids is not None and name not in self.known_ids:
                self.add(key, f"'{name}' is not a contact id in the directory")
                found[name] = value
            else:
                found[name] = value
        return found

    def text(self, node: yaml.Node, what: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
            self.add(node, f"{what} must be text")
            return None
        return str(node.value).strip()

    def timezone(self, node: yaml.Node | None) -> str:
        raw = None if node is None else self.text(node, "timezone")
        if raw is None:
            return "Europe/London"
        try:
            ZoneInfo(raw)
        except (KeyError, ValueError, OSError):
            assert node is not None
            self.add(node, f"unknown timezone '{raw}' (use an IANA name such as Europe/London)")
            return "Europe/London"
        return raw

    def day(self, node: yaml.Node | None, key: str, what: str) -> date | None:
        raw = None if node is None else self.text(node, f"{what}: {key}")
        if node is None or raw is None:
            return None
        try:
            if not _ISO_DATE.fullmatch(raw):
                raise ValueError(raw)
            return date.fromisoformat(raw)
        except ValueError:
            self.add(node, f"{what}: {key} '{raw}' is not a date (use YYYY-MM-DD, e.g. 2026-11-24)")
            return None

    def clock(self, node: yaml.Node | None, key: str, what: str) -> time | None:
        raw = None if node is None else self.text(node, f"{what}: {key}")
        if node is None or raw is None:
            return None
        match = _CLOCK.fullmatch(raw)
        if match is None:
            self.add(node, f"{what}: {key} '{raw}' must be HH:MM (24-hour clock), e.g. \"09:30\"")
            return None
        return time(int(match[1]), int(match[2]))

    # -- people and their blocks

    def person(self, person: str, node: yaml.Node) -> Iterator[Block]:
        what = f"the calendar of '{person}'"
        fields = self.fields(node, ("weekly", "dates"), what)
        for key, block in (("weekly", self.weekly), ("dates", self.dated)):
            entries = (fields or {}).get(key)
            if entries is None:
                continue
            if not isinstance(entries, yaml.SequenceNode):
                self.add(entries, f"{key} of '{person}' must be a list of blocks")
                continue
            for entry in entries.value:
                kind = "a weekly" if key == "weekly" else "a one-off"
                made = block(entry, f"{kind} block of '{person}'")
                if made is not None:
                    yield made

    def hours(
        self, fields: dict[str, yaml.Node], owner: yaml.Node, what: str, required: bool
    ) -> tuple[time | None, time | None, bool]:
        """start and end (both or neither, unless required), and whether they are fine."""
        start = self.clock(fields.get("start"), "start", what)
        end = self.clock(fields.get("end"), "end", what)
        present = ("start" in fields) + ("end" in fields)
        if (required and present < 2) or present == 1:
            needs = "needs start and end" if required else "needs both start and end, or neither"
            self.add(owner, f"{what} {needs}")
            return None, None, False
        if start is not None and end is not None and start >= end:
            self.add(fields["start"], f"{what}: start {start:%H:%M} must be before end {end:%H:%M}")
            return None, None, False
        return start, end, present == 0 or (start is not None and end is not None)

    def weekly(self, node: yaml.Node, what: str) -> Block | None:
        fields = self.fields(node, _WEEKLY_KEYS, what)
        if fields is None:
            return None
        days = self.weekdays(fields.get("days"), node, what)
        start, end, hours_ok = self.hours(fields, node, what, required=True)
        first = self.day(fields.get("from"), "from", what)
        last = self.day(fields.get("until"), "until", what)
        what_text = self.text(fields["what"], f"{what}: what") if "what" in fields else ""
        if first and last and last < first:
            self.add(fields["until"], f"{what}: until {last} is before from {first}")
            return None
        if days is None or not hours_ok or what_text is None:
            return None
        return Block(days, start, end, first, last, what_text, _line(node))

    def weekdays(
        self, node: yaml.Node | None, owner: yaml.Node, what: str
    ) -> frozenset[int] | None:
        example = "e.g. [mon, thu] or weekdays"
        if node is None:
            self.add(owner, f"{what} has no days ({example})")
            return None
        if isinstance(node, yaml.ScalarNode) and node.value == "weekdays":
            return frozenset(range(5))
        names = node.value if isinstance(node, yaml.SequenceNode) else None
        if not names:
            self.add(node, f"{what}: days must be a list of {', '.join(DAY_NAMES)} ({example})")
            return None
        days: set[int] = set()
        for name in names:
            raw = str(name.value).strip().lower() if isinstance(name, yaml.ScalarNode) else ""
            if raw in DAY_NAMES:
                days.add(DAY_NAMES.index(raw))
            elif raw in _FULL_DAY_NAMES:
                days.add(_FULL_DAY_NAMES.index(raw))
            else:
                self.add(name, f"{what}: unknown day '{raw}' (use {', '.join(DAY_NAMES)})")
                return None
        return frozenset(days)

    def dated(self, node: yaml.Node, what: str) -> Block | None:
        fields = self.fields(node, _DATED_KEYS, what)
        if fields is None:
            return None
        if "date" not in fields:
            self.add(node, f"{what} has no date (e.g. date: 2026-11-24)")
        first = self.day(fields.get("date"), "date", what)
        last = self.day(fields.get("until"), "until", what) if "until" in fields else first
        start, end, hours_ok = self.hours(fields, node, what, required=False)
        what_text = self.text(fields["what"], f"{what}: what") if "what" in fields else ""
        if first and last and last < first:
            self.add(fields["until"], f"{what}: until {last} is before the date {first}")
            return None
        if first is None or last is None or not hours_ok or what_text is None:
            return None
        return Block(frozenset(range(7)), start, end, first, last, what_text, _line(node))
