"""The `partnership:` section of a directory file: its calendar, rules and fallbacks."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot.directory.model import (
    DEFAULT_CASE_REFERENCE_EXAMPLE,
    DEFAULT_CASE_REFERENCE_PATTERN,
    DEFAULT_FALLBACKS,
    MAX_FALLBACK_MINUTES,
    FallbackRule,
    Partnership,
)
from bot.directory.nodes import Fields, Nodes, is_empty
from bot.directory.reach import partnership_reach
from bot.directory.roles import AgencyKind
from scheduling.rules import (
    CalendarSettings,
    Region,
    ReminderPolicy,
    TimescaleRules,
    WorkingHours,
)

_CLOCK = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
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
    "reach",
)
_FALLBACK_KEYS = ("role", "cutoff_minutes", "latest_before_meeting_minutes")


class PartnershipReader:
    """Reads the partnership section, noting problems in `nodes`.

    It remembers where the fallbacks were given, for the checks that need the
    whole file (a fallback role nobody holds).
    """

    def __init__(self, nodes: Nodes) -> None:
        self.nodes = nodes
        self.fallbacks_key: yaml.Node | None = None  # None: the default fallbacks apply
        self.fallback_role_nodes: dict[AgencyKind, yaml.Node] = {}

    def read(self, node: yaml.Node) -> Partnership:
        fields = self.nodes.fields(node, _PARTNERSHIP_KEYS, "partnership")
        if fields is None:
            return Partnership(name="")
        name = self.nodes.text(fields, "name", "partnership", node) or ""
        calendar = CalendarSettings(
            region=self._region(fields, node),
            timezone=self._timezone(fields, node),
            closure_days=self._closure_days(fields),
            working_hours=self._working_hours(fields),
        )
        pattern, example = self._case_reference(fields)
        reach, email_copy = partnership_reach(self.nodes, fields)
        return Partnership(
            name=name,
            calendar=calendar,
            timescales=self._timescales(fields),
            case_reference_pattern=pattern,
            case_reference_example=example,
            fallbacks=self._fallbacks(fields),
            reminders=self._reminders(fields, calendar.working_hours),
            reach=reach,
            email_copy_of_invitations=email_copy,
        )

    def _region(self, fields: Fields, owner: yaml.Node) -> Region:
        raw = self.nodes.text(fields, "region", "partnership", owner, required=False)
        if raw is None:
            return Region.ENGLAND_WALES
        try:
            return Region(raw)
        except ValueError:
            known = ", ".join(Region)
            self.nodes.add(fields["region"][1], f"unknown region '{raw}' (known: {known})")
            return Region.ENGLAND_WALES

    def _timezone(self, fields: Fields, owner: yaml.Node) -> str:
        raw = self.nodes.text(fields, "timezone", "partnership", owner, required=False)
        if raw is None:
            return "Europe/London"
        try:
            ZoneInfo(raw)
        except (KeyError, ValueError, OSError):  # not found, malformed, a folder of zones
            self.nodes.add(
                fields["timezone"][1],
                f"unknown timezone '{raw}' (use an IANA name such as Europe/London)",
            )
            return "Europe/London"
        return raw

    def _working_hours(self, fields: Fields) -> WorkingHours:
        node = self.nodes.optional(fields, "working_hours")
        hours = None if node is None else self.nodes.fields(node, ("start", "end"), "working_hours")
        default = WorkingHours()
        if node is None or hours is None:
            return default
        start = self._clock(hours, "start", node) or default.start
        end = self._clock(hours, "end", node) or default.end
        if start >= end:
            self.nodes.add(
                node, f"working_hours start {start:%H:%M} must be before end {end:%H:%M}"
            )
            return default
        return WorkingHours(start, end)

    def _clock(self, fields: Fields, key: str, owner: yaml.Node) -> time | None:
        raw = self.nodes.text(fields, key, "working_hours", owner, required=False)
        if raw is None:
            return None
        match = _CLOCK.fullmatch(raw)
        if match is None:
            self.nodes.add(
                fields[key][1], f"working_hours {key} '{raw}' must be HH:MM (24-hour clock)"
            )
            return None
        return time(int(match[1]), int(match[2]))

    def _closure_days(self, fields: Fields) -> frozenset[date]:
        node = self.nodes.optional(fields, "closure_days")
        if node is None:
            return frozenset()
        if not isinstance(node, yaml.SequenceNode):
            self.nodes.add(node, "closure_days must be a list of dates (YYYY-MM-DD)")
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
                self.nodes.add(item, f"closure day {shown} is not a date (use YYYY-MM-DD)")
        return frozenset(days)

    def _case_reference(self, fields: Fields) -> tuple[str, str]:
        defaults = (DEFAULT_CASE_REFERENCE_PATTERN, DEFAULT_CASE_REFERENCE_EXAMPLE)
        node = self.nodes.optional(fields, "case_reference")
        ref = (
            None
            if node is None
            else self.nodes.fields(node, ("pattern", "example"), "case_reference")
        )
        if node is None or ref is None:
            return defaults
        pattern = self.nodes.text(ref, "pattern", "case_reference", node, required=False)
        example = self.nodes.text(
            ref, "example", "case_reference", node, required=pattern is not None
        )
        if pattern is None:
            pattern = DEFAULT_CASE_REFERENCE_PATTERN
        else:
            try:
                re.compile(pattern)
            except re.error as error:
                self.nodes.add(
                    ref["pattern"][1], f"case_reference pattern does not compile: {error}"
                )
                return defaults
        if example is None:
            return pattern, DEFAULT_CASE_REFERENCE_EXAMPLE
        if re.fullmatch(pattern, example) is None:
            self.nodes.add(
                ref["example"][1],
                f"case_reference example '{example}' does not match the pattern '{pattern}'",
            )
        return pattern, example

    def _timescales(self, fields: Fields) -> TimescaleRules:
        node = self.nodes.optional(fields, "timescales")
        if node is None:
            return TimescaleRules()
        if not isinstance(node, yaml.MappingNode):
            self.nodes.add(
                fields["timescales"][0], "timescales must be a mapping, e.g. {standard: 3}"
            )
            return TimescaleRules()
        raw: dict[str, Any] = {str(key.value): self.nodes.value(value) for key, value in node.value}
        try:
            return TimescaleRules.from_mapping(raw)
        except ValueError as error:
            self.nodes.add(fields["timescales"][0], f"invalid timescales: {error}")
            return TimescaleRules()

    def _reminders(self, fields: Fields, hours: WorkingHours) -> ReminderPolicy:
        node = self.nodes.optional(fields, "reminders")
        if node is None:
            return ReminderPolicy()
        if not isinstance(node, yaml.MappingNode):
            self.nodes.add(
                fields["reminders"][0], "reminders must be a mapping, e.g. {nudge_at: 09:00}"
            )
            return ReminderPolicy()
        raw: dict[str, Any] = {str(key.value): self.nodes.value(value) for key, value in node.value}
        try:
            policy = ReminderPolicy.from_mapping(raw)
        except ValueError as error:
            self.nodes.add(fields["reminders"][0], f"invalid reminders: {error}")
            return ReminderPolicy()
        if not hours.contains(policy.nudge_at):
            self.nodes.add(
                fields["reminders"][0], "reminders nudge_at must be within the working hours"
            )
        return policy

    def _fallbacks(self, fields: Fields) -> tuple[FallbackRule, ...]:
        if "fallbacks" not in fields or is_empty(fields["fallbacks"][1]):
            return DEFAULT_FALLBACKS
        self.fallbacks_key, node = fields["fallbacks"]
        by_kind = self.nodes.fields(node, list(AgencyKind), "fallbacks", key_word="agency kind")
        rules: list[FallbackRule] = []
        for name, (_, entry) in (by_kind or {}).items():
            kind = AgencyKind(name)
            what = f"fallback for {kind}"
            rule_fields = self.nodes.fields(entry, _FALLBACK_KEYS, what)
            if rule_fields is None:
                continue
            role = self.nodes.role(rule_fields, what, entry, kind)
            cutoff = self._minutes(rule_fields, "cutoff_minutes", what)
            latest = self._minutes(rule_fields, "latest_before_meeting_minutes", what)
            if role is not None and cutoff is not None and latest is not None:
                self.fallback_role_nodes[kind] = rule_fields["role"][1]
                rules.append(FallbackRule(kind, role, cutoff, latest))
        return tuple(rules)

    def _minutes(self, fields: Fields, key: str, what: str) -> int | None:
        node = self.nodes.optional(fields, key)
        if node is None:
            return 60
        value = self.nodes.value(node)
        if isinstance(value, bool) or not isinstance(value, int):
            value = -1
        if not 0 <= value <= MAX_FALLBACK_MINUTES:
            self.nodes.add(
                node, f"{key} of {what} must be a whole number of minutes 0-{MAX_FALLBACK_MINUTES}"
            )
            return None
        return value
