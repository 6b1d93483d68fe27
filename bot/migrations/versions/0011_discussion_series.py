"""a case's series of discussions: discussions numbered in their case, actions numbered across
the case, and each discussion's own copy of its children's dates

Revision ID: 0011_discussion_series
Revises: 0010_link_tokens
Create Date: 2026-12-02

Existing references are kept: every discussion gets its number in the order it was
convened, and every action keeps its number, except where an earlier version of the
bot gave a case's later discussion an action number its earlier one already had
(two NV-80001/A1): those later actions are renumbered after the case's highest, and
the audit trail says so (old and new reference). And the record shares: a final record
the chair let someone not invited read.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from bot.storage.types import UTCDateTime

revision: str = "0011_discussion_series"
down_revision: str | None = "0010_link_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    connection = op.get_bind()
    with op.batch_alter_table("discussion") as batch_op:
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("action") as batch_op:
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("discussion_child") as batch_op:
        batch_op.add_column(sa.Column("date_of_birth", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("expected_date", sa.Date(), nullable=True))

    op.create_table(
        "record_share",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("shared_by_id", sa.Integer(), nullable=False),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"]),
        sa.ForeignKeyConstraint(["discussion_id"], ["discussion.id"]),
        sa.ForeignKeyConstraint(["shared_by_id"], ["contact.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("discussion_id", "contact_id"),
    )

    _number_discussions(connection)
    _number_actions(connection)
    connection.execute(
        sa.text(
            "UPDATE discussion_child SET"
            " date_of_birth = (SELECT date_of_birth FROM child WHERE child.id = child_id),"
            " expected_date = (SELECT expected_date FROM child WHERE child.id = child_id)"
        )
    )

    with op.batch_alter_table("discussion") as batch_op:
        batch_op.create_unique_constraint("uq_discussion_case_number", ["case_id", "number"])
    with op.batch_alter_table("action") as batch_op:
        batch_op.alter_column("case_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key("fk_action_case_id_case", "case", ["case_id"], ["id"])
        batch_op.create_unique_constraint("uq_action_case_number", ["case_id", "number"])


def _number_discussions(connection: sa.Connection) -> None:
    rows = connection.execute(sa.text("SELECT id, case_id FROM discussion ORDER BY case_id, id"))
    counts: dict[int, int] = {}
    for discussion_id, case_id in rows.all():
        counts[case_id] = counts.get(case_id, 0) + 1
        connection.execute(
            sa.text("UPDATE discussion SET number = :number WHERE id = :id"),
            {"number": counts[case_id], "id": discussion_id},
        )


def _number_actions(connection: sa.Connection) -> None:
    rows = connection.execute(
        sa.text(
            'SELECT a.id, a.number, a.discussion_id, d.case_id, c.reference FROM action a'
            ' JOIN discussion d ON d.id = a.discussion_id JOIN "case" c ON c.id = d.case_id'
            " ORDER BY d.case_id, d.id, a.number"
        )
    ).all()
    highest: dict[int, int] = {}
    for _, number, _, case_id, _ in rows:
        highest[case_id] = max(highest.get(case_id, 0), number)
    used: dict[int, set[int]] = {}
    now = datetime.now(UTC)
    for action_id, number, discussion_id, case_id, reference in rows:
        taken = used.setdefault(case_id, set())
        new_number = number
        if number in taken:
            highest[case_id] += 1
            new_number = highest[case_id]
            connection.execute(
                sa.text(
                    "INSERT INTO audit_event (occurred_at, actor, event, discussion_id, details)"
                    " VALUES (:at, 'system', 'action_renumbered', :discussion, :details)"
                ).bindparams(
                    sa.bindparam("details", type_=sa.JSON()),
                    sa.bindparam("at", type_=UTCDateTime()),
                ),
                {
                    "at": now,
                    "discussion": discussion_id,
                    "details": {
                        "from": f"{reference}/A{number}",
                        "to": f"{reference}/A{new_number}",
                        "why": "action numbers are now unique within the case",
                    },
                },
            )
        taken.add(new_number)
        connection.execute(
            sa.text("UPDATE action SET case_id = :case, number = :number WHERE id = :id"),
            {"case": case_id, "number": new_number, "id": action_id},
        )


def downgrade() -> None:
    op.drop_table("record_share")
    with op.batch_alter_table("action") as batch_op:
        batch_op.drop_constraint("uq_action_case_number", type_="unique")
        batch_op.drop_constraint("fk_action_case_id_case", type_="foreignkey")
        batch_op.drop_column("case_id")
    with op.batch_alter_table("discussion") as batch_op:
        batch_op.drop_constraint("uq_discussion_case_number", type_="unique")
        batch_op.drop_column("number")
    with op.batch_alter_table("discussion_child") as batch_op:
        batch_op.drop_column("expected_date")
        batch_op.drop_column("date_of_birth")
