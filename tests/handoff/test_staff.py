"""Staff accounts, sessions and the sign-in throttle."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.db import utcnow
from bot.staff.accounts import AccountError, StaffStore
from bot.staff.sessions import SessionStore, sessions
from bot.staff.throttle import LOCK, LoginThrottle, attempts, lock_end

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


def test_throttle_locks_a_username_only_at_the_address_that_failed(engine):
    throttle = LoginThrottle(engine)
    delays = []
    for attempt in range(5):
        assert throttle.locked_until("sam", "10.0.0.1") is None
        delays.append(throttle.failed("sam", "10.0.0.1"))
    assert delays == [0, 0, 0.5, 1, 2]                 # answers slow down before the lock
    assert throttle.locked_until("SAM", "10.0.0.1") > utcnow() + timedelta(minutes=29)
    assert throttle.locked_until("sam", "10.0.0.2") is None    # the owner, elsewhere, signs in
    assert throttle.locked_until("alex", "10.0.0.1") is None
    throttle.succeeded("sam", "10.0.0.2")                       # ...which does not unlock the stranger
    assert throttle.locked_until("sam", "10.0.0.1") is not None
    assert throttle.unlock("sam", "10.0.0.1") == 5
    assert throttle.locked_until("sam", "10.0.0.1") is None


def test_a_lock_ends_when_it_said_however_often_it_is_tried(engine):
    throttle = LoginThrottle(engine)
    now = utcnow()
    with engine.begin() as db:
        db.execute(attempts.insert(), [{"username": "sam", "address": "10.0.0.1", "at": now - timedelta(minutes=m)}
                                       for m in (25, 24, 23, 22, 21)])
    until = throttle.locked_until("sam", "10.0.0.1")
    assert until == now - timedelta(minutes=21) + LOCK
    throttle.failed("sam", "10.0.0.1")          # a try that slipped in while locked (another process)
    assert throttle.locked_until("sam", "10.0.0.1") == until
    assert lock_end([now - timedelta(minutes=m) for m in (50, 49, 48, 47, 46)], 5) < now   # long over


def test_an_address_is_locked_only_after_many_failures_and_alone(engine):
    throttle = LoginThrottle(engine)
    for number in range(99):
        throttle.failed(f"user{number}", "10.0.0.9")
    assert throttle.locked_until("anyone", "10.0.0.9") is None
    throttle.failed("user99", "10.0.0.9")
    assert throttle.locked_until("anyone", "10.0.0.9") is not None
    assert throttle.locked_until("anyone", "10.0.0.8") is None
    assert throttle.unlock(address="10.0.0.9") == 100
    assert throttle.locked_until("anyone", "10.0.0.9") is None


def test_a_new_password_ends_the_accounts_other_sessions(accounts, engine):
    member = accounts.add("sam", "Sam", "agent", PASSWORD)
    store = SessionStore(engine, accounts)
    mine, other = store.start(member), store.start(member)
    store.change_password("sam", "another long password", keep=mine)
    assert store.get(mine) is not None and store.get(other) is None
    assert accounts.authenticate("sam", "another long password") is not None
