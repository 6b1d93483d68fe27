"""iTIP (RFC 5546) invitations and cancellations as iCalendar documents.

Every calendar client accepts these by email: METHOD:REQUEST invites (or
updates, when the SEQUENCE is higher), METHOD:CANCEL cancels. The UID stays the
same for the life of a discussion so that an update replaces the entry in
people's calendars instead of adding a second one. Times are written in the
meeting's time zone, with its VTIMEZONE, so that clients show them correctly
whatever the reader's own zone.
"""

from __future__ import annotations

from datetime import UTC, date
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from bot.calendar.port import Attendee, Meeting

PRODID = "-//strategy-bot//Strategy discussion invitations//EN"

_PARTSTAT = {"accepted": "ACCEPTED", "declined": "DECLINED"}


def request(meeting: Meeting) -> bytes:
    """The invitation (or, with a higher sequence, the update) for every attendee."""
    return _document(meeting, "REQUEST", meeting.attendees, cancelled=False)


def cancel(meeting: Meeting, attendees: tuple[Attendee, ...] | None = None) -> bytes:
    """The cancellation: of the whole meeting, or for some attendees who are no longer invited."""
    return _document(
        meeting, "CANCEL", meeting.attendees if attendees is None else attendees, cancelled=True
    )


def _document(
    meeting: Meeting, method: str, attendees: tuple[Attendee, ...], *, cancelled: bool
) -> bytes:
    zone = ZoneInfo(meeting.timezone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)

    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", meeting.stamp.astimezone(UTC))
    event.add("dtstart", meeting.start.astimezone(zone))
    event.add("dtend", meeting.end.astimezone(zone))
    event.add("summary", meeting.subject)
    event.add("description", meeting.body)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    # Safeguarding meetings: others who can see the calendar see only "busy".
    event.add("class", "PRIVATE")
    event.add("transp", "OPAQUE")
    if meeting.join_url:
        event.add("location", "Microsoft Teams")
        event.add("url", meeting.join_url)

    organiser = vCalAddress(f"mailto:{meeting.organiser_email}")
    organiser.params["CN"] = vText(meeting.organiser_name)
    event.add("organizer", organiser)
    for attendee in attendees:
        address = vCalAddress(f"mailto:{attendee.email}")
        address.params["CN"] = vText(attendee.name)
        address.params["CUTYPE"] = "INDIVIDUAL"
        address.params["ROLE"] = "CHAIR" if attendee.chair else "REQ-PARTICIPANT"
        address.params["PARTSTAT"] = _PARTSTAT.get(attendee.answer or "", "NEEDS-ACTION")
        address.params["RSVP"] = "TRUE"
        event.add("attendee", address, encode=False)
    calendar.add_component(event)

    # A VTIMEZONE covering the meeting's year and the next: enough for any
    # client to place it, without decades of transitions. It is what
    # add_missing_timezones would insert before the event, serialised once per
    # zone and year (a test compares): a third of the document's lines.
    year = meeting.start.astimezone(zone).year
    zones = b"".join(_vtimezone(tzid, year) for tzid in calendar.get_missing_tzids())
    document = bytes(calendar.to_ical())
    return document.replace(b"BEGIN:VEVENT\r\n", zones + b"BEGIN:VEVENT\r\n", 1)


@lru_cache(maxsize=64)
def _vtimezone(tzid: str, year: int) -> bytes:
    try:
        timezone = Timezone.from_tzid(
            tzid, first_date=date(year, 1, 1), last_date=date(year + 1, 12, 31)
        )
    except ValueError:  # a zone icalendar does not know: left out, as it would be
        return b""
    return bytes(timezone.to_ical())
