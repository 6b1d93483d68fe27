"""The rules of a strategy discussion, as pure functions over plain values.

Who is invited, and whether the statutory partners have confirmed, depend only
on the directory and the case's facts: no database, no clock, no chat.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.directory import AgencyKind, Contact, Directory, Role
from bot.wording import say


class HarmTag(StrEnum):
    DOMESTIC_ABUSE = "domestic_abuse"
    SEXUAL_ABUSE = "sexual_abuse"
    PHYSICAL_ABUSE = "physical_abuse"
    NEGLECT = "neglect"
    MISSING = "missing"
    EXPLOITATION = "exploitation"
    ALLEGATION_AGAINST_STAFF = "allegation_against_staff"
    INJURY = "injury"
    PRE_BIRTH = "pre_birth"
    IN_HOSPITAL = "in_hospital"
    LOOKED_AFTER = "looked_after"
    PARENTAL_MENTAL_HEALTH = "parental_mental_health"
    CHILD_MENTAL_HEALTH = "child_mental_health"


# The police unit each kind of harm needs. Without any of these tags the child
# abuse investigation team is invited.
POLICE_UNIT_FOR_TAG: dict[HarmTag, Role] = {
    HarmTag.DOMESTIC_ABUSE: Role.DOMESTIC_ABUSE,
    HarmTag.MISSING: Role.MISSING_PERSONS,
    HarmTag.EXPLOITATION: Role.EXPLOITATION,
    HarmTag.SEXUAL_ABUSE: Role.CHILD_ABUSE_INVESTIGATION,
    HarmTag.PHYSICAL_ABUSE: Role.CHILD_ABUSE_INVESTIGATION,
    HarmTag.INJURY: Role.CHILD_ABUSE_INVESTIGATION,
}

# Other professionals each tag calls for.
ROLES_FOR_TAG: dict[HarmTag, tuple[Role, ...]] = {
    HarmTag.ALLEGATION_AGAINST_STAFF: (Role.LADO,),
    HarmTag.INJURY: (Role.PAEDIATRICIAN,),
    HarmTag.IN_HOSPITAL: (Role.PAEDIATRICIAN,),
    HarmTag.PRE_BIRTH: (Role.MIDWIFE,),
    HarmTag.LOOKED_AFTER: (Role.FOSTERING_SERVICE,),
    HarmTag.PARENTAL_MENTAL_HEALTH: (Role.ADULT_MENTAL_HEALTH,),
    HarmTag.CHILD_MENTAL_HEALTH: (Role.CAMHS,),
}

STATUTORY_AGENCIES = (AgencyKind.SOCIAL_CARE, AgencyKind.POLICE, AgencyKind.HEALTH)

CHILD_PSEUDONYM = re.compile(r"^C[0-9]{1,2}$")


@dataclass(frozen=True)
class ChildSpec:
    """A child as the convenor describes it: a pseudonym, never a name."""

    pseudonym: str
    date_of_birth: date | None = None
    expected_date: date | None = None  # unborn: the expected date of delivery


@dataclass(frozen=True)
class PlannedInvite:
    contact: Contact
    reason: str


def plan_invitations(
    directory: Directory,
    chair: Contact,
    convenor: Contact,
    tags: Iterable[HarmTag],
    known: Sequence[Contact],
    referrer: Contact | None = None,
    last_time: Sequence[Contact] = (),
) -> list[PlannedInvite]:
    """Everyone a new discussion invites, each once, with the reason they are there.

    The chair and convenor; the referrer (a professional); the professionals
    already known to the family; the police unit(s) the harm calls for; the
    roles the tags call for; and, when no health professional would otherwise
    be there, the MASH nurse. A review also invites everyone who attended the
    case's last discussion (`last_time`), so the same police unit and health
    professional follow the case.
    """
    tags = list(tags)
    planned: dict[str, PlannedInvite] = {}

    def add(contact: Contact, reason: str) -> None:
        planned.setdefault(contact.id, PlannedInvite(contact, reason))

    add(chair, say("invited_as.chair"))
    add(convenor, say("invited_as.convenor"))
    if referrer is not None:
        add(referrer, say("invited_as.referrer", role=referrer.role.label))
    for contact in known:
        add(contact, say("invited_as.known", role=contact.role.label))
    for contact in last_time:
        add(contact, say("invited_as.last_time", role=contact.role.label))

    police_units = [POLICE_UNIT_FOR_TAG[t] for t in tags if t in POLICE_UNIT_FOR_TAG]
    already_police = any(p.contact.role.agency_kind is AgencyKind.POLICE for p in planned.values())
    if not police_units and not already_police:
        police_units = [Role.CHILD_ABUSE_INVESTIGATION]
    for unit in dict.fromkeys(police_units):
        duty = duty_contact(directory, unit)
        if duty is not None:
            add(duty, say("invited_as.police", unit=unit.label))

    for tag in tags:
        for role in ROLES_FOR_TAG.get(tag, ()):
            duty = duty_contact(directory, role)
            if duty is not None:
                add(
                    duty,
                    say("invited_as.for_tag", role=role.label, tag=tag.value.replace("_", " ")),
                )

    if not any(p.contact.role.agency_kind is AgencyKind.HEALTH for p in planned.values()):
        mash_nurse = duty_contact(directory, Role.MASH_NURSE)
        if mash_nurse is not None:
            add(mash_nurse, say("invited_as.mash_nurse"))
    return list(planned.values())


def duty_contact(directory: Directory, role: Role, exclude: Iterable[str] = ()) -> Contact | None:
    """The first contact listed for a role (the directory lists the duty contact first)."""
    excluded = set(exclude)
    return next((c for c in directory.by_role(role) if c.id not in excluded), None)


def chair_for(directory: Directory, convenor: Contact) -> Contact | None:
    """A team manager chairs: the convenor if they are one, else their manager."""
    if convenor.can_chair:
        return convenor
    manager = directory.manager_of(convenor)
    if manager is not None and manager.can_chair:
        return manager
    return next(
        (c for c in directory.colleagues(convenor) if c.can_chair),
        None,
    )


@dataclass(frozen=True)
class Attendance:
    """One invitation, reduced to what the quorum needs."""

    agency_kind: AgencyKind
    status: str  # an InvitationStatus value


def quorum(invitations: Iterable[Attendance]) -> dict[AgencyKind, bool]:
    """For each statutory agency: has at least one of its invitees accepted?"""
    confirmed = {kind: False for kind in STATUTORY_AGENCIES}
    for invitation in invitations:
        if invitation.agency_kind in confirmed and invitation.status == "accepted":
            confirmed[invitation.agency_kind] = True
    return confirmed
