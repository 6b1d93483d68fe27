"""Sending email: over SMTP, or into an outbox folder when no server is configured.

`Email` is what the core hands over; a `Mailer` delivers it. Calendar invitations
travel as an extra `text/calendar; method=...` part (iTIP), which calendar
clients recognise as an invitation rather than an attachment.
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from tenacity import (
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

if TYPE_CHECKING:
    from bot.settings import Settings
    from scheduling.clock import Clock


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str  # e.g. "application/pdf"


@dataclass(frozen=True)
class Email:
    to: tuple[str, ...]
    subject: str
    text: str
    attachments: tuple[Attachment, ...] = ()
    # The iTIP part (an iCalendar document), sent as text/calendar; method=...
    calendar: bytes | None = None
    calendar_method: str | None = None  # "REQUEST", "CANCEL"...
    # The same message as HTML, shown instead of the text by mail clients that can.
    html: str | None = None
    # Where answers go when the person presses Reply (the chair, say).
    reply_to: str | None = None

    def __post_init__(self) -> None:
        if not self.to:
            raise ValueError("an email needs at least one recipient")
        if (self.calendar is None) != (self.calendar_method is None):
            raise ValueError("calendar and calendar_method go together")


class MailRefused(Exception):
    """The server refused some (or all) recipients; the others were sent."""

    def __init__(self, refused: dict[str, str]) -> None:
        self.refused = refused  # address -> the server's reason
        listed = "; ".join(f"{address}: {reason}" for address, reason in refused.items())
        super().__init__(f"refused: {listed}")


class Mailer(Protocol):
    def send(self, email: Email) -> None: ...


def build_message(email: Email, sender: str, clock: Clock | None = None) -> EmailMessage:
    """The MIME message: text, then the calendar part, then attachments.

    The Date header comes from the clock the mailer was given (the core never
    reads the wall clock); without one it is left to the mail server to add.
    """
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(email.to)
    message["Subject"] = email.subject
    if clock is not None:
        message["Date"] = format_datetime(clock.now(), usegmt=True)
    message["Message-ID"] = f"<{uuid.uuid4()}@{sender.rpartition('@')[2] or 'strategy-bot'}>"
    if email.reply_to is not None:
        message["Reply-To"] = email.reply_to
    message.set_content(email.text)
    if email.html is not None:
        message.add_alternative(email.html, subtype="html")
    if email.calendar is not None and email.calendar_method is not None:
        # Outlook and Gmail look for an inline text/calendar alternative with a
        # method parameter; the same document as an .ics attachment helps the rest.
        message.add_alternative(
            email.calendar,
            maintype="text",
            subtype="calendar",
            params={"method": email.calendar_method, "charset": "utf-8"},
        )
        message.add_attachment(
            email.calendar,
            maintype="application",
            subtype="ics",
            filename="invite.ics",
        )
    for attachment in email.attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        message.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return message


def _transient(error: BaseException) -> bool:
    """Worth another try: the connection dropped, or the server said 4xx (try later)."""
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return _all_later(error)
    return isinstance(error, smtplib.SMTPServerDisconnected | ConnectionError | TimeoutError)


@dataclass
class SmtpMailer:
    host: str
    port: int = 587
    sender: str = "strategy-bot@localhost"
    starttls: bool = True
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    attempts: int = 4
    # Backoff between attempts (seconds); tests make it small.
    wait_min: float = 1.0
    wait_max: float = 30.0
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)
    clock: Clock | None = None

    def send(self, email: Email) -> None:
        message = build_message(email, self.sender, self.clock)
        sender_retrying = retry(
            retry=retry_if_exception(_transient),
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(min=self.wait_min, max=self.wait_max),
            reraise=True,
        )(self._send_once)
        refused = sender_retrying(message, email.to)
        if refused:
            raise MailRefused(refused)

    def _send_once(self, message: EmailMessage, to: tuple[str, ...]) -> dict[str, str]:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=self.ssl_context or ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
            try:
                rejected = smtp.send_message(message, from_addr=self.sender, to_addrs=list(to))
            except smtplib.SMTPRecipientsRefused as error:
                if _all_later(error):
                    raise  # nothing was sent and the server said "later": try again
                return {address: _reason(reply) for address, reply in error.recipients.items()}
        return {address: _reason(reply) for address, reply in rejected.items()}


def _all_later(error: smtplib.SMTPRecipientsRefused) -> bool:
    return all(400 <= code < 500 for code, _ in error.recipients.values())


def _reason(reply: tuple[int, bytes]) -> str:
    code, text = reply
    return f"{code} {text.decode('utf-8', 'replace')}"


@dataclass
class OutboxMailer:
    """Writes each email as an .eml file (and its calendar as an .ics) into a folder."""

    folder: Path
    sender: str = "strategy-bot@localhost"
    clock: Clock | None = None
    _count: int = field(default=0, init=False)

    def send(self, email: Email) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = build_message(email, self.sender, self.clock).as_bytes()
        while True:  # numbered in order; never overwrite another writer's file
            stem = self._next_stem(email)
            try:
                with (self.folder / f"{stem}.eml").open("xb") as file:
                    file.write(data)
            except FileExistsError:
                continue
            break
        if email.calendar is not None:
            (self.folder / f"{stem}.ics").write_bytes(email.calendar)

    def _next_stem(self, email: Email) -> str:
        existing = len(list(self.folder.glob("*.eml")))
        self._count = max(self._count, existing) + 1
        recipient = _safe(email.to[0]) if len(email.to) == 1 else "group"
        kind = (email.calendar_method or "mail").lower()
        return f"{self._count:04d}-{kind}-{recipient}"


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in ".-_@" else "_" for c in text)


def mailer_from_settings(settings: Settings, clock: Clock | None = None) -> Mailer:
    """SMTP when a host is configured, otherwise the outbox folder.

    `clock` dates the messages (pass the core's clock); without it the mail
    server dates them.
    """
    if settings.smtp_host:
        return SmtpMailer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_sender,
            starttls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password,
            clock=clock,
            timeout=settings.smtp_timeout_seconds,
        )
    return OutboxMailer(folder=settings.outbox_dir, sender=settings.smtp_sender, clock=clock)
