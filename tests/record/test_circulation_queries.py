"""Finalising and circulating a record reads what it needs once: the version, its
documents and the recipients' rows once for the deliveries done in a row, the
delivery items added by one INSERT, the children and actions with the discussion."""

from __future__ import annotations

import re
from pathlib import Path

from bot.app import Bot
from tests.helpers import recorded_statements, say, take_sent
from tests.record.conftest import COMPLETE_RECORD

ACTION = (
    '/strategy action NV-40213 owner=megan.price due="in 2 working days" '
    'text="Complete a DASH risk assessment with the mother"'
)


def statements(bot: Bot, who: str, text: str) -> list[str]:
    with recorded_statements(bot) as ran:
        say(bot, who, text)
    return [r.sql for r in ran]


def count(seen: list[str], pattern: str) -> int:
    return sum(1 for s in seen if re.match(pattern, s))


def test_circulation_reads_the_version_and_contacts_once_per_run_of_deliveries(
    held: Bot, outbox: Path
) -> None:
    say(held, "asha.patel", ACTION)
    say(held, "asha.patel", COMPLETE_RECORD)
    take_sent(held)
    seen = statements(held, "asha.patel", "/strategy record NV-40213 finalise")
    delivered = count(seen, r"INSERT INTO record_delivery")
    assert delivered == 10  # five invited, by chat and by email
    # Was one INSERT per delivery item.
    assert count(seen, r"INSERT INTO scheduled_work") == 1
    # Was a read of the version (with its PDF for each email) and of the contact row for
    # each delivery; now once for each run of deliveries the sweep does on one connection.
    versions = count(seen, r"SELECT record_version\.id, .*record_version\.document_pdf FROM")
    contacts = count(seen, r"SELECT contact\.id, .* FROM contact WHERE contact\.\"?key\"? IN")
    assert 1 <= versions <= 2 and contacts == versions
    # The finaliser's row is the chair's, loaded with the discussion.
    assert count(seen, r"SELECT contact\.id, .* FROM contact .*WHERE contact\.\"?key\"? = ") == 0


def test_the_record_loads_children_and_actions_with_the_discussion(held: Bot) -> None:
    say(held, "asha.patel", ACTION)
    seen = statements(held, "asha.patel", COMPLETE_RECORD)
    # One query each (with the discussion), not a lazy load each in the field check and
    # the form; the actions' owners come with the actions.
    assert count(seen, r"SELECT discussion_child\.") == 1
    assert count(seen, r"SELECT action\.") == 1
    assert count(seen, r"SELECT contact\.") == 0  # the editor's row is the chair's
