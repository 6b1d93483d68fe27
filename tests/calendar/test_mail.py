"""Email: over SMTP to a real local server (STARTTLS, login), or into the outbox folder."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.mail import Attachment, Email, MailRefused, OutboxMailer, mailer_from_settings
from bot.settings import Settings
from scheduling.clock import SimulatedClock
from tests.calendar.conftest import SENDER, smtp_for
from tests.calendar.itip import check_lines
from tests.calendar.servers import Certificate, MailServer

CALENDAR = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:REQUEST\r\n"
    b"BEGIN:VEVENT\r\nUID:u-1@test\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
PDF = b"%PDF-1.4\n% a record, in a test\n%%EOF\n"


def an_email(**changes: object) -> Email:
    fields: dict[str, object] = {
        "to": ("megan.price@northvale.police.example",),
        "subject": "Strategy discussion NV-40213",
        "text": "The meeting is on Tuesday at 14:00.",
        "calendar": CALENDAR,
        "calendar_method": "REQUEST",
    }
    fields.update(changes)
    return Email(**fields)  # type: ignore[arg-type]


def test_an_invitation_arrives_over_starttls_with_its_calendar_part(
    mail_server: MailServer, certificate: Certificate
) -> None:
    clock = SimulatedClock(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    mailer = smtp_for(mail_server, certificate, clock=clock)
    mailer.send(an_email(attachments=(Attachment("record.pdf", PDF, "application/pdf"),)))

    [received] = mail_server.received
    assert received.mail_from == SENDER
    assert received.rcpt_tos == ["megan.price@northvale.police.example"]
    message = received.message
    assert message["Subject"] == "Strategy discussion NV-40213"
    assert message["Date"].datetime == clock.now()
    assert message.get_content_type() == "multipart/mixed"
    alternative = message.get_payload()[0]
    assert alternative.get_content_type() == "multipart/alternative"
    text, calendar = alternative.get_payload()
    assert text.get_content_type() == "text/plain"
    assert text.get_content().strip() == "The meeting is on Tuesday at 14:00."
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_payload(decode=True) == CALENDAR
    check_lines(calendar.get_payload(decode=True))
    attachments = {p.get_filename(): p for p in message.iter_attachments()}
    assert attachments["invite.ics"].get_content_type() == "application/ics"
    assert attachments["record.pdf"].get_content_type() == "application/pdf"
    assert attachments["record.pdf"].get_payload(decode=True) == PDF


def test_a_refused_recipient_is_named_with_the_servers_reason_and_the_others_get_it(
    mail_server: MailServer, certificate: Certificate
) -> None:
    mail_server.refuse["nobody@northvale.police.example"] = "550 5.1.1 No such mailbox"
    mailer = smtp_for(mail_server, certificate)
    with pytest.raises(MailRefused) as refused:
        mailer.send(
            an_email(to=("nobody@northvale.police.example", "megan.price@northvale.police.example"))
        )
    assert refused.value.refused == {"nobody@northvale.police.example": "550 5.1.1 No such mailbox"}
    assert [r.rcpt_tos for r in mail_server.received] == [["megan.price@northvale.police.example"]]


def test_every_recipient_refused(mail_server: MailServer, certificate: Certificate) -> None:
    mail_server.refuse["nobody@northvale.police.example"] = "550 5.1.1 No such mailbox"
    with pytest.raises(MailRefused) as refused:
        smtp_for(mail_server, certificate).send(an_email(to=("nobody@northvale.police.example",)))
    assert refused.value.refused == {"nobody@northvale.police.example": "550 5.1.1 No such mailbox"}
    assert mail_server.received == []


def test_a_busy_server_is_tried_again(mail_server: MailServer, certificate: Certificate) -> None:
    mail_server.fail_data = 2  # 451 twice, then accepted
    smtp_for(mail_server, certificate).send(an_email())
    assert len(mail_server.received) == 1


def test_a_server_that_stays_busy_raises_after_the_last_attempt(
    mail_server: MailServer, certificate: Certificate
) -> None:
    mail_server.fail_data = 10
    with pytest.raises(smtplib.SMTPDataError, match="try again later"):
        smtp_for(mail_server, certificate, attempts=3).send(an_email())
    assert mail_server.fail_data == 7  # three attempts
    assert mail_server.received == []


def test_a_recipient_unavailable_for_now_is_tried_again(
    mail_server: MailServer, certificate: Certificate
) -> None:
    mail_server.later["megan.price@northvale.police.example"] = 2
    smtp_for(mail_server, certificate).send(an_email())
    assert len(mail_server.received) == 1

    mail_server.later["megan.price@northvale.police.example"] = 10
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        smtp_for(mail_server, certificate, attempts=2).send(an_email())
    assert mail_server.later["megan.price@northvale.police.example"] == 8


def test_a_wrong_password_is_not_retried(mail_server: MailServer, certificate: Certificate) -> None:
    with pytest.raises(smtplib.SMTPAuthenticationError):
        smtp_for(mail_server, certificate, password="wrong").send(an_email())
    assert mail_server.received == []


def test_the_outbox_keeps_each_email_and_its_calendar(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path / "outbox")
    mailer.send(an_email())
    mailer.send(an_email(to=("bethany.cole@northvale-schools.example",), calendar_method="CANCEL"))
    mailer.send(an_email(calendar=None, calendar_method=None))
    names = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert names == [
        "0001-request-megan.price@northvale.police.example.eml",
        "0001-request-megan.price@northvale.police.example.ics",
        "0002-cancel-bethany.cole@northvale-schools.example.eml",
        "0002-cancel-bethany.cole@northvale-schools.example.ics",
        "0003-mail-megan.price@northvale.police.example.eml",
    ]
    # A second mailer on the same folder carries on the numbering, overwriting nothing.
    OutboxMailer(tmp_path / "outbox").send(an_email())
    assert (tmp_path / "outbox" / "0004-request-megan.price@northvale.police.example.ics").exists()


def test_an_email_needs_a_recipient_and_a_method_for_its_calendar() -> None:
    with pytest.raises(ValueError, match="recipient"):
        an_email(to=())
    with pytest.raises(ValueError, match="go together"):
        an_email(calendar_method=None)


def test_settings_choose_smtp_or_the_outbox(tmp_path: Path) -> None:
    outbox = mailer_from_settings(Settings(outbox_dir=tmp_path / "o", smtp_host=None))
    assert isinstance(outbox, OutboxMailer) and outbox.folder == tmp_path / "o"
    smtp = mailer_from_settings(
        Settings(smtp_host="mail.northvale.gov.example", smtp_port=2525, smtp_starttls=False)
    )
    assert (getattr(smtp, "host", None), getattr(smtp, "port", None)) == (
        "mail.northvale.gov.example",
        2525,
    )
    assert getattr(smtp, "starttls", None) is False
