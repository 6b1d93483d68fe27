"""The services: each takes a Unit (the core and the open session), plain values, and returns
an Outcome. A service never opens or commits a transaction: the entry point that called it
(bot.app, bot.jobs) does, and sends what the service emitted (see bot/unit.py)."""
