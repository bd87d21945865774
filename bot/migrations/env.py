"""Alembic's environment: run by `bot.schema` (which makes the configuration in code),
with the connection it passes, already in a transaction and holding the upgrade lock."""
import sqlalchemy as sa
from alembic import context

from bot.schema import include_name, load_all_tables

config = context.config
target_metadata = load_all_tables()   # for autogenerate: the tables the code defines


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot alter most things in place: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        include_name=include_name,    # leave Rasa's tables (events) alone
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if config.attributes.get("connection") is not None:
    run(config.attributes["connection"])
else:
    from bot.db import database_url
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url") or database_url(), future=True)
    with engine.connect() as connection:
        run(connection)
    engine.dispose()
