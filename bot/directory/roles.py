"""The role catalogue: the kinds of agency, the roles people hold in them, and their names.

Every role belongs to one kind of agency (a MASH nurse to health, a LADO to
social care); the directory checker holds each contact to that.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class AgencyKind(StrEnum):
    SOCIAL_CARE = "social_care"
    POLICE = "police"
    HEALTH = "health"
    EDUCATION = "education"
    YOUTH_JUSTICE = "youth_justice"
    PROBATION = "probation"
    OTHER = "other"

    @property
    def label(self) -> str:
        """Human text, e.g. "social care"."""
        return self.value.replace("_", " ")


class Role(StrEnum):
    # social care
    TEAM_MANAGER = "team_manager"
    SOCIAL_WORKER = "social_worker"
    LADO = "lado"
    FOSTERING_SERVICE = "fostering_service"
    RESIDENTIAL_SERVICE = "residential_service"
    # police
    CHILD_ABUSE_INVESTIGATION = "child_abuse_investigation"
    MISSING_PERSONS = "missing_persons"
    EXPLOITATION = "exploitation"
    DOMESTIC_ABUSE = "domestic_abuse"
    MASH_POLICE = "mash_police"
    # health
    HEALTH_VISITOR = "health_visitor"
    SCHOOL_NURSE = "school_nurse"
    GP = "gp"
    PAEDIATRICIAN = "paediatrician"
    MIDWIFE = "midwife"
    CAMHS = "camhs"
    ADULT_MENTAL_HEALTH = "adult_mental_health"
    MASH_NURSE = "mash_nurse"
    # education
    DESIGNATED_SAFEGUARDING_LEAD = "designated_safeguarding_lead"
    NURSERY = "nursery"
    # youth justice, probation
    YOUTH_JUSTICE_OFFICER = "youth_justice_officer"
    PROBATION_OFFICER = "probation_officer"
    # other
    HOUSING_OFFICER = "housing_officer"
    DOMESTIC_ABUSE_SERVICE = "domestic_abuse_service"
    OTHER_PRACTITIONER = "other_practitioner"

    @property
    def agency_kind(self) -> AgencyKind:
        return _ROLE_INFO[self][0]

    @property
    def label(self) -> str:
        """Human text, e.g. "MASH nurse"."""
        return _ROLE_INFO[self][1]

    @classmethod
    def for_kind(cls, kind: AgencyKind) -> list[Role]:
        """The roles an agency of this kind may hold, in declaration order."""
        return [role for role in cls if role.agency_kind is kind]


_ROLE_INFO: Mapping[Role, tuple[AgencyKind, str]] = {
    Role.TEAM_MANAGER: (AgencyKind.SOCIAL_CARE, "Team manager"),
    Role.SOCIAL_WORKER: (AgencyKind.SOCIAL_CARE, "Social worker"),
    Role.LADO: (AgencyKind.SOCIAL_CARE, "LADO (designated officer)"),
    Role.FOSTERING_SERVICE: (AgencyKind.SOCIAL_CARE, "Fostering service"),
    Role.RESIDENTIAL_SERVICE: (AgencyKind.SOCIAL_CARE, "Residential service"),
    Role.CHILD_ABUSE_INVESTIGATION: (AgencyKind.POLICE, "Child abuse investigation team"),
    Role.MISSING_PERSONS: (AgencyKind.POLICE, "Missing persons unit"),
    Role.EXPLOITATION: (AgencyKind.POLICE, "Exploitation team"),
    Role.DOMESTIC_ABUSE: (AgencyKind.POLICE, "Domestic abuse unit"),
    Role.MASH_POLICE: (AgencyKind.POLICE, "MASH police officer"),
    Role.HEALTH_VISITOR: (AgencyKind.HEALTH, "Health visitor"),
    Role.SCHOOL_NURSE: (AgencyKind.HEALTH, "School nurse"),
    Role.GP: (AgencyKind.HEALTH, "GP"),
    Role.PAEDIATRICIAN: (AgencyKind.HEALTH, "Consultant paediatrician"),
    Role.MIDWIFE: (AgencyKind.HEALTH, "Midwife"),
    Role.CAMHS: (AgencyKind.HEALTH, "CAMHS practitioner"),
    Role.ADULT_MENTAL_HEALTH: (AgencyKind.HEALTH, "Adult mental health practitioner"),
    Role.MASH_NURSE: (AgencyKind.HEALTH, "MASH nurse"),
    Role.DESIGNATED_SAFEGUARDING_LEAD: (AgencyKind.EDUCATION, "Designated safeguarding lead"),
    Role.NURSERY: (AgencyKind.EDUCATION, "Nursery"),
    Role.YOUTH_JUSTICE_OFFICER: (AgencyKind.YOUTH_JUSTICE, "Youth justice officer"),
    Role.PROBATION_OFFICER: (AgencyKind.PROBATION, "Probation officer"),
    Role.HOUSING_OFFICER: (AgencyKind.OTHER, "Housing officer"),
    Role.DOMESTIC_ABUSE_SERVICE: (AgencyKind.OTHER, "Domestic abuse service"),
    Role.OTHER_PRACTITIONER: (AgencyKind.OTHER, "Practitioner"),
}
