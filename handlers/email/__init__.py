"""Email as a way out for chat messages: people routed to email get each message they
would have had in chat as an email (handlers/email/channel.py)."""

from bot.directory.model import EMAIL

PLATFORM = EMAIL
