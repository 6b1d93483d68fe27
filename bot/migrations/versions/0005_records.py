"""records: versions (immutable once final) and their deliveries (append-only)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("correction_reason", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finalised_by_id", sa.Integer(), nullable=True),
        sa.Column("finalised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("circulation_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("document_markdown", sa.Text(), nullable=True),
        sa.Column("document_pdf", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["contact.id"]),
        sa.ForeignKeyConstraint(["discussion_id"], ["discussion.id"]),
        sa.ForeignKeyConstraint(["finalised_by_id"], ["contact.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("discussion_id", "version"),
    )
    op.create_table(
        "record_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_version_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"]),
        sa.ForeignKeyConstraint(["record_version_id"], ["record_version.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _protect()


def _protect() -> None:
    """A final record version never changes; deliveries are never changed or deleted."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION record_version_final_is_immutable() RETURNS trigger AS $$
            BEGIN
                IF OLD.status = 'final' THEN
                    RAISE EXCEPTION 'a finalised record version is immutable';
                END IF;
                IF TG_OP = 'DELETE' THEN
                    RETURN OLD;
                END IF;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER record_version_immutable BEFORE UPDATE OR DELETE ON record_version "
            "FOR EACH ROW EXECUTE FUNCTION record_version_final_is_immutable()"
        )
        op.execute(
            """
            CREATE FUNCTION record_delivery_is_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'record_delivery is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER record_delivery_append_only BEFORE UPDATE OR DELETE "
            "ON record_delivery FOR EACH ROW EXECUTE FUNCTION record_delivery_is_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER record_version_final_no_{verb.lower()} BEFORE {verb} "
                "ON record_version WHEN OLD.status = 'final' "
                "BEGIN SELECT RAISE(ABORT, 'a finalised record version is immutable'); END"
            )
            op.execute(
                f"CREATE TRIGGER record_delivery_no_{verb.lower()} BEFORE {verb} "
                "ON record_delivery "
                "BEGIN SELECT RAISE(ABORT, 'record_delivery is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER record_delivery_append_only ON record_delivery")
        op.execute("DROP FUNCTION record_delivery_is_append_only()")
        op.execute("DROP TRIGGER record_version_immutable ON record_version")
        op.execute("DROP FUNCTION record_version_final_is_immutable()")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER record_delivery_no_{verb}")
            op.execute(f"DROP TRIGGER record_version_final_no_{verb}")
    op.drop_table("record_delivery")
    op.drop_table("record_version")
