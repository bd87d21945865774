"""Progress from the back office: each report's changes, followers, polls and messages to residents.

Revision 0004, after 0003.
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("service_reports") as batch:
        batch.add_column(sa.Column("told_reference", sa.String(64), nullable=True))
    op.create_table(
        "report_updates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("change_key", sa.String(128), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("report_updates_pkey")),
        sa.UniqueConstraint("reference", "change_key", name=op.f("report_updates_reference_key")),
    )
    op.create_index(op.f("ix_report_updates_reference"), "report_updates", ["reference"])
    op.create_table(
        "report_subscribers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("service_code", sa.String(64), nullable=False),
        sa.Column("email", sa.String(255), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("conversation_id", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("report_subscribers_pkey")),
    )
    op.create_index(op.f("ix_report_subscribers_reference"), "report_subscribers", ["reference"])
    op.create_table(
        "update_polls",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("polled_to", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("update_polls_pkey")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("recipient", sa.String(255), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("notifications_pkey")),
    )
    for column in ("reference", "state", "next_attempt_at", "created_at"):
        op.create_index(op.f(f"ix_notifications_{column}"), "notifications", [column])


def downgrade() -> None:
    for table in ("notifications", "update_polls", "report_subscribers", "report_updates"):
        op.drop_table(table)
    with op.batch_alter_table("service_reports") as batch:
        batch.drop_column("told_reference")
