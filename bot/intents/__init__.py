"""The intent table: every action a person can take, and the one way in for every adapter.

- `intent`: an Intent (name, fields, who may, the service it runs) and the IntentTable;
  LEGACY_NAMES maps the names older buttons carry.
- `table`: INTENTS, strategy-bot's own intents.
- `text`: a typed `/strategy ...` command read as an intent and its fields.
- `values`: the one place every field value is checked before a service sees it.
- `forms`: an intent's form for one person and one item; buttons dressed for people.
- `choices`: what forms offer to choose from.

`bot.app.Bot` runs them: `Bot.command(actor, text)` and `Bot.act(actor, intent, fields)`.
"""

from bot.intents.intent import LEGACY_NAMES, Intent, IntentTable, Values, worded
from bot.intents.table import INTENTS

__all__ = ["INTENTS", "LEGACY_NAMES", "Intent", "IntentTable", "Values", "worded"]
