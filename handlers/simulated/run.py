"""Run synthetic referrals through the real bot, and report what happened.

`simulate(referrals=N, seed=S)` builds the real `Bot` on a temporary SQLite
database with the bundled sample directory and a simulated clock, then plays N
referrals. A social worker convenes each one with `/strategy convene`; from
then on the synthetic people (people.py) answer what the bot sends them, and
scheduled work falls due as the clock moves. The bot does not know it is a
simulation. It ends with the compliance report for the discussions held. The
same seed gives the same result.

The behaviour model is data, in model.yaml (scenarios, who is known, reply
odds, how chairs record and owners close). The simulation runs for the
referral days plus `settle_working_days`, so that meetings, records and most
actions have happened; the report covers every meeting held and is taken at
the end.
"""

from __future__ import annotations

import heapq
import itertools
import random
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bot.app import Bot, build_core
from bot.core import Core
from bot.directory import AgencyKind, Contact, Directory, Role
from bot.jobs import next_due_at
from bot.mail import Email
from bot.messages import Message
from bot.record.report import Report, compliance_report
from bot.settings import Settings
from bot.storage import models
from bot.unit import unit_of_work
from handlers.simulated.find_time import PersonCalendars, SeenByTheBot
from handlers.simulated.links import SimulatedLinks
from handlers.simulated.model import Model, Scenario, model
from handlers.simulated.people import SyntheticPeople
from handlers.simulated.reviews import plan_reviews
from scheduling.clock import SimulatedClock
from scheduling.workdays import WorkingCalendar

T = TypeVar("T")

TIMES = ("typed", "found")


@dataclass
class NullMailer:
    """Counts the emails the bot sends; nothing leaves the machine."""

    sent: int = 0

    def send(self, email: Email) -> None:
        self.sent += 1


@dataclass(frozen=True)
class Referral:
    number: int
    case: str
    arrival: datetime
    convenor: str
    command: str
    children: tuple[str, ...]  # the pseudonyms the convenor gave
    typed: str = ""  # finding times: the command with the time typed, if none can be found


@dataclass
class Result:
    referrals: int
    seed: int
    days: int
    fallback: bool
    report: Report
    convened: int = 0
    reviews: int = 0  # review discussions convened
    refused: list[str] = field(default_factory=list)
    messages: int = 0
    emails: int = 0
    # With calendars: "typed" (the convenor types the time) or "found" (the bot finds it).
    times: str | None = None
    # Police and health people first invited (not the fallback) to discussions held:
    # how many accepted, of how many.
    first_invited: tuple[int, int] = (0, 0)
    # By channel (teams, slack, email): invitations, nudges, replies to invitations.
    invitations: dict[str, int] = field(default_factory=dict)
    nudges: dict[str, int] = field(default_factory=dict)
    replies: dict[str, int] = field(default_factory=dict)
    by_link: int = 0  # of the replies by email, those given on the link's page
    undeliverable: int = 0


@dataclass(order=True)
class _Event:
    at: datetime
    order: int
    action: Callable[[], object] = field(compare=False)


