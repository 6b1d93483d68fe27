"""What a record holds, as typed values stored as JSON in `record_version.content`.

The chair's entries (`RecordContent`) are kept as entered. At finalisation a
`Snapshot` of the facts the bot already holds (who was invited and attended,
the children, the actions with owners and due dates) is frozen into the
version, so a final version reads the same forever, whatever happens later.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from templates import words


class Decision(BaseModel):
    model_config = ConfigDict(frozen=True)

    decision: str
    # Why: required for decisions and for the family-sharing decision;
    # a note, optional, for considerations.
    rationale: str = ""


class AttendanceRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    contact: str  # directory id
    name: str
    agency_id: str
    agency: str
    agency_kind: str
    role: str
    invited_as: str | None  # the invitation's reason; None: joined without an invitation
    attended: bool
    absence: str | None = None  # why an invitee did not attend
    via_fallback: bool = False


class ChildRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    pseudonym: str
    description: str  # "C1 (age 6)"
    discussed: bool
    note: str | None = None


class ActionRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    reference: str  # NV-40213/A1
    description: str
    owner: str | None  # directory id
    owner_name: str | None
    agency: str | None
    due_at: str | None  # ISO instant
    due: str | None  # as shown to people
    status: str
    # The discussion that agreed it (NV-40213, NV-40213#2), and for one carried forward
    # into a review, how it stands: on time, overdue, more time asked for.
    agreed_at: str | None = None
    progress: str | None = None


class Snapshot(BaseModel):
    """The facts around the entries, as they stood when the version was rendered."""

    model_config = ConfigDict(frozen=True)

    case: str
    partnership: str
    category: str
    tags: list[str]
    identified: str
    deadline: str
    deadline_rule: str
    meeting: str
    late_reason: str | None
    chair: str
    convenor: str
    attendance: list[AttendanceRow]
    children: list[ChildRow]
    actions: list[ActionRow]
    # A review: the open actions of the case's earlier discussions, still followed up here.
    carried_forward: list[ActionRow] = []


class RecordContent(BaseModel):
    """The chair's entries. Every field starts empty; `None` means not recorded yet."""

    model_config = ConfigDict(frozen=True)

    # Directory ids of those who attended; None until the chair confirms attendance.
    attended: list[str] | None = None
    # Why an invitee did not attend, when the chair gives it (else their reply says why).
    absence_reasons: dict[str, str] = Field(default_factory=dict)
    children: list[str] = Field(default_factory=list)  # pseudonyms discussed
    child_notes: dict[str, str] = Field(default_factory=dict)
    adults: str | None = None  # non-resident parents, significant adults (no names)
    concern: str | None = None  # the reason for the discussion
    harm: list[str] = Field(default_factory=list)
    shared: dict[str, str] = Field(default_factory=dict)  # agency id -> what it shared
    risk: str | None = None
    decisions: dict[str, Decision] = Field(default_factory=dict)
    safety: str | None = None
    family: Decision | None = None
    considerations: dict[str, Decision] = Field(default_factory=dict)
    identity: str | None = None
    snapshot: Snapshot | None = None  # set when the version is finalised

    @classmethod
    def load(cls, stored: Mapping[str, object]) -> RecordContent:
        return cls.model_validate(stored)

    def dump(self) -> dict[str, object]:
        return self.model_dump(mode="json")


# The categories of harm in Working Together.
HARM_CATEGORIES = ("physical", "emotional", "sexual", "neglect")

# Decision key -> the choices. What each decides is named in templates/record.yaml.
DECISION_CHOICES: Mapping[str, tuple[str, ...]] = {
    "s47": ("joint", "single", "no"),
    "abe": ("yes", "no"),
    "medical": ("yes", "no"),
    "legal": ("yes", "no"),
    "icpc": ("yes", "no"),
    "further": ("yes", "no"),
}
# Decision key -> (what is decided, the choices).
DECISIONS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    key: (words("record")["decisions"][key], choices) for key, choices in DECISION_CHOICES.items()
}

FAMILY_CHOICES = ("share", "partial", "withhold")

# Consideration key -> what is considered (named in templates/record.yaml).
CONSIDERATIONS: Mapping[str, str] = {
    key: words("record")["considerations"][key]
    for key in ("marac", "clares_law", "dash", "sarc", "lado")
}
CONSIDERATION_CHOICES = ("yes", "no")
