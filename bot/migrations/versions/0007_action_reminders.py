"""actions: urgency, escalation and requests for more time

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("action") as batch_op:
        batch_op.add_column(
            sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("requested_due_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("request_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("action") as batch_op:
        batch_op.drop_column("request_reason")
        batch_op.drop_column("requested_due_at")
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("urgent")
