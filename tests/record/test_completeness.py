"""Completeness gates finalising; a final version never changes; corrections are versions."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from bot.app import Bot
from bot.record.completeness import Gap, essential_gaps, is_complete, other_gaps
from bot.record.content import ActionRow, AttendanceRow, Decision, RecordContent
from bot.storage.db import make_engine
from bot.storage.record_models import RecordVersion
from tests.helpers import audit_events, count, say
from tests.record.conftest import COMPLETE_RECORD

ACTION = ActionRow(
    reference="NV-40213/A1",
    description="DASH risk assessment",
    owner="megan.price",
    owner_name="Megan Price",
    agency="Northvale Police",
    due_at="2026-11-26T23:59:59+00:00",
    due="Thu 26 Nov 2026, 23:59 GMT",
    status="open",
)
ESSENTIALS = RecordContent(
    attended=["asha.patel"],
    children=["C1", "C2"],
    decisions={"s47": Decision(decision="no", rationale="no threshold")},
    family=Decision(decision="share", rationale="nothing to withhold"),
)


def test_the_essentials_are_named_exactly() -> None:
    assert essential_gaps(RecordContent(), ["C1", "C2"], []) == [
        Gap("attended"),
        Gap("s47"),
        Gap("children", ("C1", "C2")),
        Gap("family"),
    ]
    partial = ESSENTIALS.model_copy(update={"children": ["C2"]})
    assert essential_gaps(partial, ["C1", "C2"], []) == [Gap("children", ("C1",))]
    orphan = ACTION.model_copy(update={"owner": None, "due_at": None})
    assert essential_gaps(ESSENTIALS, ["C1", "C2"], [ACTION, orphan]) == [
        Gap("action_owner", ("NV-40213/A1",)),
        Gap("action_due", ("NV-40213/A1",)),
    ]
    assert essential_gaps(ESSENTIALS, ["C1", "C2"], [ACTION]) == []


def test_a_complete_record_has_every_section() -> None:
    present = AttendanceRow(
        contact="megan.price",
        name="Megan Price",
        agency_id="nv-police",
        agency="Northvale Police",
        agency_kind="police",
        role="Domestic abuse unit",
        invited_as="police",
        attended=True,
    )
    gaps = other_gaps(ESSENTIALS, [present])
    assert [g.key for g in gaps] == [
        "concern",
        "adults",
        "risk",
        "safety",
        "identity",
        "harm",
        "shared",
        "decisions",
        "considerations",
    ]
    assert Gap("shared", ("Northvale Police",)) in gaps
    yes = Decision(decision="no", rationale="considered")
    full = ESSENTIALS.model_copy(
        update={
            "concern": "bruising",
            "adults": "mother",
            "risk": "risk at home",
            "safety": "partner away",
            "identity": "British Pakistani family",
            "harm": ["physical"],
            "shared": {"nv-police": "call-outs"},
            "decisions": {k: yes for k in ("s47", "abe", "medical", "legal", "icpc", "further")},
            "considerations": {k: yes for k in ("marac", "clares_law", "dash", "sarc", "lado")},
        }
    )
    assert other_gaps(full, [present]) == []
    assert is_complete(full, ["C1", "C2"], [ACTION], [present])
    assert not is_complete(full, ["C1", "C2", "C3"], [ACTION], [present])


def test_finalising_is_refused_until_the_essentials_are_there(held: Bot) -> None:
    say(held, "asha.patel", "/strategy record NV-40213 children=C1")
    reply = say(held, "asha.patel", "/strategy record NV-40213 finalise").text
    assert reply.splitlines() == [
        "The record of case NV-40213 cannot be finalised yet. Missing:",
        "- attendance: who attended, and why others did not. For example: /strategy record "
        "NV-40213 attended=asha.patel,ben.okafor,olivia.bennett,megan.price",
        "- section 47 enquiry (joint, single or no) and why. For example: /strategy record "
        'NV-40213 s47="joint: C1\'s injury and account meet the threshold for a joint enquiry"',
        "- children discussed: every child of the case: C2. For example: /strategy record "
        "NV-40213 children=C1,C2",
        "- what is shared with the child and family (share, partial, withhold) and why. For "
        'example: /strategy record NV-40213 family="partial: mother told of the enquiry today; '
        'the partner not told until police have interviewed him, to protect the investigation"',
    ]
    with held.core.sessions() as session:
        assert session.scalars(select(RecordVersion.status)).all() == ["draft"]
    assert "record_finalised" not in [e[1] for e in audit_events(held)]


def test_only_the_chair_finalises(held: Bot) -> None:
    say(held, "ben.okafor", COMPLETE_RECORD)
    reply = say(held, "ben.okafor", "/strategy record NV-40213 finalise")
    assert "Only the chair finalises the record." in reply.text
    reply = say(held, "asha.patel", "/strategy record NV-40213 finalise")
    assert "Record of case NV-40213 finalised: version 1." in reply.text


def test_a_final_version_is_immutable_and_corrections_are_new_versions(
    held: Bot, database_url: str
) -> None:
    say(held, "asha.patel", COMPLETE_RECORD)
    say(held, "asha.patel", "/strategy record NV-40213 finalise")
    with held.core.sessions() as session:
        first = session.scalars(select(RecordVersion)).one()
        original = (first.content, first.document_markdown, first.document_pdf)

    # Through the bot: a change needs a reason, and starts version 2.
    refused = say(held, "asha.patel", '/strategy record NV-40213 risk="risk at home is high"')
    assert "A change is a correction: give its reason" in refused.text
    again = say(held, "asha.patel", "/strategy record NV-40213 finalise")
    assert "Version 1 was finalised (Tue 24 Nov 2026, 14:00 GMT) and circulated." in again.text
    reply = say(
        held,
        "asha.patel",
        '/strategy record NV-40213 risk="risk at home is high" reason="risk analysis was left out"',
    )
    assert "version 2 (draft), correcting the last version because: risk analysis was left out" in (
        reply.text
    )
    finalised = say(held, "asha.patel", "/strategy record NV-40213 finalise")
    assert "version 2 (correction: risk analysis was left out)" in finalised.text

    # Under the bot: the database refuses to change or delete a final version.
    engine = make_engine(database_url)
    for statement in (
        "UPDATE record_version SET correction_reason = 'tampered' WHERE version = 1",
        "UPDATE record_version SET status = 'draft' WHERE version = 1",
        "DELETE FROM record_version WHERE version = 1",
        "DELETE FROM record_delivery",
    ):
        with pytest.raises(DBAPIError, match=r"immutable|append-only"), engine.begin() as db:
            db.execute(text(statement))
    engine.dispose()

    with held.core.sessions() as session:
        versions = session.scalars(select(RecordVersion).order_by(RecordVersion.version)).all()
        assert [(v.version, v.status) for v in versions] == [(1, "final"), (2, "final")]
        assert (versions[0].content, versions[0].document_markdown, versions[0].document_pdf) == (
            original
        )
        assert RecordContent.load(versions[0].content).risk is None
        assert RecordContent.load(versions[1].content).risk == "risk at home is high"
        assert versions[1].correction_reason == "risk analysis was left out"
        assert "This version corrects version 1" in (versions[1].document_markdown or "")
    events = [(e[1], e[2].get("version")) for e in audit_events(held) if "record_" in e[1]]
    assert ("record_correction_started", 2) in events
    assert [e for e in events if e[0] == "record_finalised"] == [
        ("record_finalised", 1),
        ("record_finalised", 2),
    ]
    assert count(held, RecordVersion) == 2
