"""Record capture in chat: the form, every field checked, bad input writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import Bot
from bot.directory import load_directory
from bot.errors import InputError
from bot.record.content import Decision, RecordContent
from bot.record.fields import FieldContext, apply
from bot.storage.record_models import RecordVersion
from tests.helpers import audit_events, count, say, table_counts

DIRECTORY = load_directory()
CONTEXT = FieldContext(
    directory=DIRECTORY,
    case="NV-40213",
    invited=("asha.patel", "ben.okafor", "olivia.bennett", "bethany.cole", "megan.price"),
    children=("C1", "C2"),
)


def test_every_field_is_read_into_the_record() -> None:
    content = apply(
        RecordContent(),
        {
            "attended": "asha.patel, Ben Okafor,megan.price",
            "absent": "olivia.bennett: on leave; a colleague sent notes; bethany.cole: teaching",
            "children": "c1,C2",
            "child.c1": "seen at school today",
            "adults": "mother; mother's partner",
            "concern": "bruising seen at school",
            "harm": "physical, Emotional",
            "shared.police": "two call-outs since October",
            "shared.nv-health": "health visitor saw C2 last week",
            "risk": "risk of further harm at home",
            "s47": "Joint: threshold met",
            "abe": "yes: clear disclosure",
            "medical": "no: no injury needs examination",
            "legal": "no: family cooperating",
            "icpc": "no: decide after the enquiry",
            "further": "yes: review on Friday",
            "safety": "partner to stay elsewhere",
            "family": "withhold: would compromise the police investigation",
            "marac": "yes",
            "clares_law": "no: not relevant here",
            "identity": "family speaks Polish at home",
        },
        CONTEXT,
    )
    assert content.attended == ["asha.patel", "ben.okafor", "megan.price"]
    # A ";" inside a reason does not start a new entry; only ";" before "id:" does.
    assert content.absence_reasons == {
        "olivia.bennett": "on leave; a colleague sent notes",
        "bethany.cole": "teaching",
    }
    assert content.children == ["C1", "C2"]
    assert content.child_notes == {"C1": "seen at school today"}
    assert content.harm == ["physical", "emotional"]
    assert content.shared == {
        "nv-police": "two call-outs since October",
        "nv-health": "health visitor saw C2 last week",
    }
    assert content.decisions["s47"] == Decision(decision="joint", rationale="threshold met")
    assert content.family == Decision(
        decision="withhold", rationale="would compromise the police investigation"
    )
    assert content.considerations["marac"] == Decision(decision="yes", rationale="")
    assert content.considerations["clares_law"].rationale == "not relevant here"


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"s47": "joint"}, "Give the rationale for the s47 decision"),
        ({"s47": "maybe: unsure"}, "one of: joint, single, no"),
        ({"family": "share"}, "Give the rationale for the family decision"),
        ({"abe": "yes: ok"}, "Give the rationale for the abe decision"),
        ({"marac": "perhaps"}, "one of: yes, no"),
        ({"children": "C1,C3"}, "'C3' is not a child of case NV-40213"),
        ({"children": "Amy"}, "never by name"),
        ({"child.c4": "seen today"}, "'C4' is not a child"),
        ({"attended": "asha.patel,nobody.here"}, "'nobody.here' is not in the partner directory"),
        ({"absent": "olivia.bennett"}, "Give each absence as 'id: why"),
        ({"absent": "george.palmer: away all week"}, "george.palmer was not invited"),
        ({"attended": "olivia.bennett", "absent": "olivia.bennett: on leave"}, "and as absent"),
        ({"harm": "financial"}, "not a category of harm"),
        ({"shared.fire": "nothing"}, "'fire' in 'shared.fire=' is not an agency"),
        ({"risk": "high"}, "needs a few words"),
        ({"risk": "  "}, "is empty"),
        ({"riks": "high risk at home"}, "Did you mean risk=?"),
    ],
)
def test_a_bad_field_is_refused_with_an_example(fields: dict[str, str], problem: str) -> None:
    with pytest.raises(InputError, match=problem) as caught:
        apply(RecordContent(), fields, CONTEXT)
    assert caught.value.example is not None
    assert caught.value.example.startswith("/strategy record NV-40213")


def test_the_record_cannot_be_started_before_the_meeting(convened: Bot) -> None:
    reply = say(convened, "asha.patel", "/strategy record NV-40213 risk='at home with partner'")
    assert "is at Tue 24 Nov 2026, 14:00 GMT: record it once it has been held" in reply.text
    assert count(convened, RecordVersion) == 0


def test_the_form_shows_what_is_there_and_what_is_missing(held: Bot) -> None:
    reply = say(held, "asha.patel", "/strategy record NV-40213").text
    assert "version 1 (draft)" in reply
    # Attendance starts from the replies, for the chair to confirm.
    assert (
        "[ ] attended: attendance: who attended, and why others did not: from the replies, to "
        "confirm: Asha Patel, Ben Okafor, Olivia Bennett, Megan Price | not there: "
        "Bethany Cole: declined: teaching all afternoon\n"
    ) in reply
    assert "[ ] children: children discussed: every child of the case (missing: C1, C2)" in reply
    assert "[ ] s47:" in reply and "[ ] family:" in reply
    # The next step, as an example that works for this discussion.
    assert (
        "/strategy record NV-40213 attended=asha.patel,ben.okafor,olivia.bennett,megan.price\n"
        in reply
    )
    assert count(held, RecordVersion) == 0  # looking writes nothing


def test_fields_are_saved_in_any_order_and_audited(held: Bot) -> None:
    reply = say(
        held, "ben.okafor", '/strategy record NV-40213 children=C1 risk="C1 at risk at home"'
    )
    assert "Saved: children, risk." in reply.text
    assert "[ ] children: children discussed: every child of the case: C1 (missing: C2)" in (
        reply.text
    )
    reply = say(held, "asha.patel", "/strategy record NV-40213 children=C1,C2")
    assert "[x] children: children discussed: every child of the case: C1, C2" in reply.text
    with held.core.sessions() as session:
        version = session.scalars(select(RecordVersion)).one()
        content = RecordContent.load(version.content)
        assert (version.version, version.status) == (1, "draft")
    assert content.children == ["C1", "C2"]
    assert content.risk == "C1 at risk at home"
    events = [e for e in audit_events(held) if e[1] == "record_updated"]
    assert events == [
        ("ben.okafor", "record_updated", {"version": 1, "fields": ["children", "risk"]}),
        ("asha.patel", "record_updated", {"version": 1, "fields": ["children"]}),
    ]


def test_bad_input_writes_nothing(held: Bot) -> None:
    before = table_counts(held)
    reply = say(held, "asha.patel", '/strategy record NV-40213 risk="C1 at risk" s47="joint"')
    assert "Give the rationale for the s47 decision" in reply.text
    assert "For example: /strategy record NV-40213 s47=" in reply.text
    assert table_counts(held) == before
    assert count(held, RecordVersion) == 0


REFUSED = [
    ("megan.price", "/strategy record NV-40213 risk='at home'", "Only the chair or the convenor"),
    ("megan.price", "/strategy record NV-40213", "Only the chair or the convenor"),
    ("george.palmer", "/strategy record NV-40213 show", "You have no strategy discussion"),
    ("asha.patel", "/strategy record NV-40213 publish", "Did not understand 'publish'"),
    ("asha.patel", "/strategy record NV-40213 finalise risk='x y z w'", "takes nothing else"),
    ("asha.patel", "/strategy record NV-40213 risk='at home' reason='typo'", "not finalised"),
]


def test_who_may_write_and_what_is_refused(held: Bot) -> None:
    before = table_counts(held)
    for who, text, problem in REFUSED:
        assert problem in say(held, who, text).text, text
    assert table_counts(held) == before
    assert count(held, RecordVersion) == 0


def test_someone_not_invited_learns_nothing(held: Bot) -> None:
    unknown = say(held, "george.palmer", "/strategy record NV-99999 show").text
    known = say(held, "george.palmer", "/strategy record NV-40213 show").text
    assert unknown.replace("NV-99999", "NV-40213") == known
