"""Action-link tokens: secret, hashed, bound to one person and one item, expiring, revocable."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, select
from sqlalchemy.orm import Session

from bot.app import Bot
from bot.errors import InputError
from bot.links.tokens import (
    action_expiry,
    find_link,
    hash_token,
    invitation_expiry,
    issue_action_link,
    issue_invitation_link,
    mark_used,
    revoke_discussion_links,
    revoke_links,
)
from bot.links.urls import checked_public_url, link_for
from bot.storage import models
from bot.storage.db import alembic_config, normalise_url, transaction
from bot.storage.link_models import LinkItem, LinkToken
from scheduling.clock import SimulatedClock
from scheduling.rules import CalendarSettings
from scheduling.workdays import WorkingCalendar
from tests.helpers import say
from tests.web_page.conftest import invitation_link

ADD_ACTION = (
    '/strategy action NV-40213 owner=megan.price due="in 2 working days" '
    'text="Complete a DASH risk assessment"'
)


def _find(bot: Bot, token: str) -> LinkToken | None:
    with bot.core.sessions() as session:
        return find_link(session, token, bot.core.clock.now())


def _invitation(session: Session, who: str) -> models.Invitation:
    return session.scalars(
        select(models.Invitation)
        .join(models.Contact, models.Invitation.contact_id == models.Contact.id)
        .where(models.Contact.key == who)
    ).one()


def test_a_token_is_256_random_bits_and_only_its_hash_is_stored(convened: Bot) -> None:
    tokens = {invitation_link(convened, "olivia.bennett") for _ in range(3)}
    assert len(tokens) == 3
    for token in tokens:
        assert len(token) == 43  # 32 bytes in URL-safe base64
    with convened.core.sessions() as session:
        rows = session.scalars(select(LinkToken)).all()
        stored = {value for row in rows for value in vars(row).values() if isinstance(value, str)}
    assert not tokens & stored
    assert {hashlib.sha256(t.encode()).hexdigest() for t in tokens} <= stored
    row = _find(convened, next(iter(tokens)))
    assert row is not None
    assert row.item == LinkItem.INVITATION
    assert row.contact.key == "olivia.bennett"
    assert row.intents == ["accept", "decline", "delegate"]


def test_unknown_tampered_and_malformed_tokens_find_nothing(convened: Bot) -> None:
    token = invitation_link(convened, "olivia.bennett")
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for wrong in (tampered, token[:-1], token + "x", "", "../../etc/passwd", "x" * 43):
        assert _find(convened, wrong) is None, wrong
    assert _find(convened, token) is not None


def test_an_invitation_link_works_until_the_end_of_the_meeting_day(
    convened: Bot, clock: SimulatedClock
) -> None:
    token = invitation_link(convened, "olivia.bennett")
    # The meeting is Tue 24 Nov 2026 at 14:00 GMT: the link works until 23:59:59 that day.
    clock.set(datetime(2026, 11, 24, 23, 59, 58, tzinfo=UTC))
    assert _find(convened, token) is not None
    clock.set(datetime(2026, 11, 24, 23, 59, 59, tzinfo=UTC))
    assert _find(convened, token) is None


def test_expiry_is_the_end_of_the_day_in_the_partnerships_time_zone() -> None:
    london = WorkingCalendar(CalendarSettings(timezone="Europe/London"))

    def invitation(meeting: datetime) -> models.Invitation:
        return models.Invitation(discussion=models.Discussion(meeting_at=meeting))

    # 23:30 BST on 10 June is still 10 June; 00:30 BST on 11 June is the next day.
    late = invitation(datetime(2026, 6, 10, 22, 30, tzinfo=UTC))
    after_midnight = invitation(datetime(2026, 6, 10, 23, 30, tzinfo=UTC))
    assert invitation_expiry(london, late) == datetime(2026, 6, 10, 22, 59, 59, tzinfo=UTC)
    assert invitation_expiry(london, after_midnight) == datetime(
        2026, 6, 11, 22, 59, 59, tzinfo=UTC
    )
    action = models.Action(due_at=datetime(2026, 11, 25, 23, 59, 59, tzinfo=UTC))
    assert action_expiry(london, action) == datetime(2026, 12, 25, 23, 59, 59, tzinfo=UTC)


def test_revoking_an_item_stops_its_links_and_no_others(convened: Bot) -> None:
    olivia = [invitation_link(convened, "olivia.bennett") for _ in range(2)]
    bethany = invitation_link(convened, "bethany.cole")
    with transaction(convened.core.sessions) as session:
        invitation = _invitation(session, "olivia.bennett")
        now = convened.core.clock.now()
        assert revoke_links(session, invitation, now=now, reason="rescheduled") == 2
        assert revoke_links(session, invitation, now=now, reason="again") == 0
    assert [_find(convened, t) for t in olivia] == [None, None]
    assert _find(convened, bethany) is not None
    with convened.core.sessions() as session:
        revoked = session.scalars(select(LinkToken).where(LinkToken.revoked_at.is_not(None)))
        assert {row.revoked_reason for row in revoked} == {"rescheduled"}


def test_revoking_a_discussion_stops_every_invitees_links(convened: Bot) -> None:
    tokens = [invitation_link(convened, who) for who in ("olivia.bennett", "megan.price")]
    with transaction(convened.core.sessions) as session:
        discussion = session.scalars(select(models.Discussion)).one()
        now = convened.core.clock.now()
        assert revoke_discussion_links(session, discussion, now=now, reason="rescheduled") == 2
    assert [_find(convened, t) for t in tokens] == [None, None]


def test_a_link_works_only_for_the_contact_the_item_belongs_to(convened: Bot) -> None:
    """A token whose contact is not the invitee (a row made by hand) finds nothing,
    nor does one whose contact has left the directory."""
    with transaction(convened.core.sessions) as session:
        olivia = _invitation(session, "olivia.bennett")
        bethany = _invitation(session, "bethany.cole")
        token = issue_invitation_link(
            session, olivia, now=convened.core.clock.now(), calendar=convened.core.calendar
        )
        row = session.scalars(select(LinkToken)).one()
        row.contact_id = bethany.contact_id
    assert _find(convened, token) is None
    token = invitation_link(convened, "megan.price")
    with transaction(convened.core.sessions) as session:
        _invitation(session, "megan.price").contact.active = False
    assert _find(convened, token) is None


def test_action_links_for_the_owner_and_the_chair(convened: Bot, clock: SimulatedClock) -> None:
    say(convened, "asha.patel", ADD_ACTION)
    core = convened.core
    with transaction(core.sessions) as session:
        action = session.scalars(select(models.Action)).one()
        owner, chair = action.owner, action.discussion.chair
        now = core.clock.now()
        mine = issue_action_link(session, action, owner, now=now, calendar=core.calendar)
        chairs = issue_action_link(
            session, action, chair, now=now, calendar=core.calendar, intents=["approve", "refuse"]
        )
        with pytest.raises(ValueError, match="owner"):
            issue_action_link(session, action, chair, now=now, calendar=core.calendar)
        with pytest.raises(ValueError, match="chair"):
            issue_action_link(
                session, action, owner, now=now, calendar=core.calendar, intents=["approve"]
            )
        with pytest.raises(ValueError, match="owner or chair"):
            issue_action_link(
                session,
                action,
                owner,
                now=now,
                calendar=core.calendar,
                intents=["close", "approve"],
            )
    found = _find(convened, mine)
    assert found is not None
    assert found.item == LinkItem.ACTION
    assert found.expires_at == datetime(2026, 12, 25, 23, 59, 59, tzinfo=UTC)  # due 25 Nov + 30
    assert _find(convened, chairs) is not None

    say(convened, "asha.patel", "/strategy reassign NV-40213/A1 to=ian.campbell")
    assert _find(convened, mine) is None  # no longer the owner
    assert _find(convened, chairs) is not None
    say(convened, "ian.campbell", '/strategy close NV-40213/A1 outcome="DASH completed: high risk"')
    assert _find(convened, chairs) is None  # closed: every link for it has expired


def test_an_action_link_expires_thirty_days_after_the_due_date(
    convened: Bot, clock: SimulatedClock
) -> None:
    say(convened, "asha.patel", ADD_ACTION)
    with transaction(convened.core.sessions) as session:
        action = session.scalars(select(models.Action)).one()
        token = issue_action_link(
            session,
            action,
            action.owner,
            now=convened.core.clock.now(),
            calendar=convened.core.calendar,
        )
    clock.set(datetime(2026, 12, 25, 23, 59, 58, tzinfo=UTC))
    assert _find(convened, token) is not None
    clock.advance(timedelta(seconds=1))
    assert _find(convened, token) is None


def test_issuing_refuses_intents_the_item_does_not_have(convened: Bot) -> None:
    with transaction(convened.core.sessions) as session:
        invitation = _invitation(session, "olivia.bennett")
        for intents in (["close"], []):
            with pytest.raises(ValueError, match="intents"):
                issue_invitation_link(
                    session,
                    invitation,
                    now=convened.core.clock.now(),
                    calendar=convened.core.calendar,
                    intents=intents,
                )


def test_mark_used_notes_the_time_and_finding_writes_nothing(convened: Bot) -> None:
    token = invitation_link(convened, "olivia.bennett")
    assert _find(convened, token) is not None
    with convened.core.sessions() as session:
        assert session.scalars(select(LinkToken)).one().last_used_at is None
    with transaction(convened.core.sessions) as session:
        row = find_link(session, token, convened.core.clock.now())
        assert row is not None
        mark_used(row, convened.core.clock.now())
    with convened.core.sessions() as session:
        assert session.scalars(select(LinkToken)).one().last_used_at == convened.core.clock.now()
    assert hash_token(token) == hashlib.sha256(token.encode()).hexdigest()


@pytest.mark.parametrize(
    "url",
    [
        "https://strategy-bot.my-council.gov.uk",
        "https://strategy-bot.my-council.gov.uk/",
        "https://example.gov.uk/strategy-bot/",
        "http://localhost:8000",
        "http://127.0.0.1:3000/",
    ],
)
def test_links_are_built_from_the_public_url(url: str) -> None:
    link = link_for(url, "T" * 43)
    assert link == url.rstrip("/") + "/answer/" + "T" * 43
    assert checked_public_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (None, "not set"),
        ("", "not set"),
        ("strategy-bot.gov.uk", "absolute"),
        ("ftp://strategy-bot.gov.uk", "absolute"),
        ("http://strategy-bot.gov.uk", "https"),
        ("https://strategy-bot.gov.uk/?x=1", "query"),
        ("https://user:pw@strategy-bot.gov.uk", "credentials"),
        ("https://[not-a-host", "not a URL"),
    ],
)
def test_a_wrong_public_url_is_explained(url: str | None, problem: str) -> None:
    with pytest.raises(InputError, match=problem) as raised:
        link_for(url, "T" * 43)
    assert raised.value.example == "PUBLIC_URL=https://strategy-bot.my-council.gov.uk"


def test_the_link_token_migration_goes_down_and_up(database_url: str) -> None:
    config = alembic_config(database_url)

    def schema() -> tuple[list[str], set[str]]:
        engine = create_engine(normalise_url(database_url))  # a new one: nothing cached
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            indexes = (
                {i["name"] or "" for i in inspect(connection).get_indexes("link_token")}
                if "link_token" in tables
                else set()
            )
        engine.dispose()
        return tables, indexes

    command.downgrade(config, "0007")
    assert "link_token" not in schema()[0]
    command.upgrade(config, "heads")
    tables, indexes = schema()
    assert "link_token" in tables
    assert {"ix_link_token_invitation_id", "ix_link_token_action_id"} <= indexes


def test_the_link_items_migration_goes_down_and_up(database_url: str) -> None:
    """0015_link_items adds the poll's and the record's columns, with their keys and indexes."""
    config = alembic_config(database_url)

    def columns() -> tuple[set[str], set[str], set[str]]:
        engine = create_engine(normalise_url(database_url))
        with engine.connect() as connection:
            found = inspect(connection)
            names = {c["name"] for c in found.get_columns("link_token")}
            indexes = {i["name"] or "" for i in found.get_indexes("link_token")}
            targets = {k["referred_table"] for k in found.get_foreign_keys("link_token")}
        engine.dispose()
        return names, indexes, targets

    command.downgrade(config, "0012_outbox")
    names, indexes, targets = columns()
    assert not {"time_search_id", "record_version_id"} & names
    assert {"contact", "invitation", "action"} == targets
    assert {"ix_link_token_invitation_id", "ix_link_token_action_id"} <= indexes
    command.upgrade(config, "head")
    names, indexes, targets = columns()
    assert {"time_search_id", "record_version_id"} <= names
    assert {"time_search", "record_version"} <= targets
    assert {"ix_link_token_time_search_id", "ix_link_token_record_version_id"} <= indexes
