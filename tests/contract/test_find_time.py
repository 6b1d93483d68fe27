"""Finding a time on every platform: the poll's button and form, the tally, the choice.

The convenor leaves out the time; the police officer and the health visitor
(whose calendars the bot cannot see) answer the poll with its button, in
Slack a modal and in Teams a card of the candidate slots; once both have
answered, the invitations go out with the time that was found.
"""

from __future__ import annotations

from tests.contract.drivers import PlatformDriver

FIND = (
    "/strategy convene NV-40213 children=C1:2020-05-14 category=standard "
    'identified="today 9am" tags=domestic_abuse known=olivia.bennett'
)


def test_the_poll_is_answered_with_its_button_and_the_time_found_is_sent(
    driver: PlatformDriver,
) -> None:
    reply = driver.command("ben.okafor", FIND)
    assert "Finding a time for case NV-40213" in reply
    assert any("Which of these times could you make?" in m for m in driver.inbox("megan.price"))

    answered = driver.press("megan.price", "available", "NV-40213#1", slots="2")
    assert "you can make 2" in answered or "you can make 2" in "\n".join(
        driver.inbox("megan.price")
    )
    tally = driver.command("asha.patel", "/strategy slots NV-40213")
    assert "1 of 2 answered" in tally and "[statutory]" in tally

    driver.press("olivia.bennett", "available", "NV-40213#1", slots="2")
    invitation = "\n".join(driver.inbox("olivia.bennett"))
    assert "You are invited to a strategy discussion for case NV-40213" in invitation
    found = "\n".join(driver.inbox("ben.okafor"))
    assert "the meeting is at" in found and "(slot 2)" in found
    status = driver.command("ben.okafor", "/strategy status NV-40213")
    assert "(scheduled)" in status
