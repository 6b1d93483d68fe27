"""Commands against history: do they cost the same with 1,000 and 100,000 discussions?

    python -m bench.history [--sizes 1000,100000] [--postgresql] [--repeat 5]

For each size, a fresh database gets that many past discussions (with their
invitations, actions, record versions and deliveries, and the thread binding
each invitation left on Slack, Teams or email, inserted in bulk through
SQLAlchemy Core: synthetic people, and the police lead who then acts, Megan
Price, invited to every one of them as police leads are in practice), and
the real bot runs convene, accept, `/strategy actions`, status and the
compliance report for one week (the same number of discussions at every size).
It prints the median time of each, side by side, with the ratio between the
largest and the smallest size (the target: within 1.2x), and the report for
13,000 discussions (a year of a large local authority; the median of 3) when
the history has them. `--postgresql` runs on a throwaway PostgreSQL server (fakes/postgres.py,
as the tests do). Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from rich.console import Console
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from bench.databases import database
from bot.app import Bot, build_core
from bot.record.report import compliance_report
from bot.settings import Settings
from bot.storage import models
from bot.storage.outbox_models import ThreadBinding
from bot.storage.record_models import RecordDelivery, RecordVersion
from bot.unit import unit_of_work
from handlers.console import ConsoleChat
from scheduling.clock import SimulatedClock

START = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
SPACING = timedelta(minutes=40)  # between two past meetings: 13,000 take about a year
PEOPLE = 300  # synthetic people the history is spread over
INVITED = 4  # to each past discussion: its chair, police, health, and the police lead
CHUNK = 5000


def seed_history(bot: Bot, size: int, already: int = 0) -> None:
    """`size` past discussions, newest first from START back, in bulk; `already`: how many
    an earlier call added (these go further back)."""
    core = bot.core
    with core.sessions() as session, session.begin():
        partnership = session.scalars(select(models.Partnership.id)).one()
        agencies = dict(session.execute(select(models.Agency.kind, models.Agency.id)).all())
        first_case = (session.scalar(select(func.max(models.Case.id))) or 0) + 1 - already
        first_invitation = (session.scalar(select(func.max(models.Invitation.id))) or 0) + 1
        people = list(
            session.scalars(
                select(models.Contact.id)
                .where(models.Contact.key.like("history.person%"))
                .order_by(models.Contact.id)
            )
        ) or _add_people(session, agencies)
        keys = dict(session.execute(select(models.Contact.id, models.Contact.key)).all())
        lead = core.directory.contact("megan.price")
        assert lead is not None
        lead_id = next(id for id, key in keys.items() if key == lead.id)
        for start in range(already, already + size, CHUNK):
            numbers = range(start, min(already + size, start + CHUNK))
            invitation = first_invitation + INVITED * (start - already)
            _insert_chunk(
                session, partnership, first_case, people, numbers, invitation, keys, lead_id
            )
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            for table in ("case", "discussion", "contact", "invitation", "record_version"):
                session.execute(  # the ids given explicitly: move the sequences past them
                    text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                        f'(SELECT max(id) FROM "{table}"))'
                    )
                )


def _add_people(session: Session, agencies: dict[str, int]) -> list[int]:
    first_contact = (session.scalar(select(func.max(models.Contact.id))) or 0) + 1
    kinds = ["social_care", "police", "health"]
    people = [first_contact + n for n in range(PEOPLE)]
    session.execute(
        insert(models.Contact),
        [
            {
                "id": person,
                "agency_id": agencies[kinds[n % 3]],
                "key": f"history.person{n}",
                "name": f"History Person {n}",
                "role": "social_worker",
                "email": f"history.person{n}@example.org",
                "active": False,
            }
            for n, person in enumerate(people)
        ],
    )
    return people


def _insert_chunk(
    session: Session,
    partnership: int,
    first_case: int,
    people: list[int],
    numbers: range,
    first_invitation: int,
    keys: dict[int, str],
    lead: int,
) -> None:
    cases: list[dict[str, object]] = []
    discussions: list[dict[str, object]] = []
    invitations: list[dict[str, object]] = []
    actions: list[dict[str, object]] = []
    versions: list[dict[str, object]] = []
    deliveries: list[dict[str, object]] = []
    bindings: list[dict[str, object]] = []
    invitation_id = first_invitation
    for n in numbers:
        case_id = discussion_id = first_case + n
        meeting = START - SPACING * (n + 1)
        chair, police, health = (people[(3 * n + k) % len(people)] for k in range(3))
        cases.append(
            {
                "id": case_id,
                "partnership_id": partnership,
                "reference": f"HX-{n:06d}",
                "created_at": meeting - timedelta(days=1),
            }
        )
        discussions.append(
            {
                "id": discussion_id,
                "case_id": case_id,
                "number": 1,
                "convenor_id": chair,
                "chair_id": chair,
                "category": "standard",
                "harm_tags": [],
                "identified_at": meeting - timedelta(days=1),
                "due_date": meeting.date(),
                "deadline_at": meeting + timedelta(days=1),
                "deadline_rule": "synthetic history",
                "meeting_at": meeting,
                "status": models.DiscussionStatus.HELD,
                "convened_at": meeting - timedelta(days=1),
            }
        )
        for person in (chair, police, health, lead):
            invitations.append(
                {
                    "id": invitation_id,
                    "discussion_id": discussion_id,
                    "contact_id": person,
                    "reason": "history",
                    "status": models.InvitationStatus.ACCEPTED,
                    "via_fallback": False,
                    "invited_at": meeting - timedelta(days=1),
                    "responded_at": meeting - timedelta(hours=20),
                }
            )
            bindings.append(_binding(keys[person], invitation_id, meeting - timedelta(days=1)))
            invitation_id += 1
        actions.append(
            {
                "discussion_id": discussion_id,
                "case_id": case_id,
                "number": 1,
                "description": "Synthetic history action",
                "owner_id": police,
                "due_at": meeting + timedelta(days=5),
                "status": models.ActionStatus.CLOSED if n % 10 else models.ActionStatus.OPEN,
                "created_by_id": chair,
                "created_at": meeting,
                "closed_at": meeting + timedelta(days=3) if n % 10 else None,
                "urgent": False,
            }
        )
        versions.append(
            {
                "id": discussion_id,
                "discussion_id": discussion_id,
                "version": 1,
                "status": "final",
                "content": {},
                "created_by_id": chair,
                "created_at": meeting,
                "updated_at": meeting,
                "finalised_by_id": chair,
                "finalised_at": meeting + timedelta(hours=2),
                "circulation_due_at": meeting + timedelta(days=1),
            }
        )
        deliveries.append(
            {
                "record_version_id": discussion_id,
                "contact_id": police,
                "channel": "chat",
                "scope": "full",
                "status": "sent",
                "delivered_at": meeting + timedelta(hours=3),
            }
        )
    for table, rows in (
        (models.Case, cases),
        (models.Discussion, discussions),
        (models.Invitation, invitations),
        (models.Action, actions),
        (RecordVersion, versions),
        (RecordDelivery, deliveries),
        (ThreadBinding, bindings),
    ):
        session.execute(insert(table), rows)


def _binding(recipient: str, invitation: int, sent: datetime) -> dict[str, object]:
    """Where an invitation's card went, as each channel's delivery binds it (Slack: the DM
    and the message's ts; Teams: the conversation and activity; email: the Message-ID)."""
    channel = ("slack", "teams", "email")[invitation % 3]
    reference = {
        "slack": f"D{invitation:09d} {sent.timestamp():.6f}",
        "teams": f"a:conversation-{invitation} 1:activity-{invitation}",
        "email": f"<invitation-{invitation}@strategy-bot.example>",
    }[channel]
    thread = f"invitation:{invitation}"
    return {
        "recipient": recipient,
        "thread": thread,
        "channel": channel,
        "reference": reference,
        "updated_at": sent,
    }


def prepare(url: str, size: int) -> Bot:
    """The real bot on a fresh database holding `size` past discussions."""
    core = build_core(Settings(database_url=url, strategy_directory=None), SimulatedClock(START))
    bot = Bot(core, ConsoleChat(core.directory, Console(file=io.StringIO())))
    seed_history(bot, size)
    with core.sessions() as session, session.begin():
        session.connection().exec_driver_sql("ANALYZE")
    return bot


def one_round(bot: Bot, n: int, spent: Callable[[], float]) -> dict[str, float]:
    """Milliseconds of each command, for a new case NV-7000n."""
    core = bot.core
    social_worker = core.directory.contact("ben.okafor")
    police = core.directory.contact("megan.price")
    assert social_worker and police
    week = (core.calendar.local_date(START - timedelta(days=7)), START.date())

    def week_report() -> None:
        with unit_of_work(core) as unit:
            compliance_report(unit, *week)

    case = f"NV-{70000 + n}"
    convene = (
        f"/strategy convene {case} children=C1 category=standard "
        'meeting="tomorrow 2pm" known=olivia.bennett'
    )
    timings = {}
    for name, work, times in (
        ("convene", partial(bot.command, social_worker, convene), 1),
        ("accept", partial(bot.command, police, f"/strategy accept {case}"), 1),
        ("status", partial(bot.command, police, f"/strategy status {case}"), 1),
        ("actions", partial(bot.command, police, "/strategy actions"), 1),
        # Read-only and about 25 ms: the median of 5 in each round, or a round's noise
        # (the machine's other load) swamps a difference of a millisecond or two.
        ("report (one week)", week_report, 5),
    ):
        spent_ms = []
        for _ in range(times):
            started = spent()
            work()
            spent_ms.append((spent() - started) * 1000)
        timings[name] = statistics.median(spent_ms)
    return timings


def year_report(bot: Bot, spent: Callable[[], float]) -> float:
    """Milliseconds of the report over the latest 13,000 discussions."""
    core = bot.core
    year = (core.calendar.local_date(START - SPACING * 13_000), START.date())
    started = spent()
    with unit_of_work(core) as unit:
        compliance_report(unit, *year)
    return (spent() - started) * 1000


def measure(bots: dict[int, Bot], repeat: int, spent: Callable[[], float]) -> Results:
    """Median milliseconds of each command at each size, the sizes taking turns (so that
    the machine's other load falls on all of them alike); the first round warms up."""
    timings: dict[int, dict[str, list[float]]] = {size: {} for size in bots}
    for n in range(repeat + 1):
        for size, bot in bots.items():
            for name, ms in one_round(bot, n, spent).items():
                if n:
                    timings[size].setdefault(name, []).append(ms)
    results = {
        size: {name: statistics.median(values) for name, values in figures.items()}
        for size, figures in timings.items()
    }
    for size, bot in bots.items():
        if size >= 13_000:  # the median of 3: one run swings with the machine's load
            year = [year_report(bot, spent) for _ in range(3)]
            results[size]["report (13,000 discussions)"] = statistics.median(year)
    return results


Results = dict[int, dict[str, float]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgresql", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    # SQLite runs in this process: its CPU time is the bot's own cost, whatever else the
    # machine does. PostgreSQL works in its own process: wall time, to include it.
    spent = time.perf_counter if args.postgresql else time.process_time
    with database(args.postgresql) as fresh:
        bots = {size: prepare(fresh(f"history_{size}"), size) for size in sizes}
        results = measure(bots, args.repeat, spent)
        for bot in bots.values():
            bot.core.close()
    kind = "wall" if args.postgresql else "CPU"
    database_name = "PostgreSQL" if args.postgresql else "SQLite"
    print(f"database: {database_name}; median {kind} ms of {args.repeat} rounds")
    header = "".join(f"{f'{size:,} (ms)':>16}" for size in sizes)
    print(f"{'command':<30}{header}{'ratio':>8}")
    for name in results[sizes[0]] | results[sizes[-1]]:
        figures = [results[size].get(name) for size in sizes]
        shown = "".join(f"{f:>16.1f}" if f is not None else f"{'-':>16}" for f in figures)
        first, last = figures[0], figures[-1]
        ratio = f"{last / first:>7.2f}x" if first and last and len(sizes) > 1 else f"{'':>8}"
        print(f"{name:<30}{shown}{ratio}")


if __name__ == "__main__":
    main()
