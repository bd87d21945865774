"""Alembic migrations of the project's database: `brackenford db upgrade` (also run at start).

`env.py` and `script.py.mako` are Alembic's; `versions/` holds one numbered file per change.
"""
