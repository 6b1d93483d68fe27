"""iTIP documents: what any calendar client needs to file, update and cancel the meeting."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.calendar import ics
from bot.calendar.port import Attendee, Meeting
from tests.calendar.itip import attendees, check_lines, event_of, parse_strictly

MEETING = Meeting(
    uid="0831ed3a-7cc8-4cbc-bc9e-62b4a80790de@strategy-bot",
    sequence=0,
    subject="Strategy discussion NV-40213",
    body="Strategy discussion for case NV-40213\nWhen: Tue 24 Nov, 14:00 GMT; chair: Asha Patel",
    start=datetime(2026, 11, 24, 14, 0, tzinfo=UTC),
    end=datetime(2026, 11, 24, 15, 0, tzinfo=UTC),
    timezone="Europe/London",
    organiser_name='Asha Patel, "the chair" (via strategy-bot)',
    organiser_email="strategy-bot@northvale.gov.example",
    attendees=(
        Attendee("Asha Patel", "asha.patel@northvale.gov.example", chair=True, answer="accepted"),
        Attendee("Olivia Bennett", "olivia.bennett@northvale-health.nhs.example"),
        Attendee("Megan Price", "megan.price@northvale.police.example", answer="declined"),
    ),
    stamp=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
)


def test_a_request_holds_every_itip_property() -> None:
    calendar = parse_strictly(ics.request(MEETING), "REQUEST")
    event = event_of(calendar)
    assert str(event["UID"]) == MEETING.uid
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTAMP") == MEETING.stamp
    assert event.decoded("DTSTART") == MEETING.start
    assert event.decoded("DTEND") == MEETING.end
    assert str(event["ORGANIZER"]) == "mailto:strategy-bot@northvale.gov.example"
    assert event["ORGANIZER"].params["CN"] == 'Asha Patel, "the chair" (via strategy-bot)'
    assert str(event["CLASS"]) == "PRIVATE"
    assert str(event["DESCRIPTION"]) == MEETING.body
    people = {str(a): a.params for a in attendees(event)}
    assert people == {
        "mailto:asha.patel@northvale.gov.example": {
            "CN": "Asha Patel",
            "CUTYPE": "INDIVIDUAL",
            "ROLE": "CHAIR",
            "PARTSTAT": "ACCEPTED",
            "RSVP": "TRUE",
        },
        "mailto:olivia.bennett@northvale-health.nhs.example": {
            "CN": "Olivia Bennett",
            "CUTYPE": "INDIVIDUAL",
            "ROLE": "REQ-PARTICIPANT",
            "PARTSTAT": "NEEDS-ACTION",
            "RSVP": "TRUE",
        },
        "mailto:megan.price@northvale.police.example": {
            "CN": "Megan Price",
            "CUTYPE": "INDIVIDUAL",
            "ROLE": "REQ-PARTICIPANT",
            "PARTSTAT": "DECLINED",
            "RSVP": "TRUE",
        },
    }
    assert "URL" not in event  # no Teams link without Graph


def test_local_times_with_their_time_zone_in_summer_and_in_winter() -> None:
    summer = replace(
        MEETING,
        start=datetime(2026, 6, 24, 13, 0, tzinfo=UTC),
        end=datetime(2026, 6, 24, 14, 0, tzinfo=UTC),
    )
    lines = check_lines(ics.request(summer))
    assert "DTSTART;TZID=Europe/London:20260624T140000" in lines  # 14:00 BST
    lines = check_lines(ics.request(MEETING))
    assert "DTSTART;TZID=Europe/London:20261124T140000" in lines  # 14:00 GMT
    vtimezone = lines[lines.index("BEGIN:VTIMEZONE") : lines.index("END:VTIMEZONE")]
    assert "TZNAME:BST" in vtimezone and "TZNAME:GMT" in vtimezone
    assert "TZOFFSETTO:+0100" in vtimezone
    calendar = parse_strictly(ics.request(summer), "REQUEST")
    start = event_of(calendar).decoded("DTSTART")
    assert start.utcoffset() == timedelta(hours=1)


def test_a_cancellation_of_the_meeting_and_of_one_person() -> None:
    cancelled = replace(MEETING, sequence=2)
    calendar = parse_strictly(ics.cancel(cancelled), "CANCEL")
    event = event_of(calendar)
    assert int(event["SEQUENCE"]) == 2 and str(event["UID"]) == MEETING.uid
    assert len(attendees(event)) == 3

    one = parse_strictly(ics.cancel(MEETING, (MEETING.attendees[1],)), "CANCEL")
    assert [str(a) for a in attendees(event_of(one))] == [
        "mailto:olivia.bennett@northvale-health.nhs.example"
    ]


def test_the_teams_link_is_given_when_there_is_one() -> None:
    calendar = parse_strictly(
        ics.request(replace(MEETING, join_url="https://teams.example/l/meetup-join/abc")),
        "REQUEST",
    )
    event = event_of(calendar)
    assert str(event["URL"]) == "https://teams.example/l/meetup-join/abc"
    assert str(event["LOCATION"]) == "Microsoft Teams"


def test_the_strict_checks_catch_a_document_without_its_time_zone() -> None:
    broken = (
        ics.request(MEETING)
        .replace(b"BEGIN:VTIMEZONE", b"BEGIN:X-NOTHING")
        .replace(b"END:VTIMEZONE", b"END:X-NOTHING")
    )
    with pytest.raises(AssertionError, match="TZID without its VTIMEZONE"):
        parse_strictly(broken, "REQUEST")
    with pytest.raises(AssertionError, match="75 octets"):
        check_lines(b"BEGIN:VCALENDAR\r\nX-LONG:" + b"x" * 80 + b"\r\nEND:VCALENDAR\r\n")


@pytest.mark.parametrize(
    ("zone", "start"),
    [
        ("Europe/London", datetime(2026, 11, 24, 14, 0, tzinfo=UTC)),
        ("Europe/London", datetime(2027, 12, 31, 23, 30, tzinfo=UTC)),  # 2028 in Auckland
        ("America/New_York", datetime(2026, 3, 8, 15, 0, tzinfo=UTC)),
        ("Pacific/Auckland", datetime(2027, 12, 31, 23, 30, tzinfo=UTC)),
        ("UTC", datetime(2026, 11, 24, 14, 0, tzinfo=UTC)),
    ],
)
def test_the_remembered_vtimezone_is_what_icalendar_adds(
    monkeypatch: pytest.MonkeyPatch, zone: str, start: datetime
) -> None:
    meeting = replace(MEETING, timezone=zone, start=start, end=start + timedelta(hours=1))
    made = ics.request(meeting), ics.cancel(meeting), ics.request(meeting)

    serialise = Calendar.to_ical

    def with_zones_added(calendar: Calendar, sorted: bool = True) -> bytes:
        year = start.astimezone(ZoneInfo(zone)).year
        calendar.add_missing_timezones(date(year, 1, 1), date(year + 1, 12, 31))
        return bytes(serialise(calendar, sorted))

    monkeypatch.setattr(ics, "_vtimezone", lambda tzid, year: b"")
    monkeypatch.setattr(Calendar, "to_ical", with_zones_added)
    assert (ics.request(meeting), ics.cancel(meeting), ics.request(meeting)) == made
    assert (b"BEGIN:VTIMEZONE" in made[0]) is (zone != "UTC")
