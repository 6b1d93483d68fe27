"""Strict checks of the invitations the bot sends, as a receiving calendar would read them."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from icalendar import Calendar

# name *(";" param) ":" value  (RFC 5545, 3.1), after unfolding
_CONTENT_LINE = re.compile(
    r'^[A-Za-z0-9-]+(;[A-Za-z0-9-]+=("[^"\x00-\x1f]*"|[^";:,\x00-\x1f]*)'
    r'(,("[^"\x00-\x1f]*"|[^";:,\x00-\x1f]*))*)*:.*$'
)


def check_lines(data: bytes) -> list[str]:
    """RFC 5545 at the level of lines: CRLF, at most 75 octets, balanced BEGIN/END."""
    assert data.endswith(b"\r\n"), "the document must end with CRLF"
    physical = data[:-2].split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in physical), "bare LF or CR"
    assert all(len(line) <= 75 for line in physical), "a line longer than 75 octets"
    lines: list[str] = []
    for line in physical:
        text = line.decode("utf-8")
        if text.startswith((" ", "\t")):
            assert lines, "a continuation line with nothing to continue"
            lines[-1] += text[1:]
        else:
            lines.append(text)
    stack: list[str] = []
    for line in lines:
        assert _CONTENT_LINE.match(line), f"not a content line: {line!r}"
        if line.startswith("BEGIN:"):
            stack.append(line[6:])
        elif line.startswith("END:"):
            assert stack and stack.pop() == line[4:], f"unbalanced {line}"
    assert stack == [], f"never closed: {stack}"
    return lines


def parse_strictly(data: bytes, method: str) -> Calendar:
    """Parse an iTIP document and check what every calendar client relies on."""
    check_lines(data)
    calendar = Calendar.from_ical(data)
    for component in calendar.walk():
        assert not component.errors, (component.name, component.errors)
    assert str(calendar["VERSION"]) == "2.0"
    assert calendar.get("PRODID")
    assert str(calendar["METHOD"]) == method
    assert calendar.get_missing_tzids() == set(), "a TZID without its VTIMEZONE"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    for name in ("UID", "SEQUENCE", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "ORGANIZER"):
        assert name in event, f"{name} missing"
    for name in ("DTSTART", "DTEND"):
        assert event[name].params.get("TZID") == "Europe/London", f"{name} has no time zone"
        assert event.decoded(name).tzinfo is not None
    assert event.decoded("DTSTAMP").utcoffset() == timedelta(0), "DTSTAMP must be UTC"
    assert event.decoded("DTEND") > event.decoded("DTSTART")
    assert str(event["ORGANIZER"]).startswith("mailto:")
    for attendee in attendees(event):
        assert str(attendee).startswith("mailto:")
        assert attendee.params["ROLE"] in ("CHAIR", "REQ-PARTICIPANT")
        assert attendee.params["RSVP"] == "TRUE"
        assert attendee.params["PARTSTAT"] in ("NEEDS-ACTION", "ACCEPTED", "DECLINED")
        assert attendee.params["CN"]
    assert str(event["STATUS"]) == ("CANCELLED" if method == "CANCEL" else "CONFIRMED")
    return calendar


def attendees(event: Any) -> list[Any]:
    found = event.get("ATTENDEE", [])
    return found if isinstance(found, list) else [found]


def event_of(calendar: Calendar) -> Any:
    return calendar.walk("VEVENT")[0]


def calendar_part(message: EmailMessage) -> tuple[str, Calendar]:
    """The text/calendar part of an email: its method and its document, checked strictly."""
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, [p.get_content_type() for p in message.walk()]
    part = parts[0]
    method = part.get_param("method")
    assert isinstance(method, str), "text/calendar without a method parameter"
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    return method, parse_strictly(data, method)