class Simulation:
    """The simulated world: its clock, its events, and the referrals that start them."""

    def __init__(
        self,
        core: Core,
        clock: SimulatedClock,
        rng: random.Random,
        days: int,
        calendars: PersonCalendars | None = None,
        find_times: bool = False,
    ) -> None:
        self.core, self.clock, self.rng, self.days = core, clock, rng, days
        self.calendars = calendars
        self.find_times = find_times
        self.model: Model = model()
        self.directory: Directory = core.directory
        self.calendar: WorkingCalendar = core.calendar
        # The bot's messages go to the synthetic people, who answer through the bot.
        self.people = SyntheticPeople(self, self.model)
        self.bot = Bot(core, self.people)
        self.answer_pages = SimulatedLinks(self.bot)
        self.events: list[_Event] = []
        self.order = itertools.count()
        self.convened = 0
        self.reviews = 0  # review discussions convened (handlers/simulated/reviews.py)
        self.refused: list[str] = []
        self._children: dict[str, list[str]] = {}

    # --- the world the people live in

    def now(self) -> datetime:
        return self.clock.now()

    def at(self, when: datetime, action: Callable[[], object]) -> None:
        heapq.heappush(self.events, _Event(when, next(self.order), action))

    def say(self, who: str, text: str) -> str:
        contact = self.directory.contact(who)
        assert contact is not None, who
        return self.bot.command(contact, text).reply.text

    def links(self, who: str, message: Message) -> dict[str, str]:
        return self.answer_pages.links(who, message)

    def open_link(self, who: str, link: str, intent: str, fields: dict[str, str]) -> bool:
        return self.answer_pages.open_link(who, link, intent, fields)

    def children_of(self, case: str) -> list[str]:
        return self._children.get(case, [])

    def run(self, until: datetime) -> None:
        while self.events and self.events[0].at <= until:
            item = heapq.heappop(self.events)
            self.advance(item.at)
            item.action()
        self.advance(until)

    def advance(self, target: datetime) -> None:
        """Move the clock to `target`, running scheduled work as it falls due."""
        while (due := next_due_at(self.core)) is not None and due <= target:
            self.clock.set(max(due, self.clock.now()))
            self.bot.run_due_work()
        self.clock.set(max(target, self.clock.now()))

    # --- referrals

    def referral(self, number: int) -> Referral:
        rng, calendar, plan = self.rng, self.calendar, self.model.referrals
        start = self.model.start
        day = calendar.add_working_days(calendar.local_date(start), rng.randrange(self.days))
        arrival = calendar.at_local(day, time(plan.first_hour)) + timedelta(
            minutes=rng.randrange(plan.window_minutes)
        )
        scenario = _weighted(rng, [(s, s.weight) for s in self.model.scenarios])
        category = _weighted(rng, list(scenario.categories))
        convenor = rng.choice(
            [c.id for c in self._role(Role.SOCIAL_WORKER)] * plan.social_workers_per_team_manager
            + [c.id for c in self._role(Role.TEAM_MANAGER)]
        )
        identified = arrival - timedelta(minutes=rng.randrange(plan.identified_within_minutes))
        children, school_age, under_five = self._children_for(day, scenario)
        known = self._known(school_age, under_five)
        referrer = ""
        if rng.random() < plan.referrer:
            pool = [c.id for c in self._role(Role.DESIGNATED_SAFEGUARDING_LEAD)]
            pool += [c.id for c in self._role(Role.GP)] + [c.id for c in self._role(Role.NURSERY)]
            referrer = f" referrer={rng.choice(pool)}"
        meeting, late = self._meeting(arrival, identified, category)
        case = f"NV-{10001 + number:05d}"
        # Finding times: the same referral, with the time left for the bot to find.
        typed = "" if self.find_times else f'meeting="{_stamp(calendar.local(meeting))}" '
        command = (
            f"/strategy convene {case} children={','.join(children)} category={category} "
            f'identified="{_stamp(calendar.local(identified))}" '
            f"{typed}tags={','.join(scenario.tags)}"
            + (f" known={','.join(known)}" if known else "")
            + referrer
            + (f' late_reason="{plan.late_reason}"' if late and not self.find_times else "")
        )
        pseudonyms = tuple(child.split(":", 1)[0].upper() for child in children)
        fallback = ""
        if self.find_times:  # the same referral as typed, for when no time can be found
            fallback = command.replace(
                "tags=", f'meeting="{_stamp(calendar.local(meeting))}" tags=', 1
            ) + (f' late_reason="{plan.late_reason}"' if late else "")
        return Referral(number, case, arrival, convenor, command, pseudonyms, fallback)

    def _role(self, role: Role) -> list[Contact]:
        return self.directory.by_role(role)

    def _children_for(self, day: date, scenario: Scenario) -> tuple[list[str], bool, bool]:
        rng, plan = self.rng, self.model.referrals
        count = rng.choice(plan.children)
        children, school_age, under_five = [], False, False
        for index in range(1, count + 1):
            if scenario.pre_birth and index == 1:
                expected = day + timedelta(days=rng.randrange(*plan.unborn_due_in_days))
                children.append(f"C{index}:unborn:{expected.isoformat()}")
                under_five = True
                continue
            age_days = rng.randrange(*plan.age_in_days)
            born = day - timedelta(days=age_days)
            children.append(f"C{index}:{born.isoformat()}")
            school_age |= age_days >= plan.school_age_days
            under_five |= age_days < plan.school_age_days
        return children, school_age, under_five

    def _known(self, school_age: bool, under_five: bool) -> list[str]:
        rng, plan, known = self.rng, self.model.referrals, []
        if rng.random() < plan.health_visitor_or_school_nurse:
            role = Role.HEALTH_VISITOR if under_five else Role.SCHOOL_NURSE
            known.append(rng.choice(self._role(role)).id)
        if rng.random() < plan.gp:
            known.append(rng.choice(self._role(Role.GP)).id)
        if school_age and rng.random() < plan.school_if_school_age:
            known.append(rng.choice(self._role(Role.DESIGNATED_SAFEGUARDING_LEAD)).id)
        return known

    def _meeting(
        self, arrival: datetime, identified: datetime, category: str
    ) -> tuple[datetime, bool]:
        rng, calendar, meetings = self.rng, self.calendar, self.model.meetings
        days = self.directory.partnership.timescales.category_days
        allowed = next(d for c, d in days.items() if c.value == category)
        if allowed == 0:
            return arrival + timedelta(minutes=rng.randrange(*meetings.same_day_in_minutes)), False
        day0 = calendar.local_date(identified)
        late = rng.random() < meetings.late
        if late:
            day = calendar.add_working_days(
                day0, allowed + rng.choice(meetings.late_by_working_days)
            )
        else:
            day = calendar.add_working_days(day0, rng.randint(1, allowed))
        return calendar.at_local(day, rng.choice(meetings.hours)), late

    def convene(self, referral: Referral) -> None:
        """The convenor types the convene command; the people answer what they are sent."""
        convenor = self.directory.contact(referral.convenor)
        assert convenor is not None
        self._children[referral.case] = list(referral.children)
        outcome = self.bot.command(convenor, referral.command)
        if not outcome.ok and self.find_times and referral.typed:
            # No time could be found (the chair is booked up): the convenor types one.
            outcome = self.bot.command(convenor, referral.typed)
        if not outcome.ok:
            self.refused.append(f"{referral.case}: {outcome.reply.text.splitlines()[0]}")
            return
        self.convened += 1


