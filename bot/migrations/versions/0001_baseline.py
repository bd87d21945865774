"""Baseline: the tables as the code made them before migrations (each store's create_all).

Revision 0001, the first. A database made before migrations has these tables but no
alembic_version; `bot.schema.upgrade` records it as this revision without changing
it. Such a database has only the tables of the stores it had used, so this makes
only the tables that are missing: on a new database, all of them.

Written out on purpose: never import the tables from bot/ here.
"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _staff():
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("staff_pkey")),
        sa.UniqueConstraint("username", name=op.f("staff_username_key")),
    )


def _staff_sessions():
    op.create_table(
        "staff_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("staff_sessions_pkey")),
    )
    op.create_index(op.f("ix_staff_sessions_staff_id"), "staff_sessions", ["staff_id"])
    op.create_index(op.f("ix_staff_sessions_last_seen_at"), "staff_sessions", ["last_seen_at"])


def _staff_login_failures():
    op.create_table(
        "staff_login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("staff_login_failures_pkey")),
    )
    op.create_index(op.f("ix_staff_login_failures_username"), "staff_login_failures", ["username"])
    op.create_index(op.f("ix_staff_login_failures_address"), "staff_login_failures", ["address"])
    op.create_index(op.f("ix_staff_login_failures_at"), "staff_login_failures", ["at"])


def _feedback():
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("feedback_pkey")),
    )
    op.create_index(op.f("ix_feedback_conversation_id"), "feedback", ["conversation_id"])
    op.create_index(op.f("ix_feedback_created_at"), "feedback", ["created_at"])


def _escalations():
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("agent", sa.String(64), nullable=True),
        sa.Column("agent_name", sa.String(100), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("resident_seen_at", sa.DateTime(), nullable=True),
        sa.Column("resident_left_at", sa.DateTime(), nullable=True),
        sa.Column("callback_name", sa.String(100), nullable=True),
        sa.Column("callback_contact", sa.String(255), nullable=True),
        sa.Column("callback_time", sa.String(100), nullable=True),
        sa.Column("callback_about", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("escalations_pkey")),
    )
    for column in ("conversation_id", "reason", "status", "created_at", "outcome"):
        op.create_index(op.f(f"ix_escalations_{column}"), "escalations", [column])


def _service_reports():
    op.create_table(
        "service_reports",
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=True),
        sa.Column("service_code", sa.String(64), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("backoffice_reference", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("reference", name=op.f("service_reports_pkey")),
    )
    for column in ("conversation_id", "service_code", "state", "next_attempt_at", "backoffice_reference",
                   "created_at"):
        op.create_index(op.f(f"ix_service_reports_{column}"), "service_reports", [column])


def _studio_publishes():
    op.create_table(
        "studio_publishes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("started_by", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("stage", sa.Text(), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=True),
        sa.Column("understanding", sa.String(64), nullable=True),
        sa.Column("model_path", sa.Text(), nullable=True),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("f1", sa.Float(), nullable=True),
        sa.Column("stories_failed", sa.Integer(), nullable=True),
        sa.Column("baseline_accuracy", sa.Float(), nullable=True),
        sa.Column("baseline_stories_failed", sa.Integer(), nullable=True),
        sa.Column("previous_model_path", sa.Text(), nullable=True),
        sa.Column("live_at", sa.DateTime(), nullable=True),
        sa.Column("live_by", sa.String(64), nullable=True),
        sa.Column("rolled_back_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("studio_publishes_pkey")),
    )
    op.create_index(op.f("ix_studio_publishes_state"), "studio_publishes", ["state"])


def _studio_inbox_decisions():
    op.create_table(
        "studio_inbox_decisions",
        sa.Column("message_key", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("intent", sa.String(128), nullable=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("message_key", name=op.f("studio_inbox_decisions_pkey")),
    )


def _studio_audit():
    op.create_table(
        "studio_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("studio_audit_pkey")),
    )
    op.create_index(op.f("ix_studio_audit_at"), "studio_audit", ["at"])


def _insights_conversations():
    op.create_table(
        "insights_conversations",
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("fallbacks", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("sender_id", name=op.f("insights_conversations_pkey")),
    )
    op.create_index(op.f("ix_insights_conversations_channel"), "insights_conversations", ["channel"])
    op.create_index(op.f("ix_insights_conversations_started_at"), "insights_conversations", ["started_at"])
    op.create_index("ix_insights_conversations_started_answers", "insights_conversations",
                    ["started_at", "answers", "sender_id"])


def _insights_messages():
    op.create_table(
        "insights_messages",
        sa.Column("event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("topic", sa.String(200), nullable=True),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.Column("text", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("insights_messages_pkey")),
    )
    op.create_index(op.f("ix_insights_messages_sender_id"), "insights_messages", ["sender_id"])
    op.create_index("ix_insights_messages_sender_topic", "insights_messages", ["sender_id", "topic", "day"])
    op.create_index("ix_insights_messages_at_topic", "insights_messages", ["at", "topic"])
    op.create_index("ix_insights_messages_at_hour", "insights_messages", ["at", "hour"])
    op.create_index("ix_insights_messages_fallback_at", "insights_messages", ["fallback", "at"])


def _insights_state():
    op.create_table(
        "insights_state",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("insights_state_pkey")),
    )


# Each table with its indexes; `bot.schema` reads the names to recognise a database made before migrations.
TABLES = {
    "staff": _staff,
    "staff_sessions": _staff_sessions,
    "staff_login_failures": _staff_login_failures,
    "feedback": _feedback,
    "escalations": _escalations,
    "service_reports": _service_reports,
    "studio_publishes": _studio_publishes,
    "studio_inbox_decisions": _studio_inbox_decisions,
    "studio_audit": _studio_audit,
    "insights_conversations": _insights_conversations,
    "insights_messages": _insights_messages,
    "insights_state": _insights_state,
}


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, create in TABLES.items():
        if name not in existing:
            create()


def downgrade() -> None:
    for name in reversed(list(TABLES)):
        op.drop_table(name)
