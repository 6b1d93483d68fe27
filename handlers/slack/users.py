"""Who is who: Slack users and directory contacts, matched by Slack user id or by email."""

from __future__ import annotations

import logging
import threading

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.directory import Contact, Directory
from handlers.slack import PLATFORM

log = logging.getLogger(__name__)


class SlackUsers:
    """Matches Slack users to directory contacts, and contacts to Slack users.

    A contact's Slack id in the directory (`chat: {slack: U...}`) is used first.
    A contact without one is found by email (`users.lookupByEmail`), and a Slack
    user not in the directory is matched by the email on their Slack profile
    (`users.info`), but only to a contact with no Slack id of their own: an id
    in the directory always wins. Matches are remembered for the process's life.
    """

    def __init__(self, client: WebClient, directory: Directory) -> None:
        self.client = client
        self.directory = directory
        self._contacts: dict[str, str] = {}  # Slack user id -> contact id
        self._users: dict[str, str] = {}  # contact id -> Slack user id
        self._lock = threading.Lock()

    def contact_for(self, user_id: str) -> Contact | None:
        """The contact a Slack user is, or None when they are not in the directory."""
        contact = self.directory.by_chat_id(PLATFORM, user_id)
        if contact is not None:
            return contact
        with self._lock:
            known = self._contacts.get(user_id)
        if known is not None:
            return self.directory.contact(known)
        try:
            profile = self.client.users_info(user=user_id)["user"].get("profile", {})
        except SlackApiError as error:
            log.warning("users.info for %s failed: %s", user_id, error.response.get("error"))
            return None
        contact = self._by_email(str(profile.get("email") or ""))
        if contact is not None:
            self._remember(contact.id, user_id)
        return contact

    def user_id(self, contact_id: str) -> str | None:
        """The Slack user id of a contact, or None when they have no Slack account."""
        contact = self.directory.contact(contact_id)
        if contact is None:
            return None
        own = contact.chat_id(PLATFORM)
        if own:
            return own
        with self._lock:
            known = self._users.get(contact_id)
        if known is not None:
            return known
        try:
            user = self.client.users_lookupByEmail(email=contact.email)["user"]
        except SlackApiError as error:
            if error.response.get("error") != "users_not_found":
                raise
            return None
        self._remember(contact.id, str(user["id"]))
        return str(user["id"])

    def _by_email(self, email: str) -> Contact | None:
        wanted = email.strip().casefold()
        if not wanted:
            return None
        return next(
            (
                c
                for c in self.directory.contacts()
                if c.email.casefold() == wanted and c.chat_id(PLATFORM) is None
            ),
            None,
        )

    def _remember(self, contact_id: str, user_id: str) -> None:
        with self._lock:
            self._contacts[user_id] = contact_id
            self._users[contact_id] = user_id
        log.info("Slack user %s is directory contact %s (matched by email)", user_id, contact_id)
