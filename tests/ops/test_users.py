"""Accounts: password hashing, usernames, authentication and its throttling."""

from __future__ import annotations

import string
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, make_user
from workbench.db import begin_write
from workbench.errors import Conflict, InvalidInput, PermissionDenied, TooManyAttempts
from workbench.models import LoginAddressFailure, LoginFailure, User
from workbench.ops.users import (
    MIN_PASSWORD,
    authenticate,
    check_login,
    create_user,
    generate_password,
    get_user_by_name,
    record_login,
    set_password,
)

HERE = "127.0.0.1"


def _failures(session, username="ann", address=HERE):
    return session.scalar(
        select(LoginFailure.count).where(
            LoginFailure.username == username, LoginFailure.address == address
        )
    )


def test_passwords_are_hashed_with_a_slow_hash(session):
    user = create_user(session, "ann", PASSWORD)
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
    other = create_user(session, "bob", PASSWORD)
    assert other.password_hash != user.password_hash  # salted
    assert (user.is_admin, user.is_active) == (False, True)
    assert create_user(session, "root", PASSWORD, is_admin=True).is_admin


@pytest.mark.usefixtures("fast_passwords")
@pytest.mark.parametrize(
    "username", ["", "   ", "has space", "tab\there", "x" * 81, "semi;colon", "ünï", "a/b"]
)
def test_bad_usernames_are_rejected(session, username):
    with pytest.raises(InvalidInput) as info:
        create_user(session, username, PASSWORD)
    assert info.value.field == "username"
    assert session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.usefixtures("fast_passwords")
@pytest.mark.parametrize("username", ["a", "ann.lee", "ann_lee-2", "ann@example.org", "x" * 80])
def test_good_usernames(session, username):
    assert create_user(session, f" {username} ", PASSWORD).username == username


@pytest.mark.usefixtures("fast_passwords")
def test_usernames_are_unique(session):
    create_user(session, "ann", PASSWORD)
    with pytest.raises(Conflict, match="taken"):
        create_user(session, " ann ", "another password")


@pytest.mark.usefixtures("fast_passwords")
def test_short_passwords_are_rejected(session):
    with pytest.raises(InvalidInput) as info:
        create_user(session, "ann", "x" * (MIN_PASSWORD - 1))
    assert info.value.field == "password"
    assert get_user_by_name(session, "ann") is None
    user = create_user(session, "ann", "x" * MIN_PASSWORD)
    old = user.password_hash
    with pytest.raises(InvalidInput):
        set_password(session, user, "short")
    assert user.password_hash == old


@pytest.mark.usefixtures("fast_passwords")
def test_set_password(session):
    user = make_user(session, "ann")
    set_password(session, user, "a new password")
    assert authenticate(session, "ann", "a new password", address=HERE) is user
    assert authenticate(session, "ann", PASSWORD, address=HERE) is None


def test_generated_passwords_are_long_and_different():
    first, second = generate_password(), generate_password()
    assert first != second
    assert len(first) >= 12


def test_a_generated_password_never_starts_with_a_dash():
    """A password given on a command line must not read as an option. Over 5,000
    passwords, a first character drawn like the others would be "-" about 78 times."""
    passwords = [generate_password() for _ in range(5_000)]
    assert not [p for p in passwords if p.startswith("-")]
    assert {p[0] for p in passwords} <= set(string.ascii_letters + string.digits)
    allowed = set(string.ascii_letters + string.digits + "-_")
    assert all(set(p) <= allowed and len(p) == 14 for p in passwords)
    assert len(set(passwords)) == len(passwords)


@pytest.mark.usefixtures("fast_passwords")
def test_authenticate(session):
    user = make_user(session, "ann")
    assert authenticate(session, "ann", PASSWORD, address=HERE) is user
    assert authenticate(session, " ann ", PASSWORD, address=HERE) is user
    assert authenticate(session, "ann", PASSWORD + "x", address=HERE) is None
    assert authenticate(session, "Ann", PASSWORD, address=HERE) is None
    assert authenticate(session, "nobody", PASSWORD, address=HERE) is None
    assert _failures(session, "nobody") == 1
    user.is_active = False
    assert authenticate(session, "ann", PASSWORD, address=HERE) is None