def simulate(
    referrals: int,
    seed: int,
    days: int = 20,
    fallback: bool = True,
    folder: Path | None = None,
    times: str | None = None,
) -> Result:
    """Run the simulation; a temporary folder holds the database unless `folder` is given.

    `times`: None runs without calendars (as before finding a time existed);
    "typed" gives everyone a calendar and the convenor types the time; "found"
    gives everyone a calendar and leaves the time to the bot.
    """
    if times not in (None, *TIMES):
        raise ValueError(f"times is one of {', '.join(TIMES)}")
    if referrals < 1 or days < 1:
        raise ValueError("the simulation needs at least one referral and one day")
    with tempfile.TemporaryDirectory(prefix="strategy-bot-sim-") as temporary:
        where = folder or Path(temporary)
        settings = Settings(
            database_url=f"sqlite:///{where / 'simulation.db'}",
            strategy_directory=None,
            outbox_dir=where / "outbox",
        )
        clock = SimulatedClock(model().start)
        core = build_core(settings, clock)
        try:
            return _run(core, clock, referrals, seed, days, fallback, times)
        finally:
            core.close()


def compare_times(referrals: int, seed: int, days: int = 20) -> tuple[Result, Result]:
    """The same referrals, with the same calendars, with times typed and with times found."""
    return (
        simulate(referrals, seed, days, times="typed"),
        simulate(referrals, seed, days, times="found"),
    )


