"""The synthetic people: the partner directory's contacts, answering what the bot sends them.

`SyntheticPeople` is the simulation's ChatPort. Each message the bot sends
reaches the person it is for, who reacts as the behaviour model says, by
typing `/strategy ...` commands later (events on the simulation's clock):

- an invitation: the invitee accepts, declines or stays silent;
- the chair's first view of who has confirmed: after the meeting the chair
  records actions for those the view shows as coming, and writes the record;
- an action given to its owner: the owner closes it, on time, late or never.

Each message reaches its person on the channel production would use (the
first of their route, bot/routing.py); email is read later and answered less
often before the meeting (model.yaml `reach`). An email carries links (as the
email channel's do, bot/links/buttons.py): its person answers by opening the
link and pressing a button on the page, with the odds of links, and the answer
goes through the page's entry point (`World.open_link`). The people count what
went by which channel, what nothing could deliver, the replies by channel, and
the answers given by link.

Nobody reads the database: what people know is what they were sent (and the
partner directory, which everyone has).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Protocol

from bot.directory import AgencyKind, Directory, Role
from bot.messages import Delivery, Kind, Message, Outgoing
from bot.routing import EMAIL, Router
from handlers.simulated.find_time import PersonCalendars, free_slots
from handlers.simulated.model import Model
from scheduling.workdays import WorkingCalendar


class World(Protocol):
    """What the people live in: a clock they can plan on, and the bot to talk to."""

    rng: random.Random
    directory: Directory
    calendar: WorkingCalendar

    def now(self) -> datetime: ...

    def at(self, when: datetime, action: Callable[[], object]) -> None: ...

    def say(self, who: str, text: str) -> str: ...

    def links(self, who: str, message: Message) -> dict[str, str]:
        """The links an email of `message` would carry to `who`: intent -> link."""
        ...

    def open_link(self, who: str, link: str, intent: str, fields: dict[str, str]) -> bool:
        """Answer on the link's page as `who`; False when the link no longer works."""
        ...

    def children_of(self, case: str) -> list[str]: ...

    # Everyone's own calendar, when the simulation runs with calendars (find_time.py).
    @property
    def calendars(self) -> PersonCalendars | None: ...


