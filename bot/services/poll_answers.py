"""The poll's commands: answer it (`available`), see the tally (`slots`), choose (`pick`).

Every way in ends here: a typed command, the poll's button and form in Slack
or Teams, and (issue 15) an answer page opened from an email link, which
calls `Bot.act(actor, "available", {"case": ..., "slots": [...]})` like a form.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.directory import Contact
from bot.errors import InputError, not_allowed, refusal, wording
from bot.find_time.poll import PollError, assess, choose, closing
from bot.find_time.poll import answer as checked_answer
from bot.messages import Kind, Outcome, message
from bot.services import reschedule, search_cancel, time_search
from bot.services.time_search import (
    PollState,
    decide,
    poll_outgoing,
    poll_state,
    search_of,
    store_answer,
    tally_outgoing,
    tally_reply,
)
from bot.shared import audit, visible_discussion, when
from bot.storage import models
from bot.storage.find_time_models import SearchStatus
from bot.unit import Unit
from bot.wording import say
from scheduling.timetext import TimeTextError, parse_meeting_time

NONE_OF_THESE = "none"


def _state(unit: Unit, actor: Contact, case: str) -> PollState:
    discussion = visible_discussion(unit.session, case, actor)
    search = search_of(discussion, unit.session)
    if search is None:
        raise refusal("find_time.no_search", case=discussion.case.reference)
    return poll_state(unit.core, search)


def slot_labels(unit: Unit, actor: Contact, case: str) -> dict[str, str]:
    """The poll's slots with their times, for its forms; none when there is no poll to see."""
    try:
        state = _state(unit, actor, case)
    except InputError:
        return {}
    return time_search.slot_labels(unit.core, state)


def read_numbers(words: Sequence[str], example: str) -> list[int] | None:
    """'1,3' or '1 3' -> [1, 3]; 'none' -> None (none of these)."""
    parts = [p.strip().lower() for w in words for p in w.split(",") if p.strip()]
    if parts == [NONE_OF_THESE]:
        return None
    if not parts:
        raise refusal("find_time.no_answer", example=example)
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise refusal("find_time.not_a_slot", words=", ".join(parts), example=example) from None


def available(
    unit: Unit, actor: Contact, case: str, chosen: Sequence[str], when_text: str | None
) -> Outcome:
    """One invitee's answer: the slots they can make, or none of these (perhaps with a time)."""
    core = unit.core
    state = _state(unit, actor, case)
    reference = state.search.discussion.case.reference
    example = wording("find_time.available_example", case=reference)
    search_cancel.refuse_if_cancelled(state.search)
    if state.search.status != SearchStatus.OPEN:
        raise refusal(
            "find_time.closed",
            case=reference,
            meeting=when(core, state.search.discussion.meeting_at),
        )
    numbers = read_numbers(chosen, example)
    suggested = None
    if when_text:
        try:
            suggested = parse_meeting_time(when_text, core.clock.now(), core.calendar).at
        except TimeTextError as problem:
            raise refusal("find_time.when", problem=problem, example=example) from None
    try:
        given = checked_answer(state.poll, actor.id, numbers, core.clock.now(), suggested)
    except PollError as problem:
        raise InputError(str(problem).capitalize() + ".", example) from None
    store_answer(unit, state, actor, given)
    audit(
        unit.session,
        core,
        actor.id,
        "poll_answered",
        state.search.discussion,
        slots=sorted(given.slots),
        suggested=given.suggested.isoformat() if given.suggested else None,
    )
    state = poll_state(core, state.search)
    invitee = state.poll.invitee(actor.id)
    assert invitee is not None
    outgoing = [poll_outgoing(core, state, invitee), *tally_outgoing(core, state)]
    now = core.clock.now()
    if closing(state.poll, state.answers, state.availability, now) is not None:
        chosen_slot = choose(state.poll, state.answers, state.availability, now)
        if chosen_slot is not None:
            outgoing += decide(unit, state, chosen_slot)
    reply = message(
        Kind.REPLY,
        "messages/poll_answered.txt.j2",
        case=reference,
        slots=[(n, when(core, state.poll.slots[n - 1].start)) for n in sorted(given.slots)],
        suggested=when(core, given.suggested) if given.suggested else None,
        closes=when(core, state.search.closes_at),
    )
    return Outcome(reply=reply, outgoing=outgoing)


