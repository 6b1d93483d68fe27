"""find a time: the search for a meeting time and the poll's answers

Revision ID: 0014_find_a_time
Revises: 0011_discussion_series
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_find_a_time"
down_revision: str | None = "0011_discussion_series"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "time_search",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("slots", sa.JSON(), nullable=False),
        sa.Column("invitees", sa.JSON(), nullable=False),
        sa.Column("availability", sa.JSON(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("chosen_slot", sa.Integer(), nullable=True),
        sa.Column("closed_by", sa.String(length=20), nullable=True),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["discussion_id"], ["discussion.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("discussion_id"),
    )
    op.create_table(
        "poll_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("search_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("slots", sa.JSON(), nullable=False),
        sa.Column("suggested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"]),
        sa.ForeignKeyConstraint(["search_id"], ["time_search.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("search_id", "contact_id"),
    )


def downgrade() -> None:
    op.drop_table("poll_answer")
    op.drop_table("time_search")
