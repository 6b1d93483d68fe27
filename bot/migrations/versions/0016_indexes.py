"""indexes: the lookups that would otherwise scan whole tables as history grows

A case by its reference alone, someone's invitations and open actions, the
report's period, a version's deliveries, a discussion's audit events. On SQLite
the planner's statistics are refreshed afterwards (ANALYZE), so that it uses them.

Revision ID: 0016_indexes
Revises: 0015_link_items
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016_indexes"
down_revision: str | None = "0015_link_items"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_case_reference", "case", ["reference"]),
    ("ix_discussion_meeting_at", "discussion", ["meeting_at"]),
    ("ix_invitation_contact", "invitation", ["contact_id"]),
    ("ix_action_owner_status", "action", ["owner_id", "status"]),
    ("ix_audit_event_discussion", "audit_event", ["discussion_id", "event"]),
    ("ix_record_delivery_version", "record_delivery", ["record_version_id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE")


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
