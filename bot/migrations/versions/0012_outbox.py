"""outbox: durable delivery of every message, and one thread-binding table for all channels

Moves slack_message and teams_message into thread_binding. A Teams row is keyed
by its conversation, not its recipient: it arrives as "teams-id:<Teams identity>"
and the Teams channel gives it the contact key at start-up, from the directory
(handlers/teams/chat.py adopt_bindings).

Revision ID: 0012_outbox
Revises: 0014_find_a_time
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_outbox"
down_revision: str | None = "0014_find_a_time"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("delivery", sa.String(length=20), nullable=False),
        sa.Column("thread", sa.String(length=120), nullable=True),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("discussion_id", sa.Integer(), nullable=True),
        sa.Column("channels", sa.JSON(), nullable=True),
        sa.Column("channel_index", sa.Integer(), nullable=False),
        sa.Column("refusals", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("leased_by", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_on", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["discussion_id"], ["discussion.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_thread", "outbox", ["recipient", "thread"])
    op.create_table(
        "thread_binding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("thread", sa.String(length=120), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=800), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("recipient", "thread"),
    )
    op.execute(
        "INSERT INTO thread_binding (recipient, thread, channel, reference, updated_at) "
        "SELECT recipient, thread, 'slack', channel || ' ' || ts, "
        "COALESCE(updated_at, posted_at) FROM slack_message"
    )
    op.execute(
        "INSERT INTO thread_binding (recipient, thread, channel, reference, updated_at) "
        "SELECT 'teams-id:' || c.key, m.thread, 'teams', "
        "m.conversation_id || ' ' || m.activity_id, m.updated_at "
        "FROM teams_message m JOIN teams_conversation c ON c.conversation_id = m.conversation_id "
        "WHERE c.key NOT LIKE 'channel:%'"
    )
    op.execute(
        "INSERT INTO thread_binding (recipient, thread, channel, reference, updated_at) "
        "SELECT substr(c.key, 9), m.thread, 'teams', "
        "m.conversation_id || ' ' || m.activity_id, m.updated_at "
        "FROM teams_message m JOIN teams_conversation c ON c.conversation_id = m.conversation_id "
        "WHERE c.key LIKE 'channel:%'"
    )
    op.drop_table("slack_message")
    op.drop_table("teams_message")


def downgrade() -> None:
    op.create_table(
        "teams_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=400), nullable=False),
        sa.Column("thread", sa.String(length=120), nullable=False),
        sa.Column("activity_id", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation_id", "thread"),
    )
    op.create_table(
        "slack_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("thread", sa.String(length=120), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("ts", sa.String(length=40), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("recipient", "thread"),
    )
    op.drop_table("thread_binding")
    op.drop_index("ix_outbox_thread", table_name="outbox")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
