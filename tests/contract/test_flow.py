"""The whole flow, played identically on every chat platform."""

from __future__ import annotations

from datetime import timedelta

from tests.contract.drivers import PlatformDriver

CONVENE = (
    "/strategy convene NV-40213 children=C1:2020-05-14,C2:2023-02-09 category=standard "
    'identified="today 9am" meeting="tomorrow 2pm" tags=domestic_abuse '
    "referrer=bethany.cole known=olivia.bennett"
)


def joined(texts: list[str]) -> str:
    return "\n".join(texts)


def test_convene_invites_by_direct_message_and_tells_the_channel_only_the_reference(
    driver: PlatformDriver,
) -> None:
    reply = driver.command("ben.okafor", CONVENE)
    assert "Strategy discussion convened for case NV-40213" in reply
    for invitee in ("olivia.bennett", "bethany.cole", "megan.price"):
        assert "You are invited to a strategy discussion for case NV-40213" in joined(
            driver.inbox(invitee)
        )
    assert "Before and during the discussion (police)" in joined(driver.inbox("megan.price"))
    assert "waiting for the statutory partners" in joined(driver.inbox("asha.patel"))
    assert driver.inbox("ian.campbell") == []
    posts = joined(driver.channel_posts())
    assert "NV-40213" in posts
    for detail in ("C1", "C2", "domestic", "Olivia"):
        assert detail not in posts


def test_bad_input_gets_the_problem_and_an_example(driver: PlatformDriver) -> None:
    reply = driver.command("ian.campbell", CONVENE)
    assert "Only a social worker or team manager" in reply
    assert "example" in reply.lower()
    assert driver.inbox("olivia.bennett") == []


def test_respond_delegate_fallback_and_quorum(driver: PlatformDriver) -> None:
    driver.command("ben.okafor", CONVENE)
    driver.press("olivia.bennett", "decline", "NV-40213#1", reason="On leave until Friday")
    assert "you declined" in joined(driver.inbox("olivia.bennett"))
    chair = joined(driver.inbox("asha.patel"))
    assert "declined" in chair and "On leave until Friday" in chair
    assert "Zoe Fletcher (MASH nurse) has been invited" in chair
    assert "You are invited" in joined(driver.inbox("zoe.fletcher"))

    driver.press("megan.price", "accept", "NV-40213#1")
    driver.press("zoe.fletcher", "accept", "NV-40213#1")
    assert "you accepted" in joined(driver.inbox("zoe.fletcher"))
    chair = joined(driver.inbox("asha.patel"))
    assert "quorum met" in chair
    assert "The discussion can go ahead" in chair

    driver.press("bethany.cole", "delegate", "NV-40213#1", to="callum.fraser")
    assert "You are invited" in joined(driver.inbox("callum.fraser"))
    assert "you delegated" in joined(driver.inbox("bethany.cole"))


def test_the_fallback_fires_at_the_cutoff(driver: PlatformDriver) -> None:
    driver.command("ben.okafor", CONVENE)
    driver.advance(timedelta(minutes=61))
    assert "You are invited" in joined(driver.inbox("zoe.fletcher"))
    assert "not confirmed by the cutoff" in joined(driver.inbox("asha.patel"))


def test_actions_nudges_and_closing(driver: PlatformDriver) -> None:
    driver.command("ben.okafor", CONVENE)
    reply = driver.command(
        "asha.patel",
        '/strategy action NV-40213 owner=megan.price due="in 2 working days" '
        'text="Complete a DASH risk assessment"',
    )
    assert "Action NV-40213/A1 recorded for Megan Price" in reply
    assert "You own action NV-40213/A1" in joined(driver.inbox("megan.price"))
    driver.advance(timedelta(days=1))  # Tuesday 09:00 passes
    assert "Reminder: action NV-40213/A1" in joined(driver.inbox("megan.price"))
    driver.press(
        "megan.price",
        "close",
        "NV-40213/A1",
        outcome="DASH completed: high risk, MARAC referral made",
    )
    assert "was closed by Megan Price" in joined(driver.inbox("asha.patel"))
    assert "You have no open actions" in driver.command("megan.price", "/strategy actions")


def test_someone_not_invited_sees_nothing(driver: PlatformDriver) -> None:
    driver.command("ben.okafor", CONVENE)
    reply = driver.command("ian.campbell", "/strategy status NV-40213")
    assert "You have no strategy discussion for case NV-40213" in reply


def test_a_review_discussion_continues_the_case(driver: PlatformDriver) -> None:
    driver.command("ben.okafor", CONVENE)
    driver.command(
        "asha.patel",
        '/strategy action NV-40213 owner=megan.price due="in 5 working days" '
        'text="Complete a DASH risk assessment"',
    )
    for who in ("megan.price", "olivia.bennett"):
        driver.press(who, "accept", "NV-40213#1")
    driver.advance(timedelta(days=1, hours=5))  # the first discussion is held
    reply = driver.command("ben.okafor", CONVENE)
    assert "Review strategy discussion 2 for case NV-40213#2" in reply
    assert "Open actions carried forward: NV-40213/A1" in reply
    assert "You are invited to a strategy discussion for case NV-40213#2" in joined(
        driver.inbox("megan.price")
    )
    # Pressed on the review's own invitation card, the answer goes to the review.
    driver.press("megan.price", "accept", "NV-40213#2")
    assert "Strategy discussion for case NV-40213#2: you accepted" in joined(
        driver.inbox("megan.price")
    )
    added = driver.command(
        "asha.patel",
        '/strategy action NV-40213 owner=megan.price due="in 5 working days" '
        'text="Speak to the partner about the bail breach"',
    )
    assert "Action NV-40213/A2 recorded" in added
    status = driver.command("asha.patel", "/strategy status NV-40213#1")
    assert "Case NV-40213: strategy discussion (held)" in status
