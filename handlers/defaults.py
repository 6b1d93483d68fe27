"""Defaults the command line shows in its help, in a module that imports nothing, so that
`strategy-bot --help` needs neither the web stack nor the chat platforms' settings."""

from __future__ import annotations

# Where `strategy-bot serve` listens by default.
DEFAULT_PORT = 3000
