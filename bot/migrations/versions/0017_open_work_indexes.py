"""indexes: the discussions still to come, a discussion's outbox rows

`/strategy status` lists the discussions someone is invited to that have not
taken place: found among the scheduled ones (by status), not among all the
invitations the person ever had. A record's circulation deadline counts the
discussion's rows still pending or undeliverable in the outbox: by the
discussion, not among every undeliverable row there ever was. On SQLite the
planner's statistics are refreshed afterwards (ANALYZE), as in 0016.

Revision ID: 0017_open_work_indexes
Revises: 0016_indexes
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017_open_work_indexes"
down_revision: str | None = "0016_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_discussion_status", "discussion", ["status", "meeting_at"]),
    ("ix_outbox_discussion", "outbox", ["discussion_id", "status"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE")


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
