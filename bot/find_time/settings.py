"""Finding a time, from the settings: whose calendars the bot may read, and the slot rules."""

from __future__ import annotations

from bot.directory import Directory
from bot.find_time.calendars_file import CalendarsFileError, SimulatedCalendars, load_calendars
from bot.settings import Settings
from scheduling.slots import SlotRules


class FindTimeSettingsError(ValueError):
    """STRATEGY_CALENDARS or FIND_TIME_RULES cannot be used; the message says why."""


def calendars_from_settings(
    settings: Settings, directory: Directory, *, graph: bool
) -> SimulatedCalendars | None:
    """The simulated calendars to read (None: Graph's, or nobody's).

    STRATEGY_CALENDARS names a file; without it, the bundled sample directory
    (synthetic people) comes with the bundled sample calendars unless Graph is
    configured, so the console shows free/busy for the council's staff.
    """
    known = [c.id for c in directory.contacts()]
    try:
        if settings.strategy_calendars is not None:
            return load_calendars(settings.strategy_calendars, known)
        if settings.strategy_directory is None and not graph:
            return load_calendars(None, known)
    except CalendarsFileError as problem:
        raise FindTimeSettingsError(f"STRATEGY_CALENDARS: {problem}") from None
    return None


def slot_rules_from_settings(settings: Settings) -> SlotRules:
    try:
        return SlotRules.from_mapping(settings.find_time_rules)
    except ValueError as problem:
        raise FindTimeSettingsError(f"FIND_TIME_RULES: {problem}") from None
