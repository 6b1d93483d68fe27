"""Imports every module that defines tables, so that Base.metadata knows them all.

Alembic's autogenerate and the schema tests read the metadata through this
module: a new module of models must be imported here.
"""

from bot.storage import (
    calendar_models,  # noqa: F401
    find_time_models,  # noqa: F401
    link_models,  # noqa: F401
    models,  # noqa: F401
    record_models,  # noqa: F401
    slack_models,  # noqa: F401
    teams_models,  # noqa: F401
)
