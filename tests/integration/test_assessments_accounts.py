"""Users on a real database: creating, signing in, changing passwords, the first administrator."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assessments import accounts, passwords
from assessments.errors import InvalidInput, NotFound, NotPermitted
from assessments.models import AuditRecord, User
from tests.integration.test_assessments_world import FAST, fast_hashing, make_users  # noqa: F401

pytestmark = pytest.mark.usefixtures("fast_hashing")


def test_sign_in_returns_the_user_only_for_the_right_password(fresh_database):
    make_users(fresh_database)
    with fresh_database() as s:
        assert accounts.authenticate(s, "hr.admin", "correct horse battery").role == "admin"
        assert accounts.authenticate(s, "  HR.Admin ", "correct horse battery").username == "hr.admin"
        assert accounts.authenticate(s, "hr.admin", "wrong horse battery") is None
        assert accounts.authenticate(s, "nobody", "correct horse battery") is None


def test_an_unknown_user_costs_the_same_scrypt_work_as_a_wrong_password(fresh_database, monkeypatch):
    make_users(fresh_database)
    calls = []
    real = passwords._derive
    monkeypatch.setattr(passwords, "_derive", lambda *a: calls.append(a[2]) or real(*a))
    with fresh_database() as s:
        accounts.authenticate(s, "hr.admin", "wrong horse battery")
        accounts.authenticate(s, "nobody", "wrong horse battery")
    assert calls == [FAST, FAST]


def test_an_inactive_user_cannot_sign_in(fresh_database):
    make_users(fresh_database)
    with fresh_database() as s:
        s.scalars(select(User).where(User.username == "lead.one")).one().active = False
        s.commit()
        assert accounts.authenticate(s, "lead.one", "lead password 123") is None


def test_passwords_are_stored_only_as_scrypt_hashes(fresh_database):
    make_users(fresh_database)
    with fresh_database() as s:
        stored = s.scalars(select(User.password_hash)).all()
        assert all(h.startswith("scrypt$n=256,r=8,p=1$") for h in stored)
        assert not any("correct horse" in h for h in stored)


def test_raising_the_cost_rehashes_at_the_next_sign_in(fresh_database, monkeypatch):
    make_users(fresh_database)
    stronger = passwords.ScryptParams(n=2**9, r=8, p=1)
    monkeypatch.setattr(passwords, "CURRENT", stronger)
    with fresh_database() as s:
        assert accounts.authenticate(s, "hr.admin", "correct horse battery") is not None
    with fresh_database() as s:
        stored = accounts.find_user(s, "hr.admin").password_hash
        assert stored.startswith("scrypt$n=512,r=8,p=1$")
        assert accounts.authenticate(s, "hr.admin", "correct horse battery") is not None


@pytest.mark.parametrize(("username", "role", "password", "problem"), [
    pytest.param("hr.admin", "lead", "another long password", "already taken", id="taken"),
    pytest.param("HR.ADMIN", "lead", "another long password", "already taken", id="taken-other-capitals"),
    pytest.param("new.user", "boss", "another long password", "role: expected one of admin, lead, candidate",
                 id="bad-role"),
    pytest.param("new.user", "lead", "short", "password: the password must be at least 12", id="short-password"),
    pytest.param("x", "lead", "another long password", "username:", id="bad-username"),
])
def test_create_user_refusals(fresh_database, username, role, password, problem):
    admin, _ = make_users(fresh_database)
    with fresh_database() as s:
        with pytest.raises(InvalidInput) as caught:
            accounts.create_user(s, username, password, role, actor=admin)
        assert any(problem in p for p in caught.value.problems)


def test_only_an_admin_creates_users_and_it_is_audited(fresh_database):
    admin, lead = make_users(fresh_database)
    with fresh_database() as s:
        with pytest.raises(NotPermitted):
            accounts.create_user(s, "new.user", "another long password", "lead", actor=lead)
        user = accounts.create_user(s, "new.user", "another long password", "candidate", actor=admin)
        last = s.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc())).first()
        assert (last.actor, last.action, last.subject) == ("hr.admin", "user.created", f"user:{user.id}")
        assert "another long password" not in last.details_json


def test_change_password(fresh_database):
    _, lead = make_users(fresh_database)
    with fresh_database() as s:
        with pytest.raises(InvalidInput, match="not the current password"):
            accounts.change_password(s, lead.id, "wrong", "a brand new password")
        with pytest.raises(InvalidInput, match="at least 12"):
            accounts.change_password(s, lead.id, "lead password 123", "tiny")
        with pytest.raises(InvalidInput, match="must differ"):
            accounts.change_password(s, lead.id, "lead password 123", "lead password 123")
        with pytest.raises(NotFound):
            accounts.change_password(s, 999, "lead password 123", "a brand new password")
        accounts.change_password(s, lead.id, "lead password 123", "a brand new password")
    with fresh_database() as s:
        assert accounts.authenticate(s, "lead.one", "lead password 123") is None
        assert accounts.authenticate(s, "lead.one", "a brand new password") is not None
        actions = s.scalars(select(AuditRecord.action)).all()
        assert actions[-1] == "user.password_changed"


def test_first_start_generates_an_admin_password_once(fresh_database):
    with fresh_database() as s:
        first = accounts.ensure_admin(s, {})
        assert first.username == "admin" and len(first.generated_password) >= 20
        assert accounts.authenticate(s, "admin", first.generated_password).role == "admin"
        assert accounts.ensure_admin(s, {}) is None  # an admin exists: nothing made, nothing printed
        assert s.scalars(select(User)).all() == [accounts.find_user(s, "admin")]


def test_first_start_uses_the_configured_admin(fresh_database):
    env = {"CSR_SIM_ADMIN_USER": "HR.Chief", "CSR_SIM_ADMIN_PASSWORD": "configured admin password"}
    with fresh_database() as s:
        first = accounts.ensure_admin(s, env)
        assert (first.username, first.generated_password) == ("hr.chief", None)
        assert accounts.authenticate(s, "hr.chief", "configured admin password") is not None


def test_first_start_refuses_a_weak_configured_password(fresh_database):
    with fresh_database() as s:
        with pytest.raises(InvalidInput, match="at least 12"):
            accounts.ensure_admin(s, {"CSR_SIM_ADMIN_PASSWORD": "admin"})
        assert s.scalars(select(User)).all() == []


def test_first_start_reads_the_process_environment_by_default(fresh_database, monkeypatch):
    monkeypatch.setenv("CSR_SIM_ADMIN_USER", "env.admin")
    monkeypatch.setenv("CSR_SIM_ADMIN_PASSWORD", "environment password")
    with fresh_database() as s:
        assert accounts.ensure_admin(s).username == "env.admin"
