"""The email Channel: what a person would get in chat, as an email (plain text and HTML).

It goes through the same mailer as calendar invitations (SMTP, or the outbox
folder when no server is configured). A message that updates an earlier one
(`earlier`) becomes a new email only when the update matters to the person:
their own invitation changed (answered, moved, cancelled), or, for a chair, the
quorum was met or is at risk; any other reply to the chair's view is left for
the next email that matters. The reference returned says what the last email
said about that, so the comparison survives a restart wherever the references
are kept.

The email says what the direct message says, and never more: the subject holds
the case reference only. It tells the person how to answer: with a link per
button to the bot's answer page when a link maker is given (PUBLIC_URL is set;
the tokens are issued when the email is sent and exist only in the email), in
chat with a command when they have a chat platform, otherwise by replying to
the chair (the email's Reply-To).
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
from collections.abc import Callable, Mapping

from bot.directory import Contact, Directory
from bot.mail import Email, Mailer, MailRefused
from bot.messages import Button, Delivery, Kind, Message, Outgoing
from bot.ports import DeliveryFailed, LinkMaker, Unreachable
from bot.wording import say
from handlers.email import PLATFORM
from templates import render, render_html

log = logging.getLogger(__name__)

# Whether this person can also answer in chat (a chat channel among their routes).
HasChat = Callable[[str], bool]


def _never(_contact_key: str) -> bool:
    return False


class EmailChannel:
    """A bot.ports.Channel that sends each message as one email."""

    name = PLATFORM

    def __init__(
        self,
        directory: Directory,
        mailer: Mailer,
        has_chat: HasChat = _never,
        links: LinkMaker | None = None,
    ) -> None:
        self.directory = directory
        self.mailer = mailer
        self.has_chat = has_chat
        self.links = links

    def send(self, outgoing: Outgoing, earlier: str | None) -> str:
        contact = self.directory.contact(outgoing.to)
        if outgoing.delivery is Delivery.CHANNEL or contact is None:
            raise Unreachable(f"email reaches people, not '{outgoing.to}'")
        message = outgoing.message
        if message.kind is Kind.RECORD:
            # Circulating a record emails it to everyone, with its PDF: never twice.
            return earlier or reference(outgoing, "record emailed with its PDF")
        matters = what_matters(message)
        if earlier is not None and earlier == reference(outgoing, matters):
            return earlier  # nothing the person needs to hear about again
        self._send(self.email_for(contact, message))
        return reference(outgoing, matters)

    def email_for(self, contact: Contact, message: Message) -> Email:
        chair = self._chair(message, contact)
        urls = self._links(contact, message)
        facts = {
            "name": contact.name,
            "kind": message.kind.value,
            "subject_about": _about(message),
            "text": message.text,
            "lines": message.text.splitlines(),
            "answers": [(b.label or b.action, b.command) for b in message.buttons],
            # The buttons as links: (label, address, affirmative), in the message's order.
            "links": [
                (b.label or b.action, urls[b], b.positive) for b in message.buttons if b in urls
            ],
            "in_chat": self.has_chat(contact.id),
            "chair": chair.name if chair else None,
            "chair_email": chair.email if chair else None,
        }
        return Email(
            to=(contact.email,),
            subject=render("email/subject.txt.j2", **facts),
            text=render("email/message.txt.j2", **facts),
            html=render_html("email/message.html.j2", **facts),
            reply_to=chair.email if chair else None,
        )

    def _links(self, contact: Contact, message: Message) -> Mapping[Button, str]:
        if self.links is None or not message.buttons:
            return {}
        try:
            return self.links.links(contact.id, message)
        except Exception as error:  # the database, say: send it later, with its links
            raise DeliveryFailed(
                f"links for {contact.id} not issued: {type(error).__name__}"
            ) from error

    def _chair(self, message: Message, contact: Contact) -> Contact | None:
        """The chair named in the message, when it is someone else: whom to reply to."""
        name = message.context.get("chair")
        chair = self.directory.find(name) if isinstance(name, str) else None
        return chair if chair is not None and chair.id != contact.id else None

    def _send(self, email: Email) -> None:
        try:
            self.mailer.send(email)
        except MailRefused as refused:
            raise Unreachable(f"the mail server refused {email.to[0]}: {refused}") from refused
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(f"email to {email.to[0]} not sent: {error}") from error


def what_matters(message: Message) -> str:
    """What an update must change for the person to get a new email about it."""
    context = message.context
    if message.kind is Kind.INVITATION:
        own = (context.get("status"), context.get("meeting"), context.get("chair"))
        return "invitation " + _digest(repr(own))
    if message.kind is Kind.QUORUM:
        if context.get("met"):
            return "quorum met"
        stuck = (say("invitation_status.declined"), say("invitation_status.no_response"))
        invitees = context.get("invitees") or []
        at_risk = any(isinstance(i, dict) and i.get("status") in stuck for i in invitees)
        return "quorum at risk" if at_risk else "quorum waiting"
    return _digest(message.text)


def reference(outgoing: Outgoing, matters: str) -> str:
    """Where the email went (the address's owner and thread) and what it said that matters."""
    return f"{PLATFORM}:{outgoing.to}:{outgoing.thread or ''}:{matters}"


def _about(message: Message) -> str:
    """The subject's case or action reference: pseudonymous, never a name."""
    for key in ("reference", "case"):
        value = message.context.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
