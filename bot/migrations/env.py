"""Alembic environment: runs migrations against the URL set by bot.storage.db."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from bot.storage import registry  # noqa: F401  (every model module, for the metadata)
from bot.storage.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url is not None, "set sqlalchemy.url (bot.storage.db.alembic_config does)"

if context.is_offline_mode():
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