def slots(unit: Unit, actor: Contact, case: str) -> Outcome:
    """The live tally, agency by agency (the convenor and the chair; invitees see their poll)."""
    state = _state(unit, actor, case)
    _require_organiser(state, actor)
    return tally_reply(unit.core, state)


def pick(
    unit: Unit,
    actor: Contact,
    case: str,
    number: str | None,
    meeting: str | None,
    late_reason: str | None = None,
) -> Outcome:
    """The convenor (or chair) chooses a slot or types a time, overriding the bot's choice."""
    core = unit.core
    state = _state(unit, actor, case)
    _require_organiser(state, actor)
    discussion = state.search.discussion
    reference = discussion.case.reference
    example = wording("find_time.pick_example", case=reference)
    if (number is None) == (meeting is None):
        raise refusal("find_time.pick_one", example=example)
    search_cancel.refuse_if_cancelled(state.search)
    slot_number = _slot_number(state, number, example) if number is not None else None
    if state.search.status == SearchStatus.CHOSEN:  # found already: move the meeting
        if slot_number is not None:
            meeting = core.calendar.local(state.poll.slots[slot_number - 1].start).strftime(
                "%Y-%m-%d %H:%M"
            )
        assert meeting is not None
        # This discussion (NV-40213#1), not a later review the bare reference would name.
        return reschedule.reschedule(
            unit,
            actor,
            time_search.numbered(discussion),
            meeting,
            say("find_time.pick_reason"),
            late_reason,
        )
    if state.search.status != SearchStatus.OPEN or discussion.status != (
        models.DiscussionStatus.FINDING_TIME
    ):
        raise refusal("find_time.closed", case=reference, meeting=when(core, discussion.meeting_at))
    if slot_number is not None:
        choice = assess(state.poll, slot_number, state.answers, state.availability)
        outgoing = decide(unit, state, choice, picked_by=actor)
    else:
        assert meeting is not None
        try:
            typed = parse_meeting_time(meeting, core.clock.now(), core.calendar)
        except TimeTextError as problem:
            raise refusal("find_time.meeting", problem=problem, example=example) from None
        late_reason = (late_reason or "").strip() or None
        if typed.at > discussion.deadline_at and late_reason is None:
            raise refusal(
                "find_time.after_deadline",
                meeting=typed.echo,
                deadline=when(core, discussion.deadline_at),
                example=f'{example} late_reason="..."',
            )
        discussion.late_reason = late_reason if typed.at > discussion.deadline_at else None
        outgoing = decide(unit, state, None, typed_at=typed.at, picked_by=actor)
    reply = message(
        Kind.REPLY,
        "messages/picked.txt.j2",
        case=reference,
        meeting=when(core, discussion.meeting_at),
        slot=slot_number,
    )
    return Outcome(reply=reply, outgoing=outgoing)


def _slot_number(state: PollState, number: str, example: str) -> int:
    try:
        value = int(number.strip())
    except ValueError:
        raise refusal("find_time.not_a_slot", words=number, example=example) from None
    if state.poll.slot(value) is None:
        raise refusal(
            "find_time.no_such_slot", number=value, last=len(state.poll.slots), example=example
        )
    return value


def _require_organiser(state: PollState, actor: Contact) -> None:
    discussion = state.search.discussion
    if actor.id not in (discussion.convenor.key, discussion.chair.key):
        raise not_allowed("find_time.not_organiser", case=discussion.case.reference)
