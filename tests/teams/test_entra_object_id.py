"""A contact the directory knows in Teams only by their Entra object id (a GUID), with no
chat with the bot yet: the chat is started through the Bot Connector's createConversation
(the member by `aadObjectId`, the tenant id), remembered, and its cards update in place.
A person Teams does not know (404) or has not got the app (403) is Unreachable: the
outbox moves to email, and tells the chair when nothing is left."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.record.circulation import mailer_of
from bot.routing import Router
from bot.storage import models
from bot.storage.outbox_models import OutboxRow, OutboxStatus, ThreadBinding
from handlers.email.channel import EmailChannel
from scheduling.clock import SimulatedClock
from tests.conftest import MONDAY_0930
from tests.contract.teams_driver import TeamsDriver, card_text
from tests.teams.fakes import TENANT_ID
from tests.teams.harness import TeamsHarness

OLIVIA_OBJECT_ID = "3f1b2c4d-5e6f-4a7b-8c9d-0000000b0b01"
OLIVIA_CHAT = "a:chat-1olivia-bennett"
CONVENE = (
    'convene NV-40213 children=C1:2020-05-14 category=standard identified="today 9am" '
    'meeting="tomorrow 2pm" tags=domestic_abuse known=olivia.bennett'
)


def directory(folder: Path, *, teams_only: bool = False) -> Path:
    """The sample directory with Olivia in Teams by her Entra object id only."""
    text = (resources.files("bot") / "data" / "sample_directory.yaml").read_text(encoding="utf-8")
    line = (
        '        chat: {slack: U0NVOB30001, teams: "29:1olivia-bennett", console: olivia.bennett}\n'
    )
    assert line in text
    changed = line.replace('"29:1olivia-bennett"', f'"{OLIVIA_OBJECT_ID}"')
    if teams_only:
        changed += "        reach: [teams]\n"
    path = folder / "directory.yaml"
    path.write_text(text.replace(line, changed), encoding="utf-8")
    return path


def with_email(harness: TeamsHarness) -> None:
    """Teams and email, routed per person, as `serve` composes them."""
    core = harness.core
    router = Router(core.directory, ["teams", "email"])
    email = EmailChannel(core.directory, mailer_of(core))
    harness.bot.bot.reach_through([harness.bot.chat, email], router)


@pytest.fixture
def harness(database_url: str, tmp_path: Path) -> Iterator[TeamsHarness]:
    path = directory(tmp_path)
    with TeamsHarness.start(
        database_url, SimulatedClock(MONDAY_0930), tmp_path, directory=path
    ) as harness:
        assert harness.install_in_channel().status_code == 200
        with_email(harness)
        yield harness
        assert harness.teams.card_problems == []


def rows_for(harness: TeamsHarness, who: str) -> list[OutboxRow]:
    with harness.core.sessions() as session:
        return list(session.scalars(select(OutboxRow).where(OutboxRow.recipient == who)))


def test_a_contact_known_by_entra_object_id_gets_a_chat_started_and_updated_in_place(
    harness: TeamsHarness,
) -> None:
    harness.teams.entra_users[OLIVIA_OBJECT_ID] = "29:1olivia-bennett"
    assert isinstance(harness.clock, SimulatedClock)
    driver = TeamsDriver(harness, harness.clock)
    driver.command("ben.okafor", CONVENE)

    # The chat was started by her object id, in this tenant.
    assert {"id": OLIVIA_OBJECT_ID, "aadObjectId": OLIVIA_OBJECT_ID} in harness.teams.created
    [invitation] = [
        p
        for p in harness.teams.messages_in(OLIVIA_CHAT)
        if "You are invited" in card_text(p.cards[0])
    ]
    harness.bot.store.flush()
    with harness.core.sessions() as session:
        binding = session.scalars(
            select(ThreadBinding).where(
                ThreadBinding.recipient == "olivia.bennett",
                ThreadBinding.thread.startswith("invitation:"),
            )
        ).one()
    assert binding.channel == "teams"
    assert binding.reference == f"{OLIVIA_CHAT} {invitation.activity_id}"
    assert harness.bot.store.conversation(OLIVIA_OBJECT_ID) is not None
    assert harness.bot.store.conversation(OLIVIA_OBJECT_ID).tenant_id == TENANT_ID  # type: ignore[union-attr]

    # After a restart, a change to her invitation updates the same card in place.
    harness.restart()
    with_email(harness)
    started = len(harness.teams.started_chats())
    driver.command("ben.okafor", 'reschedule NV-40213 meeting="tomorrow 3pm" reason="room clash"')
    assert len(harness.teams.started_chats()) == started  # no new chat for her
    assert invitation.versions >= 2
    assert all(r.sent_on == "teams" for r in rows_for(harness, "olivia.bennett"))


def test_a_person_teams_does_not_know_is_reached_by_email_instead(
    harness: TeamsHarness,
) -> None:
    # Her object id is not a user of the tenant: the Bot Connector answers 404.
    assert isinstance(harness.clock, SimulatedClock)
    TeamsDriver(harness, harness.clock).command("ben.okafor", CONVENE)
    assert list(harness.teams.messages_in(OLIVIA_CHAT)) == []
    rows = rows_for(harness, "olivia.bennett")
    assert rows and all(r.status == OutboxStatus.SENT and r.sent_on == "email" for r in rows)
    assert "Teams does not know" in rows[0].refusals[0]["reason"]
    with harness.core.sessions() as session:
        refused = session.scalars(
            select(models.AuditEvent).where(models.AuditEvent.event == "delivery_refused")
        ).all()
    assert refused


def test_app_not_installed_with_teams_the_only_route_tells_the_chair(
    database_url: str, tmp_path: Path
) -> None:
    path = directory(tmp_path, teams_only=True)
    with TeamsHarness.start(
        database_url, SimulatedClock(MONDAY_0930), tmp_path, directory=path
    ) as harness:
        assert harness.install_in_channel().status_code == 200
        with_email(harness)
        harness.teams.entra_users[OLIVIA_OBJECT_ID] = "29:1olivia-bennett"
        harness.teams.not_installed.add(OLIVIA_OBJECT_ID)  # 403: the app is not installed
        assert isinstance(harness.clock, SimulatedClock)
        driver = TeamsDriver(harness, harness.clock)
        driver.command("ben.okafor", CONVENE)
        [lost] = [r for r in rows_for(harness, "olivia.bennett") if r.status != "sent"]
        assert lost.status == OutboxStatus.UNDELIVERABLE
        told = "\n".join(driver.inbox("asha.patel"))
        assert "Olivia Bennett cannot be reached" in told
        assert "is the app installed for them?" in told
