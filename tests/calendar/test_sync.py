"""Convening, rescheduling and cancelling put the right invitations in people's calendars.

The bot runs on both databases with real Graph (O365, msal) and SMTP code
pointed at local servers: people in the council's Microsoft 365 tenant get an
Outlook event through Graph, everyone else an iCalendar invitation by email.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import Bot
from bot.calendar.port import Invites
from bot.calendar.routing import invites_from_settings
from bot.mail import OutboxMailer
from bot.settings import Settings
from bot.storage import models
from bot.storage.calendar_models import CalendarEvent, CalendarSend
from scheduling.clock import SimulatedClock
from tests.calendar.conftest import ORGANISER, SENDER, graph_for, smtp_for
from tests.calendar.itip import attendees, calendar_part, event_of, parse_strictly
from tests.calendar.servers import Certificate, FakeMicrosoft, MailServer
from tests.helpers import audit_events, invitation_statuses, say, take_sent, to

# Children's social care and the health trust share the council's Microsoft 365
# tenant here; police and schools do not.
TENANT = ("northvale.gov.example", "northvale-health.nhs.example")

CONVENE = (
    "/strategy convene NV-40213 children=C1:2020-05-14,C2:2023-02-09 category=standard "
    'identified="today 9am" meeting="tomorrow 2pm" tags=domestic_abuse '
    "known=olivia.bennett,bethany.cole"
)


@pytest.fixture
def wired(
    bot: Bot,
    microsoft: FakeMicrosoft,
    mail_server: MailServer,
    certificate: Certificate,
) -> Iterator[Bot]:
    """The bot with Graph for the tenant and SMTP for everyone else."""
    bot.core.invites = Invites(
        mailer=smtp_for(mail_server, certificate, clock=bot.core.clock),
        organiser_email=SENDER,
        graph=graph_for(microsoft, certificate),
        tenant_domains=frozenset(TENANT),
    )
    yield bot


def sends(bot: Bot) -> list[tuple[str, str, str, int, str]]:
    with bot.core.sessions() as session:
        return [
            (s.contact.key, s.route, s.method, s.sequence, s.status)
            for s in session.scalars(select(CalendarSend).order_by(CalendarSend.id))
        ]


def the_event(microsoft: FakeMicrosoft) -> dict[str, object]:
    assert len(microsoft.events) == 1
    return next(iter(microsoft.events.values()))


def graph_attendees(microsoft: FakeMicrosoft) -> set[str]:
    event = the_event(microsoft)
    return {a["emailAddress"]["address"] for a in event["attendees"]}  # type: ignore[index, union-attr]


def test_convening_invites_the_tenant_through_graph_and_everyone_else_by_email(
    wired: Bot, microsoft: FakeMicrosoft, mail_server: MailServer
) -> None:
    say(wired, "ben.okafor", CONVENE)

    event = the_event(microsoft)
    assert graph_attendees(microsoft) == {
        # the organiser mailbox is not an attendee of its own event
        "asha.patel@northvale.gov.example",
        "ben.okafor@northvale.gov.example",
        "olivia.bennett@northvale-health.nhs.example",
    }
    assert event["start"] == {"dateTime": "2026-11-24T14:00:00", "timeZone": "GMT Standard Time"}
    assert event["end"] == {"dateTime": "2026-11-24T15:00:00", "timeZone": "GMT Standard Time"}
    assert event["isOnlineMeeting"] is True
    assert event["onlineMeetingProvider"] == "teamsForBusiness"
    assert event["transactionId"]
    assert event["sensitivity"] == "private"
    body = event["body"]["content"]  # type: ignore[index]
    assert "NV-40213" in body
    for detail in ("C1", "C2", "domestic", "2020"):  # nothing about the children or the concern
        assert detail not in body
    assert event["subject"] == "Strategy discussion NV-40213"
    assert "an answer in Outlook counts too" in body

    email_people = {
        "megan.price@northvale.police.example",
        "bethany.cole@northvale-schools.example",
    }
    assert {a for r in mail_server.received for a in r.rcpt_tos} == email_people
    for address in email_people:
        [message] = mail_server.to(address)
        assert message["From"] == SENDER
        # dated by the bot's clock, not the wall's
        assert message["Date"].datetime == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
        method, calendar = calendar_part(message)
        assert method == "REQUEST"
        event_ics = event_of(calendar)
        assert int(event_ics["SEQUENCE"]) == 0
        assert event_ics.decoded("DTSTART") == datetime(2026, 11, 24, 14, tzinfo=UTC)
        assert str(event_ics["ORGANIZER"]) == f"mailto:{SENDER}"
        # the Teams link Graph made is shared with those outside the tenant too
        assert str(event_ics["URL"]).startswith("https://teams.example/")
        everyone = {str(a).removeprefix("mailto:"): a.params for a in attendees(event_ics)}
        assert set(everyone) == {
            "asha.patel@northvale.gov.example",
            "ben.okafor@northvale.gov.example",
            "olivia.bennett@northvale-health.nhs.example",
            "megan.price@northvale.police.example",
            "bethany.cole@northvale-schools.example",
        }
        assert everyone["asha.patel@northvale.gov.example"]["ROLE"] == "CHAIR"
        assert everyone["asha.patel@northvale.gov.example"]["PARTSTAT"] == "ACCEPTED"
        assert everyone["megan.price@northvale.police.example"]["ROLE"] == "REQ-PARTICIPANT"
        assert everyone["megan.price@northvale.police.example"]["PARTSTAT"] == "NEEDS-ACTION"
        text = message.get_body(("plain",))
        assert text is not None and "C1" not in text.get_content()
        assert "Outlook" not in text.get_content()  # their calendar's replies are not read

    assert sorted(sends(wired)) == sorted(
        [
            ("asha.patel", "graph", "REQUEST", 0, "sent"),
            ("ben.okafor", "graph", "REQUEST", 0, "sent"),
            ("olivia.bennett", "graph", "REQUEST", 0, "sent"),
            ("megan.price", "email", "REQUEST", 0, "sent"),
            ("bethany.cole", "email", "REQUEST", 0, "sent"),
        ]
    )
    sent_events = [d for _, e, d in audit_events(wired) if e == "calendar_sent"]
    assert len(sent_events) == 1 and len(sent_events[0]["sends"]) == 5


def test_the_invitations_go_out_from_scheduled_work_not_the_convene_itself(
    wired: Bot, microsoft: FakeMicrosoft, mail_server: MailServer
) -> None:
    actor = wired.core.directory.contact("ben.okafor")
    assert actor is not None
    wired.command(actor, CONVENE, send=False)  # the command alone: nothing sent yet
    assert microsoft.events == {} and mail_server.received == []
    with wired.core.sessions() as session:
        pending = session.scalars(
            select(models.ScheduledWork).where(models.ScheduledWork.kind == "calendar_sync")
        ).one()
        assert pending.status == "pending" and pending.key == "calendar:1"
    wired.run_due_work()
    assert len(microsoft.events) == 1 and len(mail_server.received) == 2


def test_a_reschedule_updates_every_calendar_with_a_higher_sequence(
    wired: Bot, microsoft: FakeMicrosoft, mail_server: MailServer
) -> None:
    say(wired, "ben.okafor", CONVENE)
    say(
        wired,
        "asha.patel",
        '/strategy reschedule NV-40213 meeting="wednesday 10am" reason="police officer in court"',
    )
    event = the_event(microsoft)  # the same event, moved: no second one
    assert event["start"] == {"dateTime": "2026-11-25T10:00:00", "timeZone": "GMT Standard Time"}
    assert len(microsoft.calls("PATCH")) == 1
    uids = set()
    for address in (
        "megan.price@northvale.police.example",
        "bethany.cole@northvale-schools.example",
    ):
        first, second = mail_server.to(address)
        assert second["Subject"] == "Updated: strategy discussion NV-40213"
        (_, original), (method, calendar) = calendar_part(first), calendar_part(second)
        update = event_of(calendar)
        assert method == "REQUEST"
        assert int(update["SEQUENCE"]) == 1
        assert update.decoded("DTSTART") == datetime(2026, 11, 25, 10, tzinfo=UTC)
        uids |= {str(event_of(original)["UID"]), str(update["UID"])}
    assert len(uids) == 1  # one meeting, updated in place in every calendar
    assert sorted(s for s in sends(wired) if s[3] == 1) == [
        ("asha.patel", "graph", "REQUEST", 1, "sent"),
        ("ben.okafor", "graph", "REQUEST", 1, "sent"),
        ("bethany.cole", "email", "REQUEST", 1, "sent"),
        ("megan.price", "email", "REQUEST", 1, "sent"),
        ("olivia.bennett", "graph", "REQUEST", 1, "sent"),
    ]


def test_a_cancellation_reaches_everyone(
    wired: Bot, microsoft: FakeMicrosoft, mail_server: MailServer
) -> None:
    say(wired, "ben.okafor", CONVENE)
    mail_server.received.clear()
    say(wired, "asha.patel", '/strategy cancel NV-40213 reason="the concern was resolved"')

    event = the_event(microsoft)
    assert event["isCancelled"] is True
    assert "cancelled" in str(event["cancelComment"])
    for address in (
        "megan.price@northvale.police.example",
        "bethany.cole@northvale-schools.example",
    ):
        [message] = mail_server.to(address)
        method, calendar = calendar_part(message)
        assert method == "CANCEL"
        assert int(event_of(calendar)["SEQUENCE"]) == 1
        assert message["Subject"] == "Cancelled: strategy discussion NV-40213"
    assert {(s[2], s[3]) for s in sends(wired)[5:]} == {("CANCEL", 1)}
    assert len(sends(wired)) == 10
    # Nothing about the meeting is left to do, and no more replies are read.
    with wired.core.sessions() as session:
        pending = session.scalars(
            select(models.ScheduledWork.kind).where(models.ScheduledWork.status == "pending")
        ).all()
    assert pending == []


def test_outlook_replies_count_in_the_quorum(
    wired: Bot, microsoft: FakeMicrosoft, clock: SimulatedClock
) -> None:
    say(wired, "ben.okafor", CONVENE)
    say(wired, "megan.price", "/strategy accept NV-40213")
    take_sent(wired)
    event_id = next(iter(microsoft.events))

    # The health visitor declines in Outlook: the MASH nurse is invited (through Graph, as
    # she is in the tenant) and the chair is told.
    microsoft.reply(
        event_id,
        "olivia.bennett@northvale-health.nhs.example",
        "declined",
        clock.now() + timedelta(minutes=5),
    )
    clock.advance(timedelta(minutes=10))
    wired.run_due_work()
    assert invitation_statuses(wired)["olivia.bennett"] == "declined"
    assert invitation_statuses(wired)["zoe.fletcher"] == "invited"
    chair = "\n".join(o.message.text for o in to(take_sent(wired), "asha.patel"))
    assert "Olivia Bennett (Northvale Health Partnership) declined in Outlook" in chair
    assert "Zoe Fletcher (MASH nurse) has been invited" in chair
    assert "zoe.fletcher@northvale-health.nhs.example" in graph_attendees(microsoft)

    # She accepts in Outlook: health is confirmed and the quorum is met.
    microsoft.reply(
        event_id,
        "zoe.fletcher@northvale-health.nhs.example",
        "accepted",
        clock.now() + timedelta(minutes=2),
    )
    clock.advance(timedelta(minutes=10))
    wired.run_due_work()
    assert invitation_statuses(wired)["zoe.fletcher"] == "accepted"
    sent = take_sent(wired)
    chair = "\n".join(o.message.text for o in to(sent, "asha.patel"))
    assert "quorum met" in chair
    assert "you accepted" in "\n".join(o.message.text for o in to(sent, "zoe.fletcher"))
    outlook = [(a, e, d.get("via")) for a, e, d in audit_events(wired) if d.get("via")]
    assert outlook == [
        ("olivia.bennett", "declined", "outlook"),
        ("zoe.fletcher", "accepted", "outlook"),
    ]

    # Read again, nothing has changed: nothing is applied twice.
    clock.advance(timedelta(minutes=10))
    wired.run_due_work()
    assert to(take_sent(wired), "asha.patel") == []


def test_a_later_answer_in_chat_wins_over_an_earlier_one_in_outlook(
    wired: Bot, microsoft: FakeMicrosoft, clock: SimulatedClock
) -> None:
    say(wired, "ben.okafor", CONVENE)
    event_id = next(iter(microsoft.events))
    microsoft.reply(
        event_id,
        "olivia.bennett@northvale-health.nhs.example",
        "declined",
        clock.now() + timedelta(minutes=1),
    )
    clock.advance(timedelta(minutes=3))
    say(wired, "olivia.bennett", "/strategy accept NV-40213")
    clock.advance(timedelta(minutes=10))
    wired.run_due_work()
    assert invitation_statuses(wired)["olivia.bennett"] == "accepted"


def test_graph_failing_falls_back_to_email_for_that_meeting_and_the_chair_is_told(
    wired: Bot, microsoft: FakeMicrosoft, mail_server: MailServer
) -> None:
    microsoft.fail("POST", "/calendar/events", 503, times=10)
    say(wired, "ben.okafor", CONVENE)
    assert microsoft.events == {}
    assert len(microsoft.calls("POST", "/calendar/events")) == 4  # the retries
    assert {a for r in mail_server.received for a in r.rcpt_tos} == {
        "asha.patel@northvale.gov.example",
        "ben.okafor@northvale.gov.example",
        "olivia.bennett@northvale-health.nhs.example",
        "megan.price@northvale.police.example",
        "bethany.cole@northvale-schools.example",
    }
    chair = "\n".join(o.message.text for o in to(take_sent(wired), "asha.patel"))
    assert "Outlook (Microsoft Graph) failed, so everyone gets an email invitation" in chair
    assert "HTTP 503" in chair
    assert ("system", "calendar_graph_failed") in [(a, e) for a, e, _ in audit_events(wired)]

    # The meeting stays on email: a reschedule does not try Graph again.
    microsoft.faults.clear()
    say(
        wired,
        "asha.patel",
        '/strategy reschedule NV-40213 meeting="wednesday 10am" reason="police officer in court"',
    )
    assert microsoft.events == {}
    assert {s[1] for s in sends(wired)} == {"email"}


def test_a_refused_address_and_a_missing_one_are_named_to_the_chair(
    wired: Bot, mail_server: MailServer
) -> None:
    mail_server.refuse["bethany.cole@northvale-schools.example"] = "550 5.1.1 Mailbox unknown"
    with wired.core.sessions() as session, session.begin():
        megan = session.scalars(
            select(models.Contact).where(models.Contact.key == "megan.price")
        ).one()
        megan.email = ""
    say(wired, "ben.okafor", CONVENE)
    chair = "\n".join(o.message.text for o in to(take_sent(wired), "asha.patel"))
    assert (
        "The mail server refused Bethany Cole's address bethany.cole@northvale-schools.example: "
        "550 5.1.1 Mailbox unknown" in chair
    )
    assert "Megan Price has no email address in the partner directory" in chair
    assert ("bethany.cole", "email", "REQUEST", 0, "refused") in sends(wired)
    assert ("megan.price", "email", "REQUEST", 0, "no_email") in sends(wired)

    # Another change to the meeting does not repeat the same complaint.
    say(wired, "bethany.cole", "/strategy delegate NV-40213 to=callum.fraser")
    chair = "\n".join(o.message.text for o in to(take_sent(wired), "asha.patel"))
    assert "refused" not in chair and "no email address" not in chair


def test_a_mail_server_that_is_down_is_retried_later_and_nothing_is_lost(
    wired: Bot, mail_server: MailServer, clock: SimulatedClock
) -> None:
    mail_server.fail_data = 100  # "try again later", every time, for now
    say(wired, "ben.okafor", CONVENE)
    chair = "\n".join(o.message.text for o in to(take_sent(wired), "asha.patel"))
    assert "Could not send to Megan Price just now" in chair
    assert "will try again in 15 minutes" in chair
    assert {s[4] for s in sends(wired) if s[1] == "email"} == {"failed"}

    # Still down a quarter of an hour later: tried again, but the chair is not told twice.
    clock.advance(timedelta(minutes=16))
    wired.run_due_work()
    assert to(take_sent(wired), "asha.patel") == []
    assert [s[4] for s in sends(wired) if s[0] == "megan.price"] == ["failed", "failed"]

    mail_server.fail_data = 0
    clock.advance(timedelta(minutes=16))
    wired.run_due_work()
    assert {a for r in mail_server.received for a in r.rcpt_tos} == {
        "megan.price@northvale.police.example",
        "bethany.cole@northvale-schools.example",
    }
    assert len(mail_server.received) == 2  # each once


def test_delegation_and_the_fallback_get_their_own_invitations(
    wired: Bot, microsoft: FakeMicrosoft, mail_server: MailServer, clock: SimulatedClock
) -> None:
    say(wired, "ben.okafor", CONVENE)
    mail_server.received.clear()
    say(wired, "bethany.cole", "/strategy delegate NV-40213 to=callum.fraser")
    [invite] = mail_server.to("callum.fraser@northvale-schools.example")
    assert calendar_part(invite)[0] == "REQUEST"
    [withdrawn] = mail_server.to("bethany.cole@northvale-schools.example")
    method, calendar = calendar_part(withdrawn)
    assert method == "CANCEL"
    assert [str(a) for a in attendees(event_of(calendar))] == [
        "mailto:bethany.cole@northvale-schools.example"
    ]
    assert mail_server.to("megan.price@northvale.police.example") == []  # nothing new for her


def test_with_nothing_configured_the_invitations_are_written_to_the_outbox(
    bot: Bot, tmp_path: object
) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path)) / "outbox"
    bot.core.invites = Invites(mailer=OutboxMailer(folder, clock=bot.core.clock))
    say(bot, "ben.okafor", CONVENE)
    chair = "\n".join(o.message.text for o in to(take_sent(bot), "asha.patel"))
    assert f"written as .ics files to the outbox folder {folder}" in chair
    assert "NOT been emailed" in chair
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == 10  # an .eml and an .ics for each of five people
    assert "0003-request-olivia.bennett@northvale-health.nhs.example.ics" in files
    for path in folder.glob("*.ics"):
        parse_strictly(path.read_bytes(), "REQUEST")
    assert {s[1] for s in sends(bot)} == {"outbox"}


def test_the_settings_build_graph_and_the_outbox(
    bot: Bot, microsoft: FakeMicrosoft, certificate: Certificate
) -> None:
    settings = Settings(
        database_url="sqlite://",
        graph_tenant_id=microsoft.tenant,
        graph_client_id=microsoft.client_id,
        graph_client_secret="s3cret-value",
        graph_organiser_mailbox=ORGANISER,
        graph_tenant_domains=" Northvale.gov.example, @northvale-health.nhs.example",
        graph_base_url=microsoft.graph_url,
        graph_login_base_url=microsoft.login_url,
    )
    invites = invites_from_settings(settings, bot.core.clock, verify=str(certificate.cert_path))
    assert invites.tenant_domains == frozenset(TENANT)
    assert isinstance(invites.mailer, OutboxMailer)  # no SMTP host: email goes to the outbox
    bot.core.invites = invites
    say(bot, "ben.okafor", CONVENE)
    assert len(microsoft.events) == 1
    with bot.core.sessions() as session:
        row = session.scalars(select(CalendarEvent)).one()
        assert row.graph_event_id in microsoft.events
        assert row.graph_join_url and row.graph_join_url.startswith("https://teams.example/")
    assert {(s[0], s[1]) for s in sends(bot) if s[0] in ("megan.price", "asha.patel")} == {
        ("megan.price", "outbox"),
        ("asha.patel", "graph"),
    }


def test_tentative_in_outlook_is_not_a_confirmation(
    wired: Bot, microsoft: FakeMicrosoft, clock: SimulatedClock
) -> None:
    say(wired, "ben.okafor", CONVENE)
    take_sent(wired)
    event_id = next(iter(microsoft.events))
    microsoft.reply(
        event_id,
        "olivia.bennett@northvale-health.nhs.example",
        "tentativelyAccepted",
        clock.now() + timedelta(minutes=1),
    )
    clock.advance(timedelta(minutes=10))
    wired.run_due_work()
    assert invitation_statuses(wired)["olivia.bennett"] == "invited"
    [notice] = to(take_sent(wired), "asha.patel")
    assert 'Olivia Bennett (Northvale Health Partnership) answered "tentative" in Outlook' in (
        notice.message.text
    )
    assert ("olivia.bennett", "tentative") in [(a, e) for a, e, _ in audit_events(wired)]
