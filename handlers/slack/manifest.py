"""The Slack app manifest shipped with strategy-bot, filled in for one installation."""

from __future__ import annotations

from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.errors import refusal
from handlers.slack import SLACK_EVENTS


def manifest_text() -> str:
    return (resources.files("handlers") / "slack" / "manifest.yaml").read_text(encoding="utf-8")


def manifest(url: str | None = None, socket_mode: bool = False) -> dict[str, Any]:
    """The manifest, for HTTP mode at `url` (https://host) or for Socket Mode."""
    data: dict[str, Any] = yaml.safe_load(manifest_text())
    events = data["settings"]["event_subscriptions"]
    interactivity = data["settings"]["interactivity"]
    command = data["features"]["slash_commands"][0]
    if socket_mode:
        data["settings"]["socket_mode_enabled"] = True
        for section in (events, interactivity, command):
            section.pop("request_url", None)
            section.pop("url", None)
        return data
    if url is None:
        return data
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        raise refusal("setup.slack_url", url=url)
    endpoint = f"https://{parts.netloc}{parts.path.rstrip('/')}{SLACK_EVENTS}"
    events["request_url"] = interactivity["request_url"] = command["url"] = endpoint
    return data
