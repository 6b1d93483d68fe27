"""The Teams app package: the manifest and its two icons, zipped for an administrator to upload.

The manifest in handlers/teams/app/ is complete but for what only the
partnership knows: the bot's app id (from its Azure Bot registration), who
publishes the app, and where its privacy notice and terms are. `build_package`
fills those in.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from bot.errors import refusal

GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
ICONS = ("color.png", "outline.png")


@dataclass(frozen=True)
class AppDetails:
    app_id: str  # the bot's Microsoft app (client) id: also the Teams app's id
    publisher: str  # shown as the developer, e.g. the partnership's name
    website: str
    privacy_url: str
    terms_url: str
    version: str


def app_version() -> str:
    try:
        return metadata.version("strategy-bot")
    except metadata.PackageNotFoundError:
        return "0.1.0"


def manifest(details: AppDetails) -> dict[str, Any]:
    _check(details)
    text = (resources.files("handlers.teams") / "app" / "manifest.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    document["id"] = details.app_id.lower()
    document["version"] = details.version
    document["developer"] = {
        "name": _shortened(details.publisher, 32),
        "websiteUrl": details.website,
        "privacyUrl": details.privacy_url,
        "termsOfUseUrl": details.terms_url,
    }
    for bot in document["bots"]:
        bot["botId"] = details.app_id.lower()
    return document


def build_package(details: AppDetails, output: Path) -> Path:
    """Write the zip (manifest.json and the icons at its root) that Teams takes."""
    document = manifest(details)
    folder = resources.files("handlers.teams") / "app"
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(document, indent=2) + "\n")
        for icon in ICONS:
            package.writestr(icon, (folder / icon).read_bytes())
    return output


def _shortened(text: str, limit: int) -> str:
    """Teams caps the developer's name: cut at a word boundary rather than mid-word."""
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[: limit + 1].rsplit(" ", 1)[0].rstrip(" ,;:-")


def _check(details: AppDetails) -> None:
    if not GUID.fullmatch(details.app_id):
        raise refusal("setup.teams_app_id", app_id=details.app_id)
    for what, url in (
        ("website", details.website),
        ("privacy notice", details.privacy_url),
        ("terms of use", details.terms_url),
    ):
        if not re.fullmatch(r"https://[^\s/]+(/\S*)?", url):
            raise refusal("setup.teams_https", what=what, url=url)
    if not details.publisher.strip():
        raise refusal("setup.teams_publisher")
