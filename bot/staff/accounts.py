"""Staff accounts: advisers (`agent`), content editors (`editor`) and administrators (`admin`).

Passwords are hashed with Argon2id (argon2-cffi); the hash carries its own
parameters, so stronger settings later re-hash old passwords at the next sign-in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import List, Optional

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bot.db import utcnow
from bot.schema import metadata, ready

ROLES = ("agent", "editor", "admin")
MIN_PASSWORD = 12
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")

hasher = PasswordHasher()
# Checked against when the username is unknown, so a wrong username takes as long as a wrong password.
_DUMMY_HASH = hasher.hash("not a real password")

staff = sa.Table(
    "staff", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(100), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_login_at", sa.DateTime, nullable=True),
)


class AccountError(ValueError):
    """A plain-English reason an account cannot be created or changed."""


@dataclass(frozen=True)
class StaffMember:
    id: int
    username: str
    display_name: str
    role: str
    active: bool

    def may(self, *roles: str) -> bool:
        """Admins may do everything; others only what their role is for."""
        return self.active and (self.role == "admin" or self.role in roles)


def _member(row) -> StaffMember:
    return StaffMember(id=row["id"], username=row["username"], display_name=row["display_name"],
                       role=row["role"], active=bool(row["active"]))


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"The password must be at least {MIN_PASSWORD} characters long.")


class StaffStore:
    def __init__(self, engine: sa.engine.Engine):
        self.engine = engine
        ready(engine)

    def add(self, username: str, display_name: str, role: str, password: str) -> StaffMember:
        username = username.strip().lower()
        if not USERNAME.match(username):
            raise AccountError("The username must be 2 to 63 letters, numbers, dots, dashes or underscores.")
        if role not in ROLES:
            raise AccountError(f"The role must be one of: {', '.join(ROLES)}.")
        display_name = " ".join(display_name.split())[:100]
        if not display_name:
            raise AccountError("Enter the name residents will see, like 'Sam' or 'Sam (adviser)'.")
        check_password(password)
        try:
            with self.engine.begin() as db:
                db.execute(staff.insert().values(
                    username=username, display_name=display_name, role=role, active=True,
                    password_hash=hasher.hash(password), created_at=utcnow()))
        except sa.exc.IntegrityError as error:
            raise AccountError(f"There is already an account called {username}.") from error
        return self.get(username)

    def get(self, username: str) -> Optional[StaffMember]:
        with self.engine.connect() as db:
            row = db.execute(sa.select(staff).where(staff.c.username == username.strip().lower())).mappings().first()
        return _member(row) if row else None

    def by_id(self, member_id: int) -> Optional[StaffMember]:
        with self.engine.connect() as db:
            row = db.execute(sa.select(staff).where(staff.c.id == member_id)).mappings().first()
        return _member(row) if row else None

    def all(self) -> List[StaffMember]:
        with self.engine.connect() as db:
            return [_member(row) for row in db.execute(sa.select(staff).order_by(staff.c.username)).mappings()]

    def authenticate(self, username: str, password: str) -> Optional[StaffMember]:
        """The member if the username and password match an active account, else None."""
        with self.engine.connect() as db:
            row = db.execute(sa.select(staff).where(staff.c.username == username.strip().lower())).mappings().first()
        try:
            hasher.verify(row["password_hash"] if row else _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if not row or not row["active"]:
            return None
        values = {"last_login_at": utcnow()}
        if hasher.check_needs_rehash(row["password_hash"]):
            values["password_hash"] = hasher.hash(password)
        with self.engine.begin() as db:
            db.execute(staff.update().where(staff.c.id == row["id"]).values(**values))
        return _member(row)

    def set_password(self, username: str, password: str) -> None:
        check_password(password)
        self._update(username, password_hash=hasher.hash(password))

    def set_active(self, username: str, active: bool) -> None:
        self._update(username, active=active)

    def _update(self, username: str, **values) -> None:
        with self.engine.begin() as db:
            changed = db.execute(staff.update().where(staff.c.username == username.strip().lower())
                                 .values(**values)).rowcount
        if not changed:
            raise AccountError(f"There is no account called {username}.")


@lru_cache(maxsize=None)
def default_staff() -> StaffStore:
    from bot.db import engine
    return StaffStore(engine())
