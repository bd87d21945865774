"""SQLite: name the staff username's unique constraint, as everywhere else.

Revision 0003, after 0002. Before migrations, create_all left it unnamed on SQLite
(PostgreSQL named it staff_username_key itself; the baseline names it so on new
databases). SQLite cannot rename a constraint, so the table is copied with the name.
Nothing to do on PostgreSQL or on a SQLite database made by the migrations.
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NAMES = {"pk": "%(table_name)s_pkey", "uq": "%(table_name)s_%(column_0_name)s_key"}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    unnamed = [found for found in sa.inspect(bind).get_unique_constraints("staff") if not found["name"]]
    if unnamed:
        with op.batch_alter_table("staff", recreate="always", naming_convention=NAMES):
            pass


def downgrade() -> None:
    pass      # the name does no harm
