"""A seeded generator of console input: valid commands, and mutations of them.

The same seed gives the same lines. Valid commands build up real state (discussions,
actions, records) so that the mutations reach deep into the services, not only the
parser. Mutations are what new and hostile users type: broken quotes, odd case,
runaway numbers in times, huge text, control and invisible characters, Slack mention
syntax, SQL-ish and template-ish text, and bytes that are not UTF-8.
"""

from __future__ import annotations

import random

# People from the bundled sample directory, by what they may do.
CONVENORS = ["ben.okafor", "chloe.dawson", "asha.patel", "marcus.reid"]
CHAIRS = ["asha.patel", "marcus.reid"]
INVITEES = ["olivia.bennett", "megan.price", "zoe.fletcher", "ian.campbell", "bethany.cole"]
EVERYONE = CONVENORS + INVITEES + ["callum.fraser", "kieran.walsh", "george.palmer"]

CATEGORIES = ["standard", "immediate_action", "complex", "serious_harm", "sexual_abuse_forensic"]
TAGS = ["domestic_abuse", "injury", "neglect", "missing", "pre_birth", "looked_after"]
MEETINGS = ["tomorrow 2pm", "tomorrow 10am", "in 3 hours", "Monday 10am", "wednesday 11am"]
DUES = ["in 2 working days", "friday", "end of week", "next working day", "tomorrow 5pm"]
FIELDS = ["risk", "safety", "concern", "identity", "adults", "shared.police", "child.C1"]

