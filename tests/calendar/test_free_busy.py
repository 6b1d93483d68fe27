"""Free/busy through Graph getSchedule: real O365 and msal code against the local fake Graph."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.calendar.port import CalendarRefused
from bot.directory import Contact, load_directory
from bot.find_time.graph_schedule import OUTSIDE_TENANT, GraphFreeBusy
from scheduling.availability import Interval, Known, Unknown
from tests.calendar.conftest import ORGANISER, graph_for
from tests.calendar.servers import Certificate, FakeMicrosoft

TENANT = ["northvale.gov.example"]
DIRECTORY = load_directory()


def contact(contact_id: str) -> Contact:
    found = DIRECTORY.contact(contact_id)
    assert found is not None
    return found


ASHA, BEN = contact("asha.patel"), contact("ben.okafor")
MEGAN = contact("megan.price")  # police: another organisation

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
END = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@dataclass(frozen=True)
class Someone:
    id: str
    email: str


def test_getschedule_reads_busy_times_from_the_organiser_mailbox(
    microsoft: FakeMicrosoft, certificate: Certificate
) -> None:
    microsoft.busy(ASHA.email, at(23, 10), at(23, 11, 30))
    microsoft.busy(ASHA.email, at(24, 14), at(24, 15), status="tentative")
    microsoft.busy(ASHA.email, at(25, 9), at(25, 17), status="workingElsewhere")
    microsoft.busy(ASHA.email, at(26, 9), at(26, 17), status="oof")
    microsoft.busy(BEN.email, at(23, 8), at(23, 9, 30))  # starts before the window

    source = GraphFreeBusy(graph_for(microsoft, certificate), TENANT)
    found = source.busy_times([ASHA, BEN, MEGAN], START, END)

    [call] = microsoft.calls("POST", "/calendar/getSchedule")
    assert call.path == f"/graph/v1.0/users/{ORGANISER}/calendar/getSchedule"
    assert call.body["schedules"] == [ASHA.email, BEN.email]  # not the police officer
    assert call.body["startTime"] == {"dateTime": "2026-11-23T09:00:00", "timeZone": "UTC"}
    assert found[ASHA.id] == Known(
        (
            Interval(at(23, 10), at(23, 11, 30)),
            Interval(at(24, 14), at(24, 15)),  # tentative counts as busy
            Interval(at(26, 9), at(26, 17)),  # out of office; working elsewhere is free
        )
    )
    assert found[BEN.id] == Known((Interval(START, at(23, 9, 30)),))  # cut at the window
    assert found[MEGAN.id] == Unknown(OUTSIDE_TENANT)
    assert list(found) == [ASHA.id, BEN.id, MEGAN.id]


def test_a_person_graph_cannot_resolve_is_unknown_not_an_error(
    microsoft: FakeMicrosoft, certificate: Certificate
) -> None:
    microsoft.unresolvable.add("left.last.year@northvale.gov.example")
    microsoft.busy(ASHA.email, at(23, 10), at(23, 11))
    gone = Someone("left.last.year", "left.last.year@northvale.gov.example")
    found = GraphFreeBusy(graph_for(microsoft, certificate), TENANT).busy_times(
        [gone, ASHA], START, END
    )
    assert isinstance(found["left.last.year"], Unknown)
    assert "ErrorMailRecipientNotFound" in found["left.last.year"].reason
    assert "asked by poll" in found["left.last.year"].reason
    assert found[ASHA.id] == Known((Interval(at(23, 10), at(23, 11)),))


def test_a_throttled_getschedule_waits_as_long_as_retry_after_asks(
    microsoft: FakeMicrosoft, certificate: Certificate
) -> None:
    microsoft.busy(ASHA.email, at(23, 10), at(23, 11))
    microsoft.fail("POST", "/calendar/getSchedule", 429, retry_after="1")
    started = time.monotonic()
    found = GraphFreeBusy(graph_for(microsoft, certificate), TENANT).busy_times([ASHA], START, END)
    calls = microsoft.calls("POST", "/calendar/getSchedule")
    assert len(calls) == 2
    assert (calls[1].at - calls[0].at).total_seconds() >= 0.95
    assert time.monotonic() - started < 5
    assert found[ASHA.id] == Known((Interval(at(23, 10), at(23, 11)),))


def test_graph_down_after_the_retries_makes_everyone_unknown(
    microsoft: FakeMicrosoft, certificate: Certificate
) -> None:
    microsoft.fail("POST", "/calendar/getSchedule", 503, times=99)
    found = GraphFreeBusy(graph_for(microsoft, certificate, attempts=3), TENANT).busy_times(
        [ASHA, BEN], START, END
    )
    assert len(microsoft.calls("POST", "/calendar/getSchedule")) == 3
    for person in (ASHA, BEN):
        availability = found[person.id]
        assert isinstance(availability, Unknown)
        assert "HTTP 503, still failing after retries" in availability.reason


def test_wrong_credentials_make_everyone_unknown(
    microsoft: FakeMicrosoft, certificate: Certificate
) -> None:
    graph = graph_for(microsoft, certificate, secret="not-the-secret")
    found = GraphFreeBusy(graph, TENANT).busy_times([ASHA], START, END)
    availability = found[ASHA.id]
    assert isinstance(availability, Unknown)
    assert "invalid_client" in availability.reason
    assert microsoft.calls("POST", "/calendar/getSchedule") == []


def test_many_people_and_a_long_window_are_asked_in_batches_graph_accepts(
    microsoft: FakeMicrosoft, certificate: Certificate
) -> None:
    people = [Someone(f"p{n}", f"person{n}@northvale.gov.example") for n in range(25)]
    start = datetime(2026, 11, 2, tzinfo=UTC)
    end = start + timedelta(days=70)
    boundary = start + timedelta(days=62)
    # a week's leave across the boundary between the two time pieces
    microsoft.busy(
        "person24@northvale.gov.example",
        boundary - timedelta(days=2),
        boundary + timedelta(days=3),
        "oof",
    )

    found = GraphFreeBusy(graph_for(microsoft, certificate), TENANT).busy_times(people, start, end)

    calls = microsoft.calls("POST", "/calendar/getSchedule")
    assert sorted(len(c.body["schedules"]) for c in calls) == [5, 5, 20, 20]
    assert all(isinstance(a, Known) for a in found.values())
    assert found["p24"] == Known(
        (Interval(boundary - timedelta(days=2), boundary + timedelta(days=3)),)
    )
    assert found["p0"] == Known(())
    # the fake holds Graph to its limits, so the batching above is what made it work
    graph = graph_for(microsoft, certificate)
    with pytest.raises(CalendarRefused, match="HTTP 400"):
        graph.get_schedule([p.email for p in people[:21]], start, start + timedelta(days=1), 15)
    with pytest.raises(CalendarRefused, match="HTTP 400"):
        graph.get_schedule([people[0].email], start, start + timedelta(days=63), 15)


def test_a_calendar_shared_as_free_busy_only_is_read_from_the_availability_view(
    microsoft: FakeMicrosoft, certificate: Certificate
) -> None:
    microsoft.view_only.add(ASHA.email)
    microsoft.busy(ASHA.email, at(23, 10), at(23, 11))
    microsoft.busy(ASHA.email, at(23, 13, 15), at(23, 13, 45), status="workingElsewhere")
    found = GraphFreeBusy(
        graph_for(microsoft, certificate), TENANT, interval_minutes=30
    ).busy_times([ASHA], START, at(23, 17))
    [call] = microsoft.calls("POST", "/calendar/getSchedule")
    assert call.body["availabilityViewInterval"] == 30
    assert found[ASHA.id] == Known((Interval(at(23, 10), at(23, 11)),))


def test_the_calendar_and_free_busy_share_one_token(
    microsoft: FakeMicrosoft, certificate: Certificate
) -> None:
    from tests.calendar.test_graph import MEETING

    graph = graph_for(microsoft, certificate)
    graph.create(MEETING, transaction_id="tx-shared-token")
    GraphFreeBusy(graph, TENANT).busy_times([ASHA, BEN], START, END)
    assert len(microsoft.tokens_issued) == 1
    [call] = microsoft.calls("POST", "/calendar/getSchedule")
    assert call.body["schedules"] == [ASHA.email, BEN.email]


def test_the_same_address_twice_is_asked_once() -> None:
    asked: list[list[str]] = []

    class Reader:
        def get_schedule(
            self, emails: Sequence[str], start: datetime, end: datetime, interval_minutes: int
        ) -> list[dict[str, Any]]:
            asked.append(list(emails))
            return [{"scheduleId": e, "scheduleItems": []} for e in emails]

    shared = [
        Someone("a", "MASH@northvale.gov.example"),
        Someone("b", "mash@northvale.gov.example"),
    ]
    found = GraphFreeBusy(Reader(), ["@Northvale.gov.example"]).busy_times(shared, START, END)
    assert asked == [["mash@northvale.gov.example"]]
    assert found == {"a": Known(()), "b": Known(())}
