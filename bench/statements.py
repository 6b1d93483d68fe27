"""What a referral asks of the database: SQL statements and lazy loads per referral, by where.

    python -m bench.statements [--referrals 48] [--days 4] [--top 30]

Runs `strategy-bot simulate` in this process (the real bot, a fresh SQLite
file, seed 1) and counts every statement the engine sends (a
`before_cursor_execute` listener) and every lazy load the ORM emits, each
put down to the bot's frames that led to it. Unlike CPU time on a shared
machine, the counts are the same on every run, so they show what a change
to the queries did. Prints the counts per referral, by kind of statement,
then the lazy loads and the statements by call site, most first. Asserts
nothing.
"""

from __future__ import annotations

import argparse
import traceback
from collections import Counter
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import strategies

from handlers.simulated import simulate


def _where() -> str:
    """The innermost three frames of the bot's own code, innermost first."""
    frames = [f for f in traceback.extract_stack()[:-2] if "/bot/" in f.filename]
    return " < ".join(
        f"{f.filename.rsplit('/bot/', 1)[-1]}:{f.lineno} {f.name}" for f in frames[-3:][::-1]
    )


def count(referrals: int, days: int) -> tuple[Counter[str], Counter[tuple[str, str]], Counter[str]]:
    """Statements by kind, by (statement, call site), and lazy loads by (relationship @ site)."""
    kinds: Counter[str] = Counter()
    sites: Counter[tuple[str, str]] = Counter()
    lazy: Counter[str] = Counter()

    def counted(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        kind = statement.split(None, 1)[0].upper()
        kinds[kind] += 1
        sites[(" ".join(statement.split())[:60], _where())] += 1

    loader = strategies._LazyLoader
    emit = loader._emit_lazyload

    def lazily(self: Any, *args: Any, **kwargs: Any) -> Any:
        lazy[f"{self.parent_property}  @ {_where()}"] += 1
        return emit(self, *args, **kwargs)

    event.listen(Engine, "before_cursor_execute", counted)
    loader._emit_lazyload = lazily  # type: ignore[method-assign]
    try:
        simulate(referrals, 1, days=days)
    finally:
        loader._emit_lazyload = emit  # type: ignore[method-assign]
        event.remove(Engine, "before_cursor_execute", counted)
    return kinds, sites, lazy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=48)
    parser.add_argument("--days", type=int, default=4)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    kinds, sites, lazy = count(args.referrals, args.days)
    n = args.referrals
    by_kind = ", ".join(f"{kind} {c / n:.1f}" for kind, c in kinds.most_common())
    print(f"{args.referrals} referrals over {args.days} days, seed 1, per referral:")
    print(f"  statements {sum(kinds.values()) / n:.1f} ({by_kind})")
    print(f"  lazy loads {sum(lazy.values()) / n:.1f}")
    print("\nLazy loads per referral, by relationship and call site:")
    for where, c in lazy.most_common(args.top):
        print(f"{c / n:7.1f}  {where}")
    print("\nStatements per referral, by statement and call site:")
    for (statement, where), c in sites.most_common(args.top):
        print(f"{c / n:7.1f}  {statement}  @ {where}")


if __name__ == "__main__":
    main()