@dataclass
class SyntheticPeople:
    """A ChatPort whose recipients react to what they receive; it counts every message."""

    world: World
    model: Model
    messages: int = 0
    # The threads each person has seen: an invitation or a view reacted to once.
    _seen: set[tuple[str, str]] = field(default_factory=set)
    # The chair's latest view of who is coming, by case.
    _coming: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # By channel: invitations (one per person invited), nudges, replies to invitations.
    invitations: Counter[str] = field(default_factory=Counter)
    nudges: Counter[str] = field(default_factory=Counter)
    replies: Counter[str] = field(default_factory=Counter)
    by_link: int = 0  # replies to invitations given on the link's page (of the email ones)
    undeliverable: int = 0  # messages no channel could reach their person with

    def __post_init__(self) -> None:
        self.router = Router(self.world.directory, self.model.reach.channels)

    def deliver(self, outgoing: Sequence[Outgoing]) -> None:
        self.messages += len(outgoing)
        for item in outgoing:
            if item.delivery is Delivery.DIRECT:
                route = self.router.channels(item.to)
                if not route:
                    self.undeliverable += 1
                    continue
                self._receive(item, route[0])

    def _receive(self, item: Outgoing, channel: str) -> None:
        message, who = item.message, item.to
        context: dict[str, Any] = dict(message.context)
        first = item.thread is None or (who, item.thread) not in self._seen
        if item.thread is not None:
            self._seen.add((who, item.thread))
        if message.kind is Kind.NUDGE:
            self.nudges[channel] += 1
        if message.kind is Kind.INVITATION and first and context.get("status") == "invited":
            self.invitations[channel] += 1
            meeting_at = datetime.fromisoformat(context["meeting_at"])
            links: dict[str, str] = {}
            if channel == EMAIL and self.model.reach.links:
                links = self.world.links(who, message)
            self._answer(who, context["case"], self.world.now(), meeting_at, channel, links)
        elif message.kind is Kind.QUORUM:
            self._coming[context["case"]] = [
                (i["contact"], self._kind_of(i["contact"]))
                for i in context["invitees"]
                if i["status"] == "accepted"
            ]
            if first:
                meeting_at = datetime.fromisoformat(context["meeting_at"])
                after = timedelta(minutes=self.world.rng.randrange(*self._after.minutes))
                case = context["case"]
                self.world.at(meeting_at + after, lambda: self._after_meeting(case, who))
        elif message.kind is Kind.REQUEST and first and "slot_starts" in context:
            self._answer_poll(who, context)
        elif message.kind is Kind.ACTION:
            due_at = datetime.fromisoformat(context["due_at"])
            self._plan_close(who, context["reference"], self.world.now(), due_at)

    def _kind_of(self, key: str) -> str:
        contact = self.world.directory.contact(key)
        assert contact is not None, key
        return self.world.directory.agency_of(contact).kind.value

    @property
    def _after(self) -> Any:
        return self.model.after_the_meeting

    # --- invitees

    def _answer(
        self,
        who: str,
        case: str,
        invited_at: datetime,
        meeting_at: datetime,
        channel: str,
        links: dict[str, str],
    ) -> None:
        """Give an invitation its reply (or silence), by the behaviour model: by link when
        the email carried one, else in the channel (or by replying to the chair)."""
        rng, replies, reach = self.world.rng, self.model.replies, self.model.reach
        contact = self.world.directory.contact(who)
        assert contact is not None, who
        group = _group(contact.role)
        accept, decline = replies.odds[group]
        calendars = self.world.calendars
        busy = calendars is not None and not calendars.free(who, meeting_at)
        if calendars is not None:  # their own calendar decides first
            odds = self.model.calendars
            accept, decline = odds.free_odds.get(group, (accept, decline))
            if busy and rng.random() < odds.busy_declines:
                accept, decline = 0.0, 1.0
        by_email = channel == EMAIL
        share = reach.link_answers if links else reach.email_answers
        if by_email:
            accept, decline = accept * share, decline * share
        draw = rng.random()
        quick = group == "fallback"
        span = (
            (reach.link_minutes if links else reach.email_minutes)
            if by_email
            else (replies.fallback_minutes if quick else replies.minutes)
        )
        delay = timedelta(minutes=rng.randrange(*span))
        window = meeting_at - invited_at
        if delay >= window - timedelta(minutes=2):
            if by_email:
                return  # read after the meeting: no answer in time
            delay = window * rng.uniform(0.2, 0.6)
        when = invited_at + delay
        if draw < accept:
            if "accept" in links:
                self._by_link(when, who, channel, links["accept"], "accept", {})
            else:
                self._reply(when, who, channel, f"/strategy accept {case}")
        elif draw < accept + decline:
            reason = (
                self.model.calendars.busy_reason if busy else rng.choice(replies.decline_reasons)
            )
            if "decline" in links:
                self._by_link(when, who, channel, links["decline"], "decline", {"reason": reason})
            else:
                self._reply(when, who, channel, f'/strategy decline {case} reason="{reason}"')

    def _by_link(
        self, when: datetime, who: str, channel: str, link: str, intent: str, fields: dict[str, str]
    ) -> None:
        """The answer given on the link's page (if the link still works by then)."""

        def answer() -> None:
            if self.world.open_link(who, link, intent, fields):
                self.replies[channel] += 1
                self.by_link += 1

        self.world.at(when, answer)

    def _reply(self, when: datetime, who: str, channel: str, text: str) -> None:
        """The reply, counted by the channel the invitation came by. By email the chair
        records what the person wrote back; the simulation types it as them."""

        def answer() -> None:
            self.replies[channel] += 1
            self.world.say(who, text)

        self.world.at(when, answer)

    # --- a poll about candidate times (finding a time)

    def _answer_poll(self, who: str, context: dict[str, Any]) -> None:
        """Tick the slots their own calendar leaves free (or none), or never answer."""
        calendars, rng, odds = self.world.calendars, self.world.rng, self.model.calendars
        contact = self.world.directory.contact(who)
        if calendars is None or contact is None:
            return
        if rng.random() >= odds.poll_answers.get(_group(contact.role), 1.0):
            return  # too busy to answer in time: the poll closes without them
        starts = [datetime.fromisoformat(s) for s in context["slot_starts"]]
        closes = datetime.fromisoformat(context["closes_at"])
        now = self.world.now()
        when = now + timedelta(minutes=rng.randrange(*odds.poll_minutes))
        if when >= closes:
            when = now + (closes - now) * rng.uniform(0.2, 0.8)
        numbers = free_slots(calendars, who, starts, rng, 1 - odds.busy_declines)
        answer = ",".join(str(n) for n in numbers) if numbers else "none"
        case = context["case"]
        self.world.at(when, lambda: self.world.say(who, f"/strategy available {case} {answer}"))

    # --- action owners

    def _plan_close(self, owner: str, reference: str, created: datetime, due: datetime) -> None:
        rng, calendar, after = self.world.rng, self.world.calendar, self._after
        draw = rng.random()
        on_time, late = after.close
        if draw < on_time:
            when = created + (due - created) * rng.uniform(0.1, 0.9)
        elif draw < late:
            late_day = calendar.add_working_days(
                calendar.local_date(due), rng.randint(*after.late_by_working_days)
            )
            when = calendar.at_local(late_day, time(11))
        else:
            return
        text = f'/strategy close {reference} outcome="{after.close_outcome}"'
        self.world.at(when, lambda: self.world.say(owner, text))

    # --- the chair, after the meeting: actions, the record

    def _after_meeting(self, case: str, chair: str) -> None:
        rng, calendar, after = self.world.rng, self.world.calendar, self._after
        present = self._coming.get(case, [])
        owners = [
            key
            for key, kind in present
            if key != chair and kind in ("police", "health", "social_care")
        ]
        picks = (
            rng.sample(owners, k=min(len(owners), rng.randint(*after.actions))) if owners else []
        )
        if rng.random() < after.absent_owner:
            picks.append(rng.choice(list(after.absent_owners)))
        for number, owner in enumerate(picks, start=1):
            due_days = rng.choice(after.action_due_in_working_days)
            self.world.say(
                chair,
                f'/strategy action {case} owner={owner} due="in {due_days} working days" '
                f'text="{after.action_text.format(number=number)}"',
            )

        record = self.model.record
        timing = rng.random()
        complete = rng.random() < record.complete
        premature = rng.random() < record.premature
        now = self.world.now()
        same_day, late = record.finalised
        if timing < same_day:
            when = now + timedelta(minutes=rng.randrange(*record.same_day_minutes))
        elif timing < late:
            day = calendar.add_working_days(
                calendar.local_date(now), rng.randint(*record.days_late_working_days)
            )
            when = calendar.at_local(day, time(10))
        else:
            self.world.at(now, lambda: self._draft(case, chair, present))
            return
        self.world.at(when, lambda: self._write_record(case, chair, present, complete, premature))

    def _draft(self, case: str, chair: str, present: list[tuple[str, str]]) -> None:
        attended = ",".join(key for key, _ in present)
        self.world.say(chair, f"/strategy record {case} attended={attended}")

    def _write_record(
        self,
        case: str,
        chair: str,
        present: list[tuple[str, str]],
        complete: bool,
        premature: bool,
    ) -> None:
        record = self.model.record
        children = ",".join(self.world.children_of(case))
        kinds = list(dict.fromkeys(kind for _, kind in present))
        fields = [
            f"attended={','.join(key for key, _ in present)}",
            f"children={children}",
            *record.fields,
            *(record.shared.format(kind=kind) for kind in kinds),
        ]
        if complete:
            fields += record.complete_fields
        if premature:
            self.world.say(chair, f"/strategy record {case} {' '.join(fields)}")
            self.world.say(chair, f"/strategy record {case} finalise")  # refused: family missing
            self.world.say(chair, f"/strategy record {case} {record.family}")
        else:
            self.world.say(chair, f"/strategy record {case} {' '.join([*fields, record.family])}")
        self.world.say(chair, f"/strategy record {case} finalise")
        if self.world.rng.random() < record.corrected:
            self.world.at(self.world.now() + timedelta(days=1), lambda: self._correct(case, chair))

    def _correct(self, case: str, chair: str) -> None:
        correction = " ".join(self.model.record.correction.split())
        self.world.say(chair, f"/strategy record {case} {correction}")
        self.world.say(chair, f"/strategy record {case} finalise")


def _group(role: Role) -> str:
    if role in (Role.MASH_NURSE, Role.MASH_POLICE):
        return "fallback"
    kind = role.agency_kind
    if kind in (AgencyKind.HEALTH, AgencyKind.POLICE, AgencyKind.EDUCATION):
        return kind.value
    return "other"