@pytest.mark.usefixtures("fast_passwords")
def test_a_success_clears_the_failures(session):
    user = make_user(session, "ann")
    for _ in range(3):
        assert authenticate(session, "ann", "wrong password", address=HERE) is None
    assert _failures(session) == 3
    assert authenticate(session, "ann", PASSWORD, address=HERE) is user
    assert _failures(session) is None


@pytest.mark.usefixtures("fast_passwords")
def test_throttling_after_too_many_failures(session):
    user = make_user(session, "ann")
    for _ in range(3):
        assert authenticate(session, "ann", "wrong", address=HERE, max_failures=3) is None
    session.commit()
    # now even the right password is refused, without being checked
    with pytest.raises(PermissionDenied, match=r"Too many failed logins. Try again in \d+ seconds"):
        authenticate(session, "ann", PASSWORD, address=HERE, max_failures=3)
    assert _failures(session) == 3
    # another address, or another username, is not affected
    assert authenticate(session, "ann", PASSWORD, address="10.0.0.9", max_failures=3) is user
    make_user(session, "bob")
    assert authenticate(session, "bob", PASSWORD, address=HERE, max_failures=3).username == "bob"
    # when the lockout is over, the right password works again
    failure = session.scalar(select(LoginFailure).where(LoginFailure.username == "ann"))
    failure.last_at = datetime.now(UTC) - timedelta(seconds=301)
    session.flush()
    assert authenticate(session, "ann", PASSWORD, address=HERE, max_failures=3) is user
    assert _failures(session) is None


@pytest.mark.usefixtures("fast_passwords")
def test_after_the_lockout_the_count_starts_again(session):
    make_user(session, "ann")
    for _ in range(2):
        authenticate(session, "ann", "wrong", address=HERE, max_failures=2, lockout_seconds=0)
    assert _failures(session) == 2
    # lockout of zero seconds: the next attempt is checked, and a failure counts from one
    assert (
        authenticate(session, "ann", "wrong", address=HERE, max_failures=2, lockout_seconds=0)
        is None
    )
    assert _failures(session) == 1


@pytest.mark.usefixtures("fast_passwords")
def test_unknown_users_are_throttled_too(session):
    for _ in range(2):
        assert authenticate(session, "ghost", "guess", address=HERE, max_failures=2) is None
    with pytest.raises(PermissionDenied):
        authenticate(session, "ghost", "guess", address=HERE, max_failures=2)


@pytest.mark.usefixtures("fast_passwords")
def test_long_usernames_and_addresses_are_cut_to_fit(session):
    name, address = "g" * 500, "a" * 500
    assert authenticate(session, name, "guess", address=address) is None
    session.commit()
    failure = session.scalar(select(LoginFailure))
    assert (len(failure.username), len(failure.address)) == (80, 64)
    assert failure.last_at.tzinfo is not None


@pytest.mark.usefixtures("fast_passwords")
def test_usernames_differing_only_in_case_are_one_name(session):
    make_user(session, "Ann")
    with pytest.raises(Conflict, match="'Ann' is taken"):
        make_user(session, "ann")


@pytest.mark.usefixtures("fast_passwords")
def test_failures_from_two_sessions_add_up(session, session_factory):
    make_user(session, "ann")
    session.commit()
    with session_factory() as other:
        authenticate(other, "ann", "wrong password", address="10.0.0.1")
        other.commit()
    assert authenticate(session, "ann", "wrong again", address="10.0.0.1") is None
    session.commit()
    count = session.scalar(select(LoginFailure.count).where(LoginFailure.username == "ann"))
    assert count == 2


