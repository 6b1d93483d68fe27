"""A discussion that has been held, ready to be recorded; email into a real outbox folder.

`held`: Ben Okafor convened NV-40213 (tests.helpers.CONVENE: C1 and C2, domestic
abuse, the health visitor and the school's safeguarding lead known); the
police domestic abuse officer and the health visitor accepted, the school
declined; the meeting time (Tue 24 Nov 2026, 14:00) has passed.
"""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from bot.app import Bot
from bot.mail import OutboxMailer
from scheduling.clock import SimulatedClock
from tests.helpers import say, take_sent

COMPLETE_RECORD = (
    "/strategy record NV-40213 attended=asha.patel,ben.okafor,megan.price,olivia.bennett "
    "children=C1,C2 "
    's47="joint: C1 has bruising and says her mother\'s partner hurt her" '
    'family="partial: mother told today; her partner not until police have spoken to him"'
)


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def held(convened: Bot, clock: SimulatedClock, outbox: Path) -> Bot:
    convened.core.mailer = OutboxMailer(outbox)
    say(convened, "megan.price", "/strategy accept NV-40213")
    say(convened, "olivia.bennett", "/strategy accept NV-40213")
    say(convened, "bethany.cole", '/strategy decline NV-40213 reason="teaching all afternoon"')
    clock.advance(timedelta(days=1, hours=4, minutes=30))  # Tue 24 Nov, 14:00: the meeting
    convened.run_due_work()
    take_sent(convened)
    return convened


def emails(outbox: Path) -> list[EmailMessage]:
    """Every email in the outbox, oldest first, parsed by the standard library."""
    parsed = []
    for path in sorted(outbox.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        parsed.append(message)
    return parsed


def record_emails(outbox: Path) -> list[EmailMessage]:
    return [e for e in emails(outbox) if "strategy discussion" in str(e["Subject"]).lower()]
