"""discussion status index: someone's upcoming discussions without their history

The status list (`/strategy status` with no case) reads the discussions still
to be held (scheduled, or a time being found) and keeps those the person is
invited to: by (status, meeting_at), that is the partnership's open workload,
where starting from the person's invitations read every discussion they were
ever invited to. On SQLite the planner's statistics are refreshed afterwards.

Revision ID: 0017_discussion_status
Revises: 0016_indexes
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017_discussion_status"
down_revision: str | None = "0016_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_discussion_status", "discussion", ["status", "meeting_at"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE")


def downgrade() -> None:
    op.drop_index("ix_discussion_status", table_name="discussion")