@pytest.mark.usefixtures("fast_passwords")
def test_a_login_checked_before_a_lockout_began_is_refused_when_recorded(session):
    """Logins sent together are all checked before any is recorded; those recorded
    after the lockout began are refused, the right password too, and not counted."""
    user = make_user(session, "ann")
    session.commit()
    right = check_login(session, "ann", PASSWORD, address=HERE, max_failures=3)
    wrong = check_login(session, "ann", "guess", address=HERE, max_failures=3)
    assert right.user is user
    for _ in range(3):
        authenticate(session, "ann", "wrong", address=HERE, max_failures=3)
    for attempt in (right, wrong):
        with pytest.raises(PermissionDenied, match="Too many failed logins"):
            record_login(session, attempt)
    assert _failures(session) == 3


@pytest.mark.usefixtures("fast_passwords")
def test_a_late_failure_does_not_undo_a_new_lockout(session):
    make_user(session, "ann")
    for _ in range(2):
        authenticate(session, "ann", "wrong", address=HERE, max_failures=2)
    failure = session.scalar(select(LoginFailure).where(LoginFailure.username == "ann"))
    failure.last_at = datetime.now(UTC) - timedelta(seconds=301)  # the lockout ran out
    session.flush()
    late = check_login(session, "ann", "guess", address=HERE, max_failures=2)
    # Meanwhile two failures lock the name again (the first counts from one).
    for _ in range(2):
        authenticate(session, "ann", "wrong", address=HERE, max_failures=2)
    assert _failures(session) == 2
    with pytest.raises(PermissionDenied):
        record_login(session, late)
    assert _failures(session) == 2


@pytest.mark.usefixtures("fast_passwords")
def test_a_burst_of_parallel_logins_is_capped_at_the_limit(session, session_factory, engine):
    """Six wrong passwords checked together, none recorded yet and no failure on
    record: however their records interleave (on PostgreSQL they wait for each
    other's row lock), exactly ``max_failures`` are counted and the rest refused.
    (A right password recorded after the lockout began is refused too: see above.)"""
    import threading

    make_user(session, "ann")
    session.commit()
    wrong = [
        check_login(session, "ann", f"guess{i}", address=HERE, max_failures=3) for i in range(6)
    ]
    session.rollback()
    first = session_factory()
    begin_write(first)  # as the login page does (on SQLite: BEGIN IMMEDIATE)
    record_login(first, wrong[0])  # recorded, not yet committed: the others must wait
    first.flush()
    results = []

    def record(attempt):
        with session_factory() as other:
            begin_write(other)
            try:
                results.append(record_login(other, attempt))
                other.commit()
            except PermissionDenied as exc:
                other.rollback()
                results.append(exc)

    threads = [threading.Thread(target=record, args=(a,)) for a in wrong[1:]]
    for thread in threads:
        thread.start()
    time.sleep(0.3 if engine.dialect.name == "postgresql" else 0)
    first.commit()
    first.close()
    for thread in threads:
        thread.join(30)
    outcomes = sorted("refused" if isinstance(r, PermissionDenied) else repr(r) for r in results)
    assert outcomes == ["None"] * 2 + ["refused"] * 3
    assert _failures(session) == 3


@pytest.fixture
def counted_hashes(monkeypatch):
    """Count the password hash checks (the slow part of a login), made cheap."""
    import workbench.ops.users as users_ops

    calls = []

    def check(password_hash, password):
        calls.append(password)
        return password == PASSWORD

    monkeypatch.setattr(users_ops, "check_password_hash", check)
    return calls


def _rows(session, model=LoginFailure):
    return session.scalar(select(func.count()).select_from(model))