def _run(
    core: Core,
    clock: SimulatedClock,
    referrals: int,
    seed: int,
    days: int,
    fallback: bool,
    times: str | None = None,
) -> Result:
    _fast_sqlite(core)
    mailer = NullMailer()
    core.mailer = mailer
    if core.invites is not None:
        core.invites = replace(core.invites, mailer=mailer)
    if not fallback:
        partnership = core.directory.partnership
        rules = tuple(r for r in partnership.fallbacks if r.agency_kind is not AgencyKind.HEALTH)
        core.directory = replace(core.directory, partnership=replace(partnership, fallbacks=rules))
    calendars = PersonCalendars(seed, core.directory, core.calendar) if times else None
    if calendars is not None:
        core.availability = SeenByTheBot(calendars, model().calendars.visible_agencies)
    simulation = Simulation(
        core, clock, random.Random(seed), days, calendars, find_times=times == "found"
    )
    planned = sorted(
        (simulation.referral(n) for n in range(referrals)), key=lambda r: (r.arrival, r.number)
    )
    for referral in planned:
        simulation.at(referral.arrival, partial(simulation.convene, referral))
    plan_reviews(simulation, planned, seed)
    calendar = core.calendar
    start = calendar.local_date(simulation.model.start)
    last_day = calendar.add_working_days(start, days - 1)
    end_day = calendar.add_working_days(last_day, simulation.model.settle_working_days)
    simulation.run(calendar.at_local(end_day, time(18)))
    with unit_of_work(core) as unit:
        report = compliance_report(unit, start, end_day)
        first = _first_invited(unit.session)
    return Result(
        referrals=referrals,
        seed=seed,
        days=days,
        fallback=fallback,
        report=report,
        convened=simulation.convened,
        reviews=simulation.reviews,
        refused=simulation.refused,
        messages=simulation.people.messages,
        emails=mailer.sent,
        times=times,
        first_invited=first,
        invitations=dict(sorted(simulation.people.invitations.items())),
        nudges=dict(sorted(simulation.people.nudges.items())),
        replies=dict(sorted(simulation.people.replies.items())),
        by_link=simulation.people.by_link,
        undeliverable=simulation.people.undeliverable,
    )


def _first_invited(session: Session) -> tuple[int, int]:
    """Police and health people invited in the first place (not the fallback, not by
    delegation) to discussions that were held: how many accepted, of how many."""
    rows = session.execute(
        select(models.Invitation.status)
        .join(models.Discussion)
        .join(models.Contact, models.Invitation.contact_id == models.Contact.id)
        .join(models.Agency)
        .where(
            models.Discussion.status == models.DiscussionStatus.HELD,
            models.Invitation.via_fallback.is_(False),
            models.Agency.kind.in_((AgencyKind.POLICE.value, AgencyKind.HEALTH.value)),
            ~models.Invitation.reason.startswith("delegated"),
        )
    ).all()
    accepted = sum(1 for (status,) in rows if status == models.InvitationStatus.ACCEPTED)
    return accepted, len(rows)


def _fast_sqlite(core: Core) -> None:
    """A throwaway database need not survive a power cut: skip the fsyncs."""
    engine = core.sessions.kw["bind"]

    def pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA journal_mode=MEMORY")
        cursor.close()

    event.listen(engine, "connect", pragmas)
    engine.dispose()


def _weighted(rng: random.Random, options: Sequence[tuple[T, float]]) -> T:
    total = sum(weight for _, weight in options)
    point = rng.random() * total
    for option, weight in options:
        point -= weight
        if point < 0:
            return option
    return options[-1][0]


def _stamp(local: datetime) -> str:
    return local.strftime("%Y-%m-%d %H:%M")
