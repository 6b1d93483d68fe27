"""Catalogue phrases are rendered once for each set of plain values: what is remembered
must be what a fresh render says."""

from __future__ import annotations

import random

from bot.wording import say
from templates import environment, phrase, words


def fresh(text: str, **context: object) -> str:
    return environment().from_string(text).render(**context)


def test_a_phrase_says_each_set_of_values_in_its_own_words() -> None:
    text = "{{ pseudonym }} (age {{ age }})"
    said = [
        phrase(text, pseudonym="C1", age=6),
        phrase(text, pseudonym="C2", age=6),
        phrase(text, pseudonym="C1", age=7),
        phrase(text, pseudonym="C1", age=6),
    ]
    assert said == ["C1 (age 6)", "C2 (age 6)", "C1 (age 7)", "C1 (age 6)"]


def test_each_text_is_its_own_phrase() -> None:
    assert [phrase("chair"), phrase("convenor"), phrase("chair")] == ["chair", "convenor", "chair"]
    assert phrase("the chair\n") == fresh("the chair\n") == "the chair"


def test_equal_values_of_other_types_keep_their_own_words() -> None:
    assert [phrase("{{ n }}", n=1), phrase("{{ n }}", n=True), phrase("{{ n }}", n=1)] == [
        "1",
        "True",
        "1",
    ]
    assert [phrase("{{ x }}", x=0.0), phrase("{{ x }}", x=-0.0)] == ["0.0", "-0.0"]


def test_a_value_that_is_not_plain_is_rendered_each_time() -> None:
    class Counting:
        said = 0

        def __str__(self) -> str:
            self.said += 1
            return str(self.said)

    value = Counting()
    assert [phrase("{{ v }}", v=value) for _ in range(3)] == ["1", "2", "3"]


def test_a_phrase_drawn_at_random_is_drawn_each_time() -> None:
    random.seed(17)
    assert len({phrase("{{ range(1000) | random }}") for _ in range(20)}) > 1


def test_say_gives_the_catalogues_words() -> None:
    catalogue = words("words")
    assert say("invited_as.chair") == catalogue["invited_as"]["chair"] == "chair"
    assert say("reach.then") == fresh(catalogue["reach"]["then"])
    assert say("child.aged", pseudonym="C1", age=6) == "C1 (age 6)"
    assert say("invited_as.police", unit="Exploitation team") == "police: Exploitation team"
    assert say("invited_as.police", unit="Missing persons unit") == "police: Missing persons unit"
