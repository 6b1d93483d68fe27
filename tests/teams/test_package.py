"""The app package an administrator uploads: a valid manifest for this bot, and its icons."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import jsonschema
import pytest
from PIL import Image
from typer.testing import CliRunner

from bot.cli import app
from bot.intents import INTENTS

SCHEMA = Path(__file__).parent / "schema" / "teams-manifest-1.19.json"
APP_ID = "7c3d2a8e-51f4-4b0a-9d6e-2f8b1c0e4a11"
runner = CliRunner()


def package(tmp_path: Path, *options: str, env: dict[str, str] | None = None) -> Path:
    output = tmp_path / "strategy-bot-teams.zip"
    result = runner.invoke(
        app, ["teams", "package", "--output", str(output), *options], env=env or {}
    )
    assert result.exit_code == 0, result.output
    assert "Upload new app" in result.output
    return output


def test_the_package_holds_a_valid_manifest_for_this_bot_and_two_icons(tmp_path: Path) -> None:
    zipped = package(
        tmp_path,
        "--website",
        "https://www.northvale.example/",
        "--privacy-url",
        "https://www.northvale.example/privacy",
        env={"TEAMS_APP_ID": APP_ID},
    )
    with zipfile.ZipFile(zipped) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color = Image.open(io.BytesIO(archive.read("color.png")))
        outline = Image.open(io.BytesIO(archive.read("outline.png")))

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(manifest)
    assert manifest["manifestVersion"] == "1.19"
    assert manifest["id"] == APP_ID
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert set(bot["scopes"]) == {"personal", "team"}
    assert manifest["developer"]["name"] == "Northvale Safeguarding Children"  # within 32
    assert manifest["developer"]["privacyUrl"] == "https://www.northvale.example/privacy"
    assert manifest["developer"]["termsOfUseUrl"] == "https://www.northvale.example/"

    # The command menu offers real commands (at most ten, as Teams allows).
    [menu] = bot["commandLists"]
    titles = [c["title"] for c in menu["commands"]]
    assert len(titles) <= 10 and set(titles) <= set(INTENTS.names())
    assert {"convene", "accept", "decline", "delegate", "status", "help"} <= set(titles)

    # Teams' icon rules: a 192x192 colour icon, a 32x32 white outline on transparency.
    assert color.size == (192, 192)
    assert outline.size == (32, 32) and outline.mode == "RGBA"
    pixels = list(outline.getdata())
    assert all(a == 0 or (r, g, b) == (255, 255, 255) for r, g, b, a in pixels)
    assert any(a == 0 for *_, a in pixels) and any(a == 255 for *_, a in pixels)


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ([], "Give the publisher's website"),
        (["--website", "https://x.example/", "--app-id", "my-bot"], "is not an app id"),
        (["--website", "http://x.example/", "--app-id", APP_ID], "must be an https:// address"),
    ],
)
def test_a_package_that_teams_would_refuse_is_not_written(
    tmp_path: Path, options: list[str], problem: str
) -> None:
    output = tmp_path / "package.zip"
    result = runner.invoke(app, ["teams", "package", "--output", str(output), *options], env={})
    assert result.exit_code == 2
    assert problem in result.output
    assert "For example: " in result.output
    assert not output.exists()
