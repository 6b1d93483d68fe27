"""The invitation page: what the chat invitation shows, and Accept, Decline, Delegate.

The details come from the core's own invitation message (`invitation_outgoing`),
so the page and the chat say the same; what can be done comes from that
message's buttons (as in chat), limited to the intents the link carries, and
only while the discussion is the invitee's current one and still scheduled.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.core import Core
from bot.directory import Contact
from bot.errors import NotAllowed
from bot.references import numbered_reference
from bot.services.common import invitation_outgoing
from bot.shared import visible_discussion
from bot.storage import models
from bot.storage.link_models import LinkToken
from handlers.web_page.forms import Choice, FieldKind, Form, FormField
from handlers.web_page.view import PageView
from templates import render

# The page's own forms (the FormField seam): their wording suits a page read from an
# email; what is submitted goes to the same intents (Bot.act) as chat's buttons.
ACCEPT = Form("accept", "Accept", "Accept the invitation")
DECLINE_REASON = FormField(
    "reason",
    "Why you cannot attend",
    FieldKind.TEXTAREA,
    required=True,
    example="on leave this week; a colleague can attend",
    hint="The chair needs the reason to find someone else from your agency.",
)


def decline_form() -> Form:
    return Form("decline", "Decline", "Decline the invitation", (DECLINE_REASON,), warning=True)


def delegate_form(core: Core, actor: Contact) -> Form:
    colleagues = tuple(
        Choice(c.id, f"{c.name} ({c.role.label})") for c in core.directory.colleagues(actor)
    )
    agency = core.directory.agency_of(actor).name
    colleague = FormField(
        "to",
        "Colleague",
        FieldKind.CHOICE,
        required=True,
        choices=colleagues,
        hint=f"Someone else in {agency} who can attend in your place.",
    )
    return Form("delegate", "Delegate to a colleague", "Delegate", (colleague,))


def invitation_view(core: Core, session: Session, link: LinkToken, actor: Contact) -> PageView:
    invitation = link.invitation
    assert invitation is not None  # find_link only returns bound invitation links
    discussion = invitation.discussion
    chat_message = invitation_outgoing(core, invitation).message
    details = dict(chat_message.context)
    heading, *items = render(details["checklist"]).splitlines()
    details["checklist_heading"] = heading.rstrip(":")
    details["checklist_items"] = [item.removeprefix("- ") for item in items if item.strip()]
    details["agency"] = core.directory.agency_of(actor).name
    details["delegated_to"] = invitation.delegated_to.name if invitation.delegated_to else None
    details["decline_reason"] = invitation.decline_reason
    details["open"] = _is_current(session, invitation, actor)
    details["discussion_status"] = invitation.discussion.status
    possible = [b.action for b in chat_message.buttons if b.action in link.intents]
    forms = tuple(_form(core, actor, i) for i in possible) if details["open"] else ()
    return PageView(
        template="invitation.html.j2",
        title=f"Strategy discussion for case {details['case']}",
        details=details,
        forms=forms,
        item_fields={"case": numbered_reference(discussion.case.reference, discussion.number)},
    )


def _form(core: Core, actor: Contact, intent: str) -> Form:
    if intent == "decline":
        return decline_form()
    if intent == "delegate":
        return delegate_form(core, actor)
    return ACCEPT


def _is_current(session: Session, invitation: models.Invitation, actor: Contact) -> bool:
    """Whether this invitation can still be answered: its discussion is still scheduled
    and the invitee still invited (the page's answers name it by number, NV-40213#1)."""
    discussion = invitation.discussion
    if discussion.status != models.DiscussionStatus.SCHEDULED:
        return False
    try:
        current = visible_discussion(
            session,
            numbered_reference(discussion.case.reference, discussion.number),
            actor,
            scheduled_only=True,
        )
    except NotAllowed:
        return False
    return current.id == discussion.id
