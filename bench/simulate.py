"""What a referral costs: the simulation's CPU per referral as the year grows.

    python -m bench.simulate [--sizes 100,400,3000] [--per-day 12] [--seed 1] [--profile 100]

Each size runs `strategy-bot simulate` in this process (the real bot, on a
fresh SQLite file and a simulated clock) with that many referrals spread over
`size / per-day` working days, so the load on any one day is the same at every
size: 3,000 referrals at 12 a working day is a year of a large local authority.
It prints the CPU time of each run, the CPU per referral and the marginal cost
between sizes (what one more referral costs, without the start-up), which
should stay flat if nothing grows with history, and the messages sent per
referral with the CPU per message (a longer period nudges open actions on more
days: more work per referral, not dearer work). `--profile N` also runs N
referrals under cProfile and prints where their time goes, in buckets (the
ORM and SQL layer, SQLite itself, templates, the PDF, the bot's own code).
Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import math
import pstats
import time
from dataclasses import dataclass

from handlers.simulated import simulate

OTHER = "Python built-ins and the standard library"
# Where a function's own time is counted, by the first pattern its file matches.
BUCKETS = (
    ("sqlite3 (the database itself)", ("method 'execute' of 'sqlite3", "of 'sqlite3.Connection'")),
    ("SQLAlchemy ORM (sessions, loading, unit of work)", ("sqlalchemy/orm/",)),
    ("SQLAlchemy Core (statements, compiling, results)", ("sqlalchemy/",)),
    ("templates (jinja2)", ("jinja2/",)),
    ("PDF and charts (fpdf, PIL, fontTools)", ("fpdf/", "PIL/", "fontTools/")),
    ("calendar documents (icalendar)", ("icalendar/",)),
    ("the bot's outbox", ("bot/outbox/",)),
    ("the bot's own code (services, record, intents...)", ("/bot/",)),
    ("the simulation's people", ("handlers/simulated/",)),
    ("imports", ("<frozen importlib", "marshal")),
)


@dataclass(frozen=True)
class Run:
    referrals: int
    days: int
    cpu: float
    sent: int  # chat messages and emails: the work the referrals gave the bot

    @property
    def per_message_ms(self) -> float:
        return self.cpu / max(1, self.sent) * 1000

    @property
    def per_referral_ms(self) -> float:
        return self.cpu / self.referrals * 1000


def days_for(referrals: int, per_day: int) -> int:
    return max(1, math.ceil(referrals / per_day))


def measure(referrals: int, per_day: int, seed: int) -> Run:
    days = days_for(referrals, per_day)
    started = time.process_time()
    result = simulate(referrals, seed, days=days)
    return Run(referrals, days, time.process_time() - started, result.messages + result.emails)


def buckets(referrals: int, per_day: int, seed: int) -> tuple[float, list[tuple[str, float]]]:
    """Own time per bucket of a profiled run, largest first (with the run's total)."""
    profile = cProfile.Profile()
    profile.enable()
    simulate(referrals, seed, days=days_for(referrals, per_day))
    profile.disable()
    stats = pstats.Stats(profile)
    spent: dict[str, float] = {}
    for (filename, _line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{filename} {name}"
        label = next((b for b, marks in BUCKETS if any(m in where for m in marks)), OTHER)
        spent[label] = spent.get(label, 0.0) + row[2]  # the function's own time
    total = sum(spent.values())
    return total, sorted(spent.items(), key=lambda item: -item[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,400,3000")
    parser.add_argument("--per-day", type=int, default=12, help="referrals a working day")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", type=int, default=0, help="also profile this many")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"Simulation, {args.per_day} referrals a working day, seed {args.seed} (CPU seconds)")
    print(
        f"{'referrals':>10} {'days':>5} {'CPU s':>8} {'ms/referral':>12} {'marginal ms':>12}"
        f" {'messages/referral':>18} {'ms/message':>11}"
    )
    previous: Run | None = None
    for size in sizes:
        run = measure(size, args.per_day, args.seed)
        marginal = ""
        if previous is not None and run.referrals > previous.referrals:
            extra = (run.cpu - previous.cpu) / (run.referrals - previous.referrals)
            marginal = f"{extra * 1000:.0f}"
        print(
            f"{run.referrals:>10,} {run.days:>5} {run.cpu:>8.1f} "
            f"{run.per_referral_ms:>12.0f} {marginal:>12}"
            f" {run.sent / run.referrals:>18.1f} {run.per_message_ms:>11.1f}",
            flush=True,
        )
        previous = run
    if args.profile:
        total, spent = buckets(args.profile, args.per_day, args.seed)
        print(f"\nWhere {args.profile} referrals' time goes (cProfile, own time, {total:.1f} s):")
        for label, seconds in spent:
            print(f"  {seconds / total:6.1%}  {label}")


if __name__ == "__main__":
    main()
