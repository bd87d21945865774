"""Rasa's SQL tracker store table (rasa.core.tracker_store.SQLTrackerStore), as the
project reads it: the inbox and the insights. Rasa owns it; nothing here writes to it
except the retention job, which deletes old rows."""
import sqlalchemy as sa

events = sa.table(
    "events",
    sa.column("id", sa.Integer), sa.column("sender_id", sa.String), sa.column("type_name", sa.String),
    sa.column("timestamp", sa.Float), sa.column("intent_name", sa.String), sa.column("action_name", sa.String),
    sa.column("data", sa.Text),
)
