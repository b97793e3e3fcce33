"""Users, roles and sign-in; the first administrator; the local storage secret.

Roles: ``admin`` (HR administrator: every exam action), ``lead`` (proctors sessions:
opens and closes them, issues access codes at the door), ``candidate``. Each HR service
checks the acting user with ``require(user, permission)``.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessments import audit
from assessments.errors import InvalidInput, NotFound, NotPermitted, validated
from assessments.models import User
from assessments.passwords import (
    dummy_verify,
    generate_password,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from results.models import utcnow

ROLES = ("admin", "lead", "candidate")
PERMISSIONS: dict[str, frozenset[str]] = {
    "manage_users": frozenset({"admin"}),
    "manage_exams": frozenset({"admin"}),  # profiles, sessions, rosters
    "decide_attempts": frozenset({"admin"}),  # retakes, interrupted attempts
    "run_session": frozenset({"admin", "lead"}),  # open/close a session, issue codes
}
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{2,63}")
SECRET_FILE = "storage_secret"
ADMIN_USER_ENV = "CSR_SIM_ADMIN_USER"
ADMIN_PASSWORD_ENV = "CSR_SIM_ADMIN_PASSWORD"

class NewUser(BaseModel):
    username: str
    role: str
    password: str

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        value = value.strip().lower()
        if not _USERNAME.fullmatch(value):
            raise ValueError("use 3 to 64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit")
        return value

    @field_validator("role")
    @classmethod
    def _role(cls, value: str) -> str:
        if value not in ROLES:
            raise ValueError(f"expected one of {', '.join(ROLES)}, not {value!r}")
        return value

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        problems = password_problems(value)
        if problems:
            raise ValueError("; ".join(problems))
        return value


def require(user: User | None, permission: str) -> User:
    """Return ``user`` if its role grants ``permission``; otherwise raise NotPermitted."""
    allowed = PERMISSIONS[permission]
    if user is None or not user.active or user.role not in allowed:
        who = "nobody signed in" if user is None else f"{user.username} ({user.role})"
        raise NotPermitted(f"{permission.replace('_', ' ')} needs the role {' or '.join(sorted(allowed))}; "
                           f"{who} may not")
    return user


def find_user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username.strip().lower())).first()


def create_user(session: Session, username: str, password: str, role: str, *, actor: User | None = None) -> User:
    """Add a user (admin only, except the first administrator made by ``ensure_admin``).

    Raises InvalidInput for a bad username, role or password, or a username already taken.
    """
    if actor is not None:
        require(actor, "manage_users")
    new = validated(NewUser, {"username": username, "role": role, "password": password})
    if find_user(session, new.username) is not None:
        raise InvalidInput([f"username: {new.username!r} is already taken"])
    user = User(username=new.username, role=new.role, password_hash=hash_password(new.password))
    session.add(user)
    session.flush()
    audit.record(session, actor.username if actor else "system", "user.created", f"user:{user.id}",
                 {"username": user.username, "role": user.role})
    session.commit()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None.

    An unknown username, an inactive user and a wrong password all do the same scrypt work
    and all answer None. A hash made with older parameters is replaced on success.
    """
    user = find_user(session, username)
    if user is None or not user.active:
        dummy_verify(password)  # the same scrypt work as a wrong password: the timing tells nothing
        return None
    if not verify_password(password, user.password_hash):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.commit()
    return user


def change_password(session: Session, user_id: int, current_password: str, new_password: str) -> User:
    """Change a user's own password after checking the current one (InvalidInput if refused)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    if not verify_password(current_password, user.password_hash):
        raise InvalidInput(["current password: it is not the current password"])
    problems = password_problems(new_password)
    if new_password == current_password:
        problems.append("the new password must differ from the current one")
    if problems:
        raise InvalidInput([f"new password: {p}" for p in problems])
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    audit.record(session, user.username, "user.password_changed", f"user:{user.id}")
    session.commit()
    return user


@dataclass(frozen=True)
class FirstAdmin:
    """The administrator made at first start; ``password`` is set only when it was generated."""

    username: str
    generated_password: str | None


def ensure_admin(session: Session, env: Mapping[str, str] | None = None) -> FirstAdmin | None:
    """At first start, make an administrator if there is none; otherwise return None.

    The username comes from CSR_SIM_ADMIN_USER (default ``admin``) and the password from
    CSR_SIM_ADMIN_PASSWORD; without one a strong password is generated and returned in
    ``generated_password`` so the caller can print it once. It is not stored anywhere else.
    """
    env = os.environ if env is None else env
    if session.scalar(select(func.count()).select_from(User).where(User.role == "admin")):
        return None
    username = env.get(ADMIN_USER_ENV) or "admin"
    password = env.get(ADMIN_PASSWORD_ENV) or None
    generated = generate_password() if password is None else None
    create_user(session, username, password or generated, "admin")
    return FirstAdmin(username.strip().lower(), generated)


def storage_secret(data_dir: Path) -> str:
    """The installation's random secret, made at first start in ``data_dir`` (mode 0600).

    The file is written under a temporary name and linked into place, so a second process
    starting at the same moment never reads a half-written secret; whichever link wins is
    the secret for good.
    """
    path = Path(data_dir) / SECRET_FILE
    if not path.exists():
        temporary = path.with_name(f".{SECRET_FILE}.{secrets.token_hex(8)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_urlsafe(32))
                file.flush()
                os.fsync(file.fileno())
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass
        finally:
            temporary.unlink(missing_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)  # a copy restored with looser permissions is tightened again
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < 32:
        raise RuntimeError(f"the storage secret in {path} is too short; delete the file to make a new one")
    return secret
