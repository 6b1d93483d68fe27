"""scheduled work: a payload for handlers, and a key that collapses duplicates

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("scheduled_work") as batch_op:
        batch_op.add_column(sa.Column("payload", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("key", sa.String(length=120), nullable=True))
        batch_op.create_index("ix_scheduled_work_key", ["key", "status"])


def downgrade() -> None:
    with op.batch_alter_table("scheduled_work") as batch_op:
        batch_op.drop_index("ix_scheduled_work_key")
        batch_op.drop_column("key")
        batch_op.drop_column("payload")