RUNAWAY_TIMES = [
    "+3000000d",
    "+99999999999d",
    "+999999d",
    "in 99999999999 minutes",
    "in 99999999999 hours",
    "within 99999999999 working days",
    "in 99999999999 working days",
    "+99999999999 working days",
    "99999999999 minutes ago",
    "31/12/9999",
    "1/1/0001 10am",
    "28 march 2027 1:30am",
    "+999999999999999999999999999999m",
    "9999-12-31T23:59",
    "+0m",
    "-5d",
    "in -3 working days",
    "yesterday 4pm",
    "0900",
    "December",
]
HOSTILE_TEXT = [
    "'; DROP TABLE discussion; --",
    '" OR 1=1 --',
    "Robert'); DELETE FROM action;--",
    "{{ 7*7 }}",
    "{% for x in range(10**9) %}x{% endfor %}",
    "{{ config.__class__.__init__.__globals__ }}",
    "${jndi:ldap://127.0.0.1/a}",
    "%s%s%s%n",
    "<@U0123ABCD> <!channel> <!here> <#C0123|general>",
    "<https://evil.example|click here> *bold* `code`",
    "&lt;script&gt;alert(1)&lt;/script&gt; <script>alert(1)</script>",
    "\u202eevil\u202c text \u2066isolated\u2069",
    "zero\u200bwidth\u200djoin\ufeffbom",
    "ansi \x1b[31mred\x1b[0m \x1b]0;title\x07",
    "nul \x00 bell \x07 backspace \x08 c1 \x85\x9b",
    "emoji 👩‍👩‍👧‍👦 🏳️‍🌈 combining e\u0301\u0301\u0301",
    "\U0001d56f\U0001d594\U0001d59a\U0001d587 \uff26\uff35\uff2c\uff2c",  # fraktur, fullwidth
    "مرحبا שלום こんにちは",
]
INVISIBLES = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u202d", "\u2066"]
CONTROLS = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b[2J", "\x7f", "\x85", "\x9b"]


class Generator:
    """Console lines for one console process; `bytes` because some are not UTF-8."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.cases: list[str] = []
        self.actions: list[str] = []

    def lines(self, count: int) -> list[bytes]:
        lines: list[bytes] = []
        while len(lines) < count:
            lines += self.step()
        return lines[:count]

    def step(self) -> list[bytes]:
        """One thing a person does: usually a valid command, often a mutated one."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.05:
            return [self._bytes_line()]
        who, command = self._valid()
        text = command
        if rng.random() < 0.6:
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                text = self._mutate(text)
        if rng.random() < 0.1:
            return [text.encode("utf-8", "surrogatepass")]
        return [f"as {who}".encode(), text.encode("utf-8", "surrogatepass")]

    # -- valid commands ---------------------------------------------------------------

    def _case(self) -> str:
        if self.cases and self.rng.random() < 0.8:
            return self.rng.choice(self.cases)
        case = f"NV-{self.rng.randint(10000, 99999)}"
        self.cases.append(case)
        return case

    def _action(self) -> str:
        if self.actions and self.rng.random() < 0.8:
            return self.rng.choice(self.actions)
        action = f"{self._case()}/A{self.rng.randint(1, 3)}"
        self.actions.append(action)
        return action

    def _valid(self) -> tuple[str, str]:
        rng = self.rng
        kind = rng.choices(
            [
                "convene",
                "accept",
                "decline",
                "delegate",
                "status",
                "action",
                "close",
                "more-time",
                "approve",
                "refuse",
                "snooze",
                "reassign",
                "actions",
                "record",
                "finalise",
                "report",
                "reschedule",
                "cancel",
                "help",
                "clock",
                "who",
                "as",
            ],
            weights=[14, 8, 5, 3, 4, 8, 4, 3, 2, 2, 3, 2, 2, 8, 2, 2, 3, 1, 1, 8, 1, 2],
        )[0]
        case = self._case()
        invitee = rng.choice(INVITEES)
        if kind == "convene":
            children = ",".join(
                f"C{i}:20{rng.randint(10, 25)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
                for i in range(1, rng.randint(2, 3))
            )
            tags = ",".join(rng.sample(TAGS, rng.randint(0, 2)))
            known = ",".join(rng.sample(INVITEES, rng.randint(0, 2)))
            text = (
                f"/strategy convene {case} children={children} "
                f'category={rng.choice(CATEGORIES)} meeting="{rng.choice(MEETINGS)}"'
            )
            if tags:
                text += f" tags={tags}"
            if known:
                text += f" known={known}"
            if rng.random() < 0.3:
                text += ' identified="today 9am"'
            if rng.random() < 0.2:
                text += ' late_reason="the police officer is in court until then"'
            return rng.choice(CONVENORS), text
        if kind == "accept":
            return invitee, f"/strategy accept {case}"
        if kind == "decline":
            return invitee, f'/strategy decline {case} reason="on leave until Friday"'
        if kind == "delegate":
            return invitee, f"/strategy delegate {case} to={rng.choice(EVERYONE)}"
        if kind == "status":
            return rng.choice(EVERYONE), f"/strategy status {case}"
        if kind == "action":
            return rng.choice(CHAIRS + CONVENORS), (
                f"/strategy action {case} owner={rng.choice(EVERYONE)} "
                f'due="{rng.choice(DUES)}" text="Arrange a home visit with the family"'
            )
        action = self._action()
        if kind == "close":
            return rng.choice(EVERYONE), f'/strategy close {action} outcome="Visit completed"'
        if kind == "more-time":
            return rng.choice(EVERYONE), (
                f'/strategy more-time {action} due="{rng.choice(DUES)}" reason="GP records awaited"'
            )
        if kind == "approve":
            return rng.choice(CHAIRS), f"/strategy approve {action}"
        if kind == "refuse":
            return rng.choice(CHAIRS), f'/strategy refuse {action} reason="needed before the ICPC"'
        if kind == "snooze":
            return rng.choice(EVERYONE), f"/strategy snooze {action}"
        if kind == "reassign":
            return rng.choice(CHAIRS), f"/strategy reassign {action} to={rng.choice(EVERYONE)}"
        if kind == "actions":
            return rng.choice(EVERYONE), "/strategy actions"
        if kind == "record":
            fields = " ".join(
                f'{rng.choice(FIELDS)}="the risk is assessed as high tonight"'
                for _ in range(rng.randint(1, 3))
            )
            extra = rng.choice(
                [
                    "",
                    f"attended={rng.choice(CHAIRS)},{invitee}",
                    's47="joint: injuries"',
                    'family="share: nothing to withhold"',
                    "children=C1",
                    "show",
                ]
            )
            return rng.choice(CHAIRS), f"/strategy record {case} {fields} {extra}".strip()
        if kind == "finalise":
            return rng.choice(CHAIRS), f"/strategy record {case} finalise"
        if kind == "report":
            return rng.choice(CHAIRS), "/strategy report from=2026-11-01 to=2026-12-31 by=team"
        if kind == "reschedule":
            return rng.choice(CHAIRS + CONVENORS), (
                f'/strategy reschedule {case} meeting="{rng.choice(MEETINGS)}" '
                'reason="the police officer is in court"'
            )
        if kind == "cancel":
            return rng.choice(CHAIRS), f'/strategy cancel {case} reason="concern resolved"'
        if kind == "help":
            return rng.choice(EVERYONE), rng.choice(["/strategy help", "help", "/strategy"])
        if kind == "clock":
            move = rng.choice(
                [
                    "+30m",
                    "+90m",
                    "+2h",
                    "+1d",
                    "+1 working day",
                    "tomorrow 9am",
                    "",
                    "+3 working days",
                ]
            )
            return rng.choice(EVERYONE), f"clock {move}".strip()
        if kind == "who":
            return rng.choice(EVERYONE), "who"
        return rng.choice(EVERYONE), f"as {rng.choice(EVERYONE)}"

    # -- mutations --------------------------------------------------------------------

    def _mutate(self, text: str) -> str:
        rng = self.rng
        mutation = rng.randrange(16)
        words = text.split(" ")
        if mutation == 0:  # a quote lost or added
            at = rng.randrange(len(text) + 1)
            return (
                text.replace('"', "", 1)
                if '"' in text and rng.random() < 0.5
                else (text[:at] + rng.choice(['"', "'"]) + text[at:])
            )
        if mutation == 1:  # the command word's case
            return rng.choice(["/Strategy", "/STRATEGY", "Strategy", "STRATEGY", "/strategy"]) + (
                text[text.index(" ") :] if " " in text else ""
            )
        if mutation == 2:  # a space before or after '='
            return text.replace("=", rng.choice([" =", "= ", " = "]), 1)
        if mutation == 3:  # a runaway or odd time
            time = rng.choice(RUNAWAY_TIMES)
            for key in ("meeting=", "due=", "until=", "identified="):
                if key in text:
                    start = text.index(key) + len(key)
                    end = (
                        text.find('"', start + 1) + 1
                        if text[start : start + 1] == '"'
                        else (text.find(" ", start) if " " in text[start:] else len(text))
                    )
                    return text[:start] + f'"{time}"' + text[max(end, start) :]
            if text.startswith("clock"):
                return f"clock {time}"
            return text + f' due="{time}"'
        if mutation == 4:  # huge text
            size = rng.choice([300, 2500, 20_000, 120_000])
            blob = (rng.choice([*HOSTILE_TEXT, "lorem ipsum "]) * (size // 10 + 1))[:size]
            key = rng.choice(["reason", "text", "outcome", "risk", "late_reason", "case"])
            return text + f' {key}="{blob}"'
        if mutation == 5:  # hostile text in a value
            hostile = rng.choice(HOSTILE_TEXT)
            key = rng.choice(["reason", "text", "outcome", "risk", "concern", "children", "to"])
            return text + f' {key}="{hostile}"'
        if mutation == 6:  # invisible characters in identifiers
            at = rng.randrange(len(text) + 1)
            return text[:at] + rng.choice(INVISIBLES) + text[at:]
        if mutation == 7:  # control characters
            at = rng.randrange(len(text) + 1)
            return text[:at] + rng.choice(CONTROLS) + text[at:]
        if mutation == 8:  # a word dropped
            if len(words) > 1:
                words.pop(rng.randrange(1, len(words)))
            return " ".join(words)
        if mutation == 9:  # a word doubled
            if len(words) > 1:
                at = rng.randrange(1, len(words))
                words.insert(at, words[at])
            return " ".join(words)
        if mutation == 10:  # hostile text as the case reference or an id
            hostile = rng.choice([*HOSTILE_TEXT, "NV-" + "9" * 300, "../../etc/passwd", "*"])
            if len(words) > 2:
                words[2] = hostile if " " not in hostile else f'"{hostile}"'
            return " ".join(words)
        if mutation == 11:  # Slack mention syntax where an id goes
            mention = rng.choice(["<@U0123ABCD>", "<@U0123ABCD|ben>", "<!channel>", "@ben.okafor"])
            for key in ("to=", "owner=", "known=", "attended="):
                if key in text:
                    return text.replace(key, key + mention + ",", 1)
            return text + f" to={mention}"
        if mutation == 12:  # an unknown or empty option
            return text + rng.choice([" =", " ==", " x=", ' reason=""', " 🙂=1", " reason"])
        if mutation == 13:  # the words shuffled
            head, tail = words[:2], words[2:]
            rng.shuffle(tail)
            return " ".join(head + tail)
        if mutation == 14:  # lone surrogates (sent as such, not as UTF-8)
            at = rng.randrange(len(text) + 1)
            return text[:at] + rng.choice(["\ud800", "\udfff"]) + text[at:]
        # truncated anywhere
        return text[: rng.randrange(1, len(text) + 1)]

    def _bytes_line(self) -> bytes:
        """A line that is not UTF-8 at all, or is mostly binary noise."""
        rng = self.rng
        return rng.choice(
            [
                b'/strategy decline NV-40213 reason="caf\xe9 \xff\xfe"',
                b"as ben.ok\xc3\x28afor",
                b"\xed\xa0\x80 lone surrogate in UTF-8 form",
                bytes(rng.randrange(1, 256) for _ in range(rng.randint(1, 80))).replace(
                    b"\n", b" "
                ),
            ]
        )
