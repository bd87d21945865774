"""Staff accounts, sessions and the sign-in throttle."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.db import utcnow
from bot.staff.accounts import AccountError, StaffStore
from bot.staff.sessions import SessionStore, sessions
from bot.staff.throttle import LoginThrottle

PASSWORD = "correct horse battery"


@pytest.fixture
def engine(tmp_path):
    return sa.create_engine(f"sqlite:///{tmp_path / 's.db'}", future=True)


@pytest.fixture
def accounts(engine):
    return StaffStore(engine)


def test_passwords_are_hashed_with_argon2(accounts, engine):
    accounts.add("Sam", "Sam Adviser", "agent", PASSWORD)
    with engine.connect() as db:
        stored = db.execute(sa.text("select password_hash from staff")).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_authenticate(accounts):
    accounts.add("sam", "Sam", "agent", PASSWORD)
    assert accounts.authenticate("SAM ", PASSWORD).username == "sam"
    assert accounts.authenticate("sam", "wrong password!") is None
    assert accounts.authenticate("nobody", PASSWORD) is None
    accounts.set_active("sam", False)
    assert accounts.authenticate("sam", PASSWORD) is None


@pytest.mark.parametrize("username, role, password, message", [
    ("x", "agent", PASSWORD, "username"),
    ("sam", "boss", PASSWORD, "role"),
    ("sam", "agent", "short", "12 characters"),
])
def test_bad_accounts_are_refused_in_plain_words(accounts, username, role, password, message):
    with pytest.raises(AccountError, match=message):
        accounts.add(username, "Sam", role, password)


def test_duplicate_username(accounts):
    accounts.add("sam", "Sam", "agent", PASSWORD)
    with pytest.raises(AccountError, match="already"):
        accounts.add("sam", "Sam again", "agent", PASSWORD)


def test_roles():
    from bot.staff.accounts import StaffMember
    agent = StaffMember(1, "a", "A", "agent", True)
    admin = StaffMember(2, "b", "B", "admin", True)
    assert agent.may("agent") and not agent.may("editor")
    assert admin.may("agent") and admin.may("editor")
    assert not StaffMember(3, "c", "C", "agent", False).may("agent")


def test_sessions_store_only_a_hash_and_expire(accounts, engine, monkeypatch):
    member = accounts.add("sam", "Sam", "agent", PASSWORD)
    store = SessionStore(engine, accounts)
    token = store.start(member)
    with engine.connect() as db:
        assert token not in str(db.execute(sa.select(sessions)).all())
    session = store.get(token)
    assert session.member.username == "sam" and len(session.csrf_token) > 30
    assert store.get("made-up") is None and store.get(None) is None
    with engine.begin() as db:
        db.execute(sessions.update().values(last_seen_at=utcnow() - timedelta(hours=9)))
    assert store.get(token) is None
    token = store.start(member)
    accounts.set_active("sam", False)
    assert store.get(token) is None
    accounts.set_active("sam", True)
    store.end(token)
    assert store.get(token) is None


def test_throttle_blocks_after_five_failures_for_a_name_and_twenty_from_an_address(engine):
    throttle = LoginThrottle(engine)
    for attempt in range(5):
        assert not throttle.blocked("sam", "10.0.0.1")
        throttle.failed("sam", "10.0.0.1")
    assert throttle.blocked("sam", "10.0.0.2")
    assert not throttle.blocked("alex", "10.0.0.2")
    throttle.succeeded("sam")
    assert not throttle.blocked("sam", "10.0.0.2")
    for number in range(20):
        throttle.failed(f"user{number}", "10.0.0.9")
    assert throttle.blocked("anyone", "10.0.0.9")
