"""The simulation: a driving adapter whose users are synthetic people.

`strategy-bot simulate` plays referrals through the real bot, as chat users
would: `run.py` (the simulated world: clock, events, referrals), `people.py`
(the synthetic people, answering the messages they receive, the simulation's
ChatPort) and `model.yaml` (the behaviour model, as data; `model.py` reads it).
"""

from handlers.simulated.run import Result, compare_times, simulate

__all__ = ["Result", "compare_times", "simulate"]