@pytest.mark.usefixtures("fast_passwords")
def test_an_address_that_fails_too_often_is_refused_before_any_hash(session, counted_hashes):
    """Issue 9, item 5: wrong passwords for new usernames each cost a hash; past the
    address's limit none is computed, for any username, the right password too."""
    make_user(session, "ann")
    options = {"address": HERE, "address_max_failures": 5, "lockout_seconds": 300}
    for i in range(5):
        assert authenticate(session, f"new{i}", "guess", **options) is None
    assert len(counted_hashes) == 5
    for name, password in [("new99", "guess"), ("ann", PASSWORD), ("new0", "guess")]:
        with pytest.raises(TooManyAttempts) as info:
            authenticate(session, name, password, **options)
        assert info.value.status == 429
        assert str(info.value).startswith("Too many failed logins from your address. Try again in")
        assert 290 <= info.value.retry_after <= 301
    assert len(counted_hashes) == 5
    # Another address is not affected; a success there does not clear this one.
    assert authenticate(session, "ann", PASSWORD, **{**options, "address": "10.0.0.9"}).id
    with pytest.raises(TooManyAttempts):
        authenticate(session, "ann", PASSWORD, **options)


@pytest.mark.usefixtures("fast_passwords")
def test_a_success_does_not_reset_the_count_of_its_address(session, counted_hashes):
    make_user(session, "ann")
    options = {"address": HERE, "address_max_failures": 3}
    for i in range(2):
        authenticate(session, f"new{i}", "guess", **options)
    assert authenticate(session, "ann", PASSWORD, **options) is not None
    authenticate(session, "new2", "guess", **options)
    with pytest.raises(TooManyAttempts):
        authenticate(session, "new3", "guess", **options)


@pytest.mark.usefixtures("fast_passwords")
def test_ten_thousand_failures_with_new_usernames_leave_the_table_bounded(session, counted_hashes):
    for i in range(10_000):
        try:
            authenticate(session, f"user{i}", "guess", address=HERE)
        except TooManyAttempts:
            pass
    session.commit()
    assert len(counted_hashes) == 50  # WORKBENCH_LOGIN_ADDRESS_MAX_FAILURES's default
    assert _rows(session) == 50
    assert _rows(session, LoginAddressFailure) == 1


@pytest.mark.usefixtures("fast_passwords")
def test_an_address_waiting_out_its_lockouts_keeps_at_most_its_limit_of_rows(
    session, counted_hashes, monkeypatch
):
    """Each lockout that runs out lets the address guess again; the username rows it
    made before are not forgotten yet, but its oldest go: it never holds more than
    the limit."""
    import workbench.ops.users as users_ops

    clock = [datetime.now(UTC)]
    monkeypatch.setattr(users_ops, "_now", lambda: clock[0])
    options = {"address": HERE, "address_max_failures": 5, "lockout_seconds": 60}
    for round_ in range(10):
        for i in range(8):
            try:
                authenticate(session, f"r{round_}u{i}", "guess", **options)
            except TooManyAttempts:
                pass
        assert _rows(session) <= 5
        clock[0] += timedelta(seconds=61)
    assert len(counted_hashes) == 50
    # The newest survive: the last round's names.
    names = set(session.scalars(select(LoginFailure.username)))
    assert names == {f"r9u{i}" for i in range(5)}


@pytest.mark.usefixtures("fast_passwords")
def test_failures_are_forgotten_after_a_while_whatever_the_addresses(
    session, counted_hashes, monkeypatch
):
    """A flood from ever new addresses (each under its limit) leaves only the
    failures of the last LOGIN_FORGET_SECONDS in the tables."""
    import workbench.ops.users as users_ops

    clock = [datetime.now(UTC)]
    monkeypatch.setattr(users_ops, "_now", lambda: clock[0])
    for i in range(2_000):
        authenticate(
            session, f"user{i}", "guess", address=f"10.0.{i // 250}.{i % 250}", forget_seconds=100
        )
        clock[0] += timedelta(seconds=1)
    session.commit()
    assert len(counted_hashes) == 2_000
    # failures of the last 300 s (the lockout, which is longer than forget_seconds)
    assert 299 <= _rows(session) <= 301
    assert 299 <= _rows(session, LoginAddressFailure) <= 301
    # A failure not yet forgotten still counts.
    recent = session.scalar(select(LoginFailure).where(LoginFailure.username == "user1999"))
    assert recent.count == 1
