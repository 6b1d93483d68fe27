"""links: a link may be about a find-a-time poll or a finalised record version

Two nullable columns on link_token, each a foreign key with its index:
time_search_id (LinkItem "poll") and record_version_id (LinkItem "record").

Revision ID: 0015_link_items
Revises: 0012_outbox
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_link_items"
down_revision: str | None = "0012_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (column, referenced table) added by this revision
COLUMNS = (("time_search_id", "time_search"), ("record_version_id", "record_version"))


def upgrade() -> None:
    # batch mode: SQLite cannot add a foreign key to an existing table otherwise.
    with op.batch_alter_table("link_token") as table:
        for column, target in COLUMNS:
            table.add_column(sa.Column(column, sa.Integer(), nullable=True))
            table.create_foreign_key(f"fk_link_token_{column}", target, [column], ["id"])
            table.create_index(f"ix_link_token_{column}", [column])


def downgrade() -> None:
    with op.batch_alter_table("link_token") as table:
        for column, _target in COLUMNS:
            table.drop_index(f"ix_link_token_{column}")
            table.drop_constraint(f"fk_link_token_{column}", type_="foreignkey")
            table.drop_column(column)
