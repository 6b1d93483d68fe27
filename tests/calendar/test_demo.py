"""`strategy-bot demo --outbox DIR` keeps its invitations: a reschedule, a cancellation."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from tests.calendar.itip import calendar_part, event_of


def test_the_demo_leaves_its_invitations_in_the_outbox(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--outbox", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    story = [
        "Calendar invitations for case NV-40213",
        f"written as .ics files to the outbox folder {tmp_path / 'out'}",
        "The strategy discussion for case NV-40587 has moved from Tue 1 Dec 2026, 10:00 GMT "
        "to Tue 1 Dec 2026, 15:00 GMT",
        "Calendar cancellations for case NV-40587",
    ]
    positions = [result.output.find(marker) for marker in story]
    assert all(p >= 0 for p in positions), list(zip(story, positions, strict=True))
    assert positions == sorted(positions)

    by_case: dict[str, list[tuple[str, str, int, str]]] = {}
    for path in sorted((tmp_path / "out").glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        if not path.with_suffix(".ics").exists():
            continue  # not an invitation (the demo also emails the meeting record)
        method, calendar = calendar_part(message)  # every invitation parses, strictly
        event = event_of(calendar)
        assert path.with_suffix(".ics").read_bytes() == calendar.to_ical()  # the same document
        case = str(message["Subject"]).rsplit(" ", 1)[-1]
        by_case.setdefault(case, []).append(
            (message["To"], method, int(event["SEQUENCE"]), str(event["UID"]))
        )

    first = by_case["NV-40213"]
    # the MASH nurse (the fallback) and the colleague delegated to were invited too,
    # and the school's lead, who delegated, had hers withdrawn
    assert ("zoe.fletcher@northvale-health.nhs.example", "REQUEST", 0) in [f[:3] for f in first]
    assert ("callum.fraser@northvale-schools.example", "REQUEST", 0) in [f[:3] for f in first]
    assert ("bethany.cole@northvale-schools.example", "CANCEL", 0) in [f[:3] for f in first]

    second = by_case["NV-40587"]
    assert {uid for *_, uid in second} == {second[0][3]}  # one meeting throughout
    people = {
        "asha.patel@northvale.gov.example",
        "ben.okafor@northvale.gov.example",
        "ian.campbell@northvale.police.example",
        "zoe.fletcher@northvale-health.nhs.example",
    }
    for method, sequence in (("REQUEST", 0), ("REQUEST", 1), ("CANCEL", 2)):
        assert {to for to, m, s, _ in second if (m, s) == (method, sequence)} == people
    assert len(second) == 12
