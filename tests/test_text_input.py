"""Typed text is bounded and cleaned; parsing errors say what was wrong, for that command."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import Bot
from bot.intents import INTENTS
from bot.intents.text import Typed, read_command
from bot.storage import models
from bot.text_input import (
    ECHO_CHARACTERS,
    REASON_CHARACTERS,
    RECORD_SECTION_CHARACTERS,
    clean_identifier,
    clean_text,
)
from tests.helpers import CONVENE, say, table_counts


def parse(text: str) -> Typed:
    return read_command(INTENTS, text)


def usage(name: str) -> str:
    intent = INTENTS.get(name)
    assert intent is not None
    return intent.usage


def decline_reason(bot: Bot, who: str) -> str | None:
    with bot.core.sessions() as session:
        invitation = session.scalars(
            select(models.Invitation)
            .join(models.Contact, models.Invitation.contact_id == models.Contact.id)
            .where(models.Contact.key == who)
        ).one()
        return invitation.decline_reason


def test_a_reason_over_its_limit_is_refused_showing_only_its_start(convened: Bot) -> None:
    before = table_counts(convened)
    reason = "On leave; " * (REASON_CHARACTERS // 10 + 1)
    reply = say(convened, "olivia.bennett", f'/strategy decline NV-40213 reason="{reason}"')
    assert f"reason= is {len(reason):,} characters long; the limit is 2,000" in reply.text
    assert "For example: /strategy decline NV-40213" in reply.text
    shown = reply.text.split("It begins '")[1].split("'")[0]
    assert len(shown) <= ECHO_CHARACTERS + 1 and shown.endswith("…")
    assert len(reply.text) < 600
    assert table_counts(convened) == before


def test_a_record_section_may_be_long_but_not_without_limit(convened: Bot) -> None:
    assert parse(f'record NV-40213 risk="{"r" * RECORD_SECTION_CHARACTERS}"').fields["risk"]
    reply = say(convened, "asha.patel", f'/strategy record NV-40213 risk="{"r" * 20_001}"')
    assert "risk= is 20,001 characters long; the limit is 20,000" in reply.text


def test_controls_and_escapes_are_stripped_before_anything_is_stored(convened: Bot) -> None:
    reason = "On leave\x00 until \x1b[31mFriday\x1b[0m\x07 \u202eevil\u202c\x85 ok"
    say(convened, "olivia.bennett", f'/strategy decline NV-40213 reason="{reason}"')
    assert decline_reason(convened, "olivia.bennett") == "On leave until Friday evil ok"


def test_multi_line_text_keeps_its_lines_and_tabs() -> None:
    assert clean_text("line one\n\tline two\r\n") == "line one\n\tline two\n"
    assert clean_text("a\nb", lines=False) == "a b"


def test_invisible_characters_are_removed_from_identifiers(convened: Bot) -> None:
    assert clean_identifier("\u200bNV-4\u200d02\ufeff13\u202e") == "NV-40213"
    reply = say(convened, "olivia.bennett", "/strategy accept NV-4\u200b0213\u2066")
    assert "NV-40213" in reply.text and "For example" not in reply.text
    reply = say(convened, "megan.price", "/strategy accept NV-40213 to=\u200b")
    assert "Unknown option to" in reply.text


def test_text_that_was_not_utf8_is_refused(convened: Bot) -> None:
    before = table_counts(convened)
    reply = say(convened, "olivia.bennett", '/strategy decline NV-40213 reason="caf\udce9"')
    assert "not valid text" in reply.text and "For example:" in reply.text
    assert table_counts(convened) == before


def test_an_unbalanced_quote_gives_the_usage_of_the_command_typed(bot: Bot) -> None:
    reply = say(bot, "olivia.bennett", '/strategy decline NV-40213 reason="on leave')
    assert "check the quotes" in reply.text
    assert f"For example: {usage('decline')}" in reply.text


def test_the_command_word_may_be_in_any_case(convened: Bot) -> None:
    for word in ("/Strategy", "/STRATEGY", "Strategy", "STRATEGY"):
        reply = say(convened, "asha.patel", f"{word} status NV-40213")
        assert "NV-40213" in reply.text and "not a /strategy command" not in reply.text, word


def test_spaces_around_the_equals_sign_are_read(convened: Bot) -> None:
    case = {"case": "NV-1"}
    assert parse('decline NV-1 reason ="in court"').fields == {"reason": "in court"} | case
    assert parse('decline NV-1 reason= "in court"').fields == {"reason": "in court"} | case
    assert parse('decline NV-1 reason = "a = b"').fields == {"reason": "a = b"} | case
    assert parse("action NV-1 text= owner=x").fields == {"text": "", "owner": "x"} | case
    say(convened, "olivia.bennett", '/strategy decline NV-40213 reason ="in court all day"')
    assert decline_reason(convened, "olivia.bennett") == "in court all day"


def test_a_late_convene_is_answered_with_the_users_own_command(bot: Bot) -> None:
    command = CONVENE.replace("tomorrow 2pm", "in 10 working days 10am").replace(
        'meeting="in 10 working days 10am"', 'meeting="7/12 10am"'
    )
    reply = say(bot, "ben.okafor", command)
    assert "after the statutory deadline" in reply.text
    assert f'For example: {command} late_reason="..."' in reply.text


def test_refusing_more_time_needs_a_reason(convened: Bot) -> None:
    reply = say(convened, "asha.patel", "/strategy refuse NV-40213/A1")
    assert "Add the reason" in reply.text and "reason=" in reply.text


def test_every_refusal_carries_an_example(convened: Bot) -> None:
    # The due-date parser gives no example of its own: the command's usage is used.
    reply = say(
        convened,
        "asha.patel",
        '/strategy action NV-40213 owner=megan.price due="whenever" text="Visit the family"',
    )
    assert f"For example: {usage('action')}" in reply.text


def test_card_and_form_values_are_bounded_and_cleaned_too(convened: Bot) -> None:
    # A button's form, a card or a web page: every value passes bot/intents/values.py.
    olivia = convened.core.directory.contact("olivia.bennett")
    assert olivia is not None
    before = table_counts(convened)
    long = convened.act(olivia, "decline", {"case": "NV-40213", "reason": "x" * 2001})
    assert not long.ok and long.field == "reason"
    assert "the limit is 2,000" in long.reply.text
    assert table_counts(convened) == before
    fields = {"case": "NV-\u200b40213", "reason": "in\x00 court\x1b[0m"}
    assert convened.act(olivia, "decline", fields).ok
    assert decline_reason(convened, "olivia.bennett") == "in court"
