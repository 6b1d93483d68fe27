"""Run synthetic referrals through the real core, and report what happened.

`simulate(referrals=N, seed=S)` builds the real `Bot` on a temporary SQLite
database with the bundled sample directory and a simulated clock, then plays N
referrals. Every step is a `/strategy` command typed by a directory contact or
scheduled work falling due, exactly as in chat; the bot does not know it is a
simulation. It ends with the compliance report for the discussions held.
The same seed gives the same result.

The behaviour model (all probabilities are per person or per item):

- Referrals arrive on the first D working days (default 20) from Monday
  2 November 2026, between 09:00 and 16:00, uniformly. Each is a scenario
  (domestic abuse, injury, neglect, sexual abuse, missing and exploited,
  pre-birth, allegation against staff, parental mental health) with its harm
  tags and usual category; 1 to 3 children. A social worker (sometimes a team
  manager) convenes within two hours of the concern being identified.
- Who is known: a health visitor (under-fives) or school nurse (school age)
  in 55% of cases, the family's GP in 25%, the school's safeguarding lead for
  school-age children in 50%; a professional referrer in half.
- The meeting: same day (2 to 4 hours on) for serious harm and forensic
  sexual abuse; otherwise a working day before the deadline at 10:00, 11:00,
  14:00 or 15:00. 6% are set after the deadline, with a reason.
- Invitees reply some time after their invitation and always before the
  meeting (10 minutes to 3 hours; sooner when the meeting is close):
  - MASH nurses and MASH police officers accept: covering is their job.
  - Other health practitioners accept 45%, decline 30%, stay silent 25%.
  - Police units accept 80%, decline 10%, stay silent 10%.
  - Education accepts 55%, declines 20%, stays silent 25%.
  - Everyone else accepts 60%, declines 20%, stays silent 20%.
  Whoever accepts attends.
- After the meeting the chair records 1 to 3 actions for those present (the
  police officer, a health attendee, the social worker), and in 15% of
  discussions one for an agency that was not there (housing or a domestic
  abuse service), due in 1 to 5 working days.
- The record: 85% of chairs finalise it the same day, 10% two to four
  working days later, 5% never within the simulation. 10% first try to
  finalise without the family-sharing decision, are told it is missing, and
  add it. 75% of records fill every section; the rest leave out identity and
  the considerations. 3% of final records are corrected the next day.
- Action owners close 70% of actions before they are due, 20% one to three
  working days late, and 10% stay open.
- `fallback=False` removes the partnership's health fallback (the MASH nurse
  invited when health has not confirmed): the MASH nurse is still invited up
  front when no health professional is known to the family.

The simulation runs for the referral days plus 15 working days, so that
meetings, records and most actions have happened; the report covers every
meeting held and is taken at the end.
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

from bot.app import Bot, build_core
from bot.core import Core
from bot.directory import AgencyKind, Contact, Role
from bot.jobs import next_due_at
from bot.mail import Email
from bot.messages import Outgoing
from bot.record.report import Report, compliance_report
from bot.settings import Settings
from bot.storage import models
from bot.unit import unit_of_work
from scheduling.clock import SimulatedClock

START = datetime.fromisoformat("2026-11-02T09:00:00+00:00")  # Monday, GMT
SETTLE_WORKING_DAYS = 15
T = TypeVar("T")


@dataclass
class NullMailer:
    """Counts the emails the bot sends; nothing leaves the machine."""

    sent: int = 0

    def send(self, email: Email) -> None:
        self.sent += 1


@dataclass
class CountingChat:
    """A chat platform that counts deliveries; nobody is really messaged."""

    messages: int = 0

    def deliver(self, outgoing: Sequence[Outgoing]) -> None:
        self.messages += len(outgoing)


@dataclass(frozen=True)
class Scenario:
    name: str
    tags: tuple[str, ...]
    categories: tuple[tuple[str, float], ...]
    weight: float
    pre_birth: bool = False


SCENARIOS = (
    Scenario(
        "domestic abuse",
        ("domestic_abuse",),
        (("standard", 0.7), ("immediate_action", 0.2), ("serious_harm", 0.1)),
        0.30,
    ),
    Scenario(
        "injury",
        ("physical_abuse", "injury"),
        (("serious_harm", 0.3), ("immediate_action", 0.3), ("standard", 0.4)),
        0.18,
    ),
    Scenario("neglect", ("neglect",), (("standard", 0.85), ("complex", 0.15)), 0.17),
    Scenario(
        "sexual abuse",
        ("sexual_abuse",),
        (("sexual_abuse_forensic", 0.4), ("standard", 0.6)),
        0.08,
    ),
    Scenario(
        "missing and exploited",
        ("missing", "exploitation"),
        (("immediate_action", 0.5), ("standard", 0.5)),
        0.09,
    ),
    Scenario("pre-birth", ("pre_birth",), (("standard", 1.0),), 0.06, pre_birth=True),
    Scenario("allegation against staff", ("allegation_against_staff",), (("complex", 1.0),), 0.04),
    Scenario(
        "parental mental health",
        ("parental_mental_health", "neglect"),
        (("standard", 1.0),),
        0.08,
    ),
)

# (accept, decline); the rest stay silent.
REPLIES: dict[str, tuple[float, float]] = {
    "fallback": (1.0, 0.0),
    "health": (0.45, 0.30),
    "police": (0.80, 0.10),
    "education": (0.55, 0.20),
    "other": (0.60, 0.20),
}
DECLINE_REASONS = (
    "On annual leave this week; please ask the duty colleague",
    "In court all day; a written report will follow",
    "Clinic fully booked at that time; can share information by phone",
    "Off sick today",
)
MEETING_HOURS = (time(10), time(11), time(14), time(15))


@dataclass(frozen=True)
class Referral:
    number: int
    case: str
    arrival: datetime
    convenor: str
    command: str


@dataclass
class Result:
    referrals: int
    seed: int
    days: int
    fallback: bool
    report: Report
    convened: int = 0
    refused: list[str] = field(default_factory=list)
    messages: int = 0
    emails: int = 0


@dataclass(order=True)
class _Event:
    at: datetime
    order: int
    action: Callable[[], object] = field(compare=False)


class Simulation:
    def __init__(self, bot: Bot, clock: SimulatedClock, rng: random.Random, days: int) -> None:
        self.bot, self.clock, self.rng, self.days = bot, clock, rng, days
        self.core: Core = bot.core
        self.events: list[_Event] = []
        self.order = itertools.count()
        self.seen_invitation = 0
        self.convened = 0
        self.refused: list[str] = []

    # --- the event loop

    def at(self, when: datetime, action: Callable[[], object]) -> None:
        heapq.heappush(self.events, _Event(when, next(self.order), action))

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
            self.discover()
        self.clock.set(max(target, self.clock.now()))

    def say(self, who: str, text: str) -> str:
        contact = self.core.directory.contact(who)
        assert contact is not None, who
        return self.bot.command(contact, text).reply.text

    # --- referrals

    def referral(self, number: int) -> Referral:
        rng, calendar = self.rng, self.core.calendar
        day = calendar.add_working_days(calendar.local_date(START), rng.randrange(self.days))
        arrival = calendar.at_local(day, time(9)) + timedelta(minutes=rng.randrange(7 * 60))
        scenario = _weighted(rng, [(s, s.weight) for s in SCENARIOS])
        category = _weighted(rng, list(scenario.categories))
        convenor = rng.choice(
            [c.id for c in self._role(Role.SOCIAL_WORKER)] * 9
            + [c.id for c in self._role(Role.TEAM_MANAGER)]
        )
        identified = arrival - timedelta(minutes=rng.randrange(120))
        children, school_age, under_five = self._children(day, scenario)
        known = self._known(school_age, under_five)
        referrer = ""
        if rng.random() < 0.5:
            pool = [c.id for c in self._role(Role.DESIGNATED_SAFEGUARDING_LEAD)]
            pool += [c.id for c in self._role(Role.GP)] + [c.id for c in self._role(Role.NURSERY)]
            referrer = f" referrer={rng.choice(pool)}"
        meeting, late = self._meeting(arrival, identified, category)
        case = f"NV-{10001 + number:05d}"
        command = (
            f"/strategy convene {case} children={','.join(children)} category={category} "
            f'identified="{_stamp(calendar.local(identified))}" '
            f'meeting="{_stamp(calendar.local(meeting))}" tags={",".join(scenario.tags)}'
            + (f" known={','.join(known)}" if known else "")
            + referrer
            + (
                ' late_reason="the police officer needed was not available before then"'
                if late
                else ""
            )
        )
        return Referral(number, case, arrival, convenor, command)

    def _role(self, role: Role) -> list[Contact]:
        return self.core.directory.by_role(role)

    def _children(self, day: date, scenario: Scenario) -> tuple[list[str], bool, bool]:
        rng = self.rng
        count = rng.choice((1, 1, 1, 2, 2, 3))
        children, school_age, under_five = [], False, False
        for index in range(1, count + 1):
            if scenario.pre_birth and index == 1:
                expected = day + timedelta(days=rng.randrange(30, 120))
                children.append(f"C{index}:unborn:{expected.isoformat()}")
                under_five = True
                continue
            age_days = rng.randrange(60, 16 * 365)
            born = day - timedelta(days=age_days)
            children.append(f"C{index}:{born.isoformat()}")
            school_age |= age_days >= 5 * 365
            under_five |= age_days < 5 * 365
        return children, school_age, under_five

    def _known(self, school_age: bool, under_five: bool) -> list[str]:
        rng, known = self.rng, []
        if rng.random() < 0.55:
            role = Role.HEALTH_VISITOR if under_five else Role.SCHOOL_NURSE
            known.append(rng.choice(self._role(role)).id)
        if rng.random() < 0.25:
            known.append(rng.choice(self._role(Role.GP)).id)
        if school_age and rng.random() < 0.5:
            known.append(rng.choice(self._role(Role.DESIGNATED_SAFEGUARDING_LEAD)).id)
        return known

    def _meeting(
        self, arrival: datetime, identified: datetime, category: str
    ) -> tuple[datetime, bool]:
        rng, calendar = self.rng, self.core.calendar
        days = self.core.directory.partnership.timescales.category_days
        allowed = next(d for c, d in days.items() if c.value == category)
        if allowed == 0:
            return arrival + timedelta(minutes=rng.randrange(120, 240)), False
        day0 = calendar.local_date(identified)
        late = rng.random() < 0.06
        if late:
            day = calendar.add_working_days(day0, allowed + rng.choice((1, 2)))
        else:
            day = calendar.add_working_days(day0, rng.randint(1, allowed))
        return calendar.at_local(day, rng.choice(MEETING_HOURS)), late

    def convene(self, referral: Referral) -> None:
        reply = self.say(referral.convenor, referral.command)
        if not reply.startswith("Strategy discussion convened"):
            self.refused.append(f"{referral.case}: {reply.splitlines()[0]}")
            return
        self.convened += 1
        self.discover()
        with self.core.sessions() as session:
            discussion = session.scalars(
                select(models.Discussion)
                .join(models.Case)
                .where(models.Case.reference == referral.case)
            ).one()
            meeting_at, chair = discussion.meeting_at, discussion.chair.key
        self.at(
            meeting_at + timedelta(minutes=self.rng.randrange(20, 45)),
            lambda: self.after_meeting(referral.case, chair),
        )

    # --- invitees

    def discover(self) -> None:
        """Give every new invitation its reply (or silence), by the behaviour model."""
        with self.core.sessions() as session:
            rows = session.execute(
                select(
                    models.Invitation.id,
                    models.Invitation.invited_at,
                    models.Invitation.status,
                    models.Contact.key,
                    models.Contact.role,
                    models.Discussion.meeting_at,
                    models.Case.reference,
                )
                .join(models.Contact, models.Invitation.contact_id == models.Contact.id)
                .join(models.Discussion, models.Invitation.discussion_id == models.Discussion.id)
                .join(models.Case, models.Discussion.case_id == models.Case.id)
                .where(models.Invitation.id > self.seen_invitation)
                .order_by(models.Invitation.id)
            ).all()
        for invitation_id, invited_at, status, who, role, meeting_at, case in rows:
            self.seen_invitation = invitation_id
            if status != models.InvitationStatus.INVITED:
                continue
            self._reply(who, Role(role), case, invited_at, meeting_at)

    def _reply(
        self, who: str, role: Role, case: str, invited_at: datetime, meeting_at: datetime
    ) -> None:
        rng = self.rng
        group = _group(role)
        accept, decline = REPLIES[group]
        draw = rng.random()
        quick = group == "fallback"
        delay = timedelta(minutes=rng.randrange(5, 30) if quick else rng.randrange(10, 180))
        window = meeting_at - invited_at
        if delay >= window - timedelta(minutes=2):
            delay = window * rng.uniform(0.2, 0.6)
        when = invited_at + delay
        if draw < accept:
            self.at(when, lambda: self._reply_now(who, f"/strategy accept {case}"))
        elif draw < accept + decline:
            reason = rng.choice(DECLINE_REASONS)
            self.at(
                when, lambda: self._reply_now(who, f'/strategy decline {case} reason="{reason}"')
            )

    def _reply_now(self, who: str, text: str) -> None:
        self.say(who, text)
        self.discover()  # a decline may have brought in the fallback

    # --- after the meeting: actions, the record

    def after_meeting(self, case: str, chair: str) -> None:
        rng, calendar = self.rng, self.core.calendar
        present = self._present(case)
        owners = [
            key
            for key, kind in present
            if key != chair and kind in ("police", "health", "social_care")
        ]
        picks = rng.sample(owners, k=min(len(owners), rng.randint(1, 3))) if owners else []
        if rng.random() < 0.15:
            picks.append(rng.choice(["george.palmer", "helen.ward"]))
        for number, owner in enumerate(picks, start=1):
            due_days = rng.choice((1, 2, 3, 5))
            self.say(
                chair,
                f'/strategy action {case} owner={owner} due="in {due_days} working days" '
                f'text="Follow-up {number} agreed at the strategy discussion"',
            )
            self._plan_close(case, number, owner)

        timing = rng.random()
        complete = rng.random() < 0.75
        premature = rng.random() < 0.10
        if timing < 0.85:
            when = self.clock.now() + timedelta(minutes=rng.randrange(30, 180))
        elif timing < 0.95:
            day = calendar.add_working_days(
                calendar.local_date(self.clock.now()), rng.randint(2, 4)
            )
            when = calendar.at_local(day, time(10))
        else:
            self.at(self.clock.now(), lambda: self._draft(case, chair, present))
            return
        self.at(when, lambda: self._write_record(case, chair, present, complete, premature))

    def _present(self, case: str) -> list[tuple[str, str]]:
        with self.core.sessions() as session:
            discussion = session.scalars(
                select(models.Discussion).join(models.Case).where(models.Case.reference == case)
            ).one()
            return [
                (i.contact.key, i.contact.agency.kind)
                for i in discussion.invitations
                if i.status == models.InvitationStatus.ACCEPTED
            ]

    def _plan_close(self, case: str, number: int, owner: str) -> None:
        rng, calendar = self.rng, self.core.calendar
        with self.core.sessions() as session:
            action = session.scalars(
                select(models.Action)
                .join(models.Discussion)
                .join(models.Case)
                .where(models.Case.reference == case, models.Action.number == number)
            ).one()
            created, due = action.created_at, action.due_at
        draw = rng.random()
        if draw < 0.70:
            when = created + (due - created) * rng.uniform(0.1, 0.9)
        elif draw < 0.90:
            late_day = calendar.add_working_days(calendar.local_date(due), rng.randint(1, 3))
            when = calendar.at_local(late_day, time(11))
        else:
            return
        reference = f"{case}/A{number}"
        self.at(
            when,
            lambda: self.say(owner, f'/strategy close {reference} outcome="Done as agreed"'),
        )

    def _draft(self, case: str, chair: str, present: list[tuple[str, str]]) -> None:
        attended = ",".join(key for key, _ in present)
        self.say(chair, f"/strategy record {case} attended={attended}")

    def _write_record(
        self,
        case: str,
        chair: str,
        present: list[tuple[str, str]],
        complete: bool,
        premature: bool,
    ) -> None:
        with self.core.sessions() as session:
            case_row = session.scalars(
                select(models.Case).where(models.Case.reference == case)
            ).one()
            children = ",".join(c.pseudonym for c in case_row.children)
        kinds = list(dict.fromkeys(kind for _, kind in present))
        fields = [
            f"attended={','.join(key for key, _ in present)}",
            f"children={children}",
            's47="joint: the concern meets the threshold for a joint enquiry"',
            'concern="the concern reported by the referrer, as discussed"',
            "harm=physical,emotional",
            'adults="mother (resident) and father (non-resident, in contact)"',
            'risk="risk of further harm at home while the concern is investigated"',
            'abe="no: not needed at this stage"',
            'medical="no: no injury to examine"',
            'legal="no: the family is working with the safety plan"',
            'icpc="no: decide after the section 47 enquiry"',
            'further="yes: review once the enquiries are done"',
            'safety="the parent agreed a safety plan; school to check in daily"',
            *(f'shared.{kind}="what this agency knows of the family"' for kind in kinds),
        ]
        if complete:
            fields += [
                'marac="no: no domestic abuse risk identified"',
                'clares_law="no: not relevant"',
                'dash="no: not relevant"',
                'sarc="no: no sexual harm"',
                'lado="no: no allegation against staff"',
                'identity="family of White British heritage; English spoken at home"',
            ]
        family = 'family="share: the family is told of the enquiry today by the social worker"'
        if premature:
            self.say(chair, f"/strategy record {case} {' '.join(fields)}")
            self.say(chair, f"/strategy record {case} finalise")  # refused: family missing
            self.say(chair, f"/strategy record {case} {family}")
        else:
            self.say(chair, f"/strategy record {case} {' '.join([*fields, family])}")
        self.say(chair, f"/strategy record {case} finalise")
        if self.rng.random() < 0.03:
            self.at(self.clock.now() + timedelta(days=1), lambda: self._correct(case, chair))

    def _correct(self, case: str, chair: str) -> None:
        self.say(
            chair,
            f'/strategy record {case} safety="the parent agreed a safety plan; school and '
            'health visitor to check in daily" reason="the safety plan was incomplete"',
        )
        self.say(chair, f"/strategy record {case} finalise")


def simulate(
    referrals: int, seed: int, days: int = 20, fallback: bool = True, folder: Path | None = None
) -> Result:
    """Run the simulation; a temporary folder holds the database unless `folder` is given."""
    if referrals < 1 or days < 1:
        raise ValueError("the simulation needs at least one referral and one day")
    with tempfile.TemporaryDirectory(prefix="strategy-bot-sim-") as temporary:
        where = folder or Path(temporary)
        settings = Settings(
            database_url=f"sqlite:///{where / 'simulation.db'}",
            strategy_directory=None,
            outbox_dir=where / "outbox",
        )
        clock = SimulatedClock(START)
        core = build_core(settings, clock)
        try:
            return _run(core, clock, referrals, seed, days, fallback)
        finally:
            core.close()


def _run(
    core: Core, clock: SimulatedClock, referrals: int, seed: int, days: int, fallback: bool
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
    chat = CountingChat()
    bot = Bot(core, chat)
    simulation = Simulation(bot, clock, random.Random(seed), days)
    planned = sorted(
        (simulation.referral(n) for n in range(referrals)), key=lambda r: (r.arrival, r.number)
    )
    for referral in planned:
        simulation.at(referral.arrival, partial(simulation.convene, referral))
    calendar = core.calendar
    last_day = calendar.add_working_days(calendar.local_date(START), days - 1)
    end_day = calendar.add_working_days(last_day, SETTLE_WORKING_DAYS)
    simulation.run(calendar.at_local(end_day, time(18)))
    with unit_of_work(core) as unit:
        report = compliance_report(unit, calendar.local_date(START), end_day)
    return Result(
        referrals=referrals,
        seed=seed,
        days=days,
        fallback=fallback,
        report=report,
        convened=simulation.convened,
        refused=simulation.refused,
        messages=chat.messages,
        emails=mailer.sent,
    )


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


def _group(role: Role) -> str:
    if role in (Role.MASH_NURSE, Role.MASH_POLICE):
        return "fallback"
    kind = role.agency_kind
    if kind in (AgencyKind.HEALTH, AgencyKind.POLICE, AgencyKind.EDUCATION):
        return kind.value
    return "other"


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
