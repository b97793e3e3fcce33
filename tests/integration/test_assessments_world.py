"""Builders shared by the assessments integration tests (this module holds no tests).

Test modules import the fixtures by name: ``from tests.integration.test_assessments_world import ...``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest

from assessments import accounts, codes, exam_attempts, exams, passwords, roster
from assessments.models import RosterEntry, User
from results.finishing import finish_attempt
from results.keystroke_log import ingest_batch, parse_batch
from results.models import Attempt, utcnow
from skills_tests.passages import get_passage
from tests.integration.helpers import batch_body, key_events

TYPING_FORM = "exam-form-a"
TENKEY_FORM = "tenkey-exam-a"
SECRET = "test-storage-secret-0123456789abcdef"
FAST = passwords.ScryptParams(n=2**8, r=8, p=1)  # keeps the tests quick; production uses passwords.CURRENT


@pytest.fixture
def fast_hashing(monkeypatch):
    monkeypatch.setattr(passwords, "CURRENT", FAST)


@dataclass
class World:
    factory: object
    admin: User
    lead: User
    profile_id: int
    session_id: int

    def session(self):
        return self.factory()


def make_users(factory) -> tuple[User, User]:
    with factory() as s:
        admin = accounts.create_user(s, "hr.admin", "correct horse battery", "admin")
        lead = accounts.create_user(s, "lead.one", "lead password 123", "lead", actor=admin)
        return admin, lead


def build_world(factory, *, components=("typing",), warm_up_allowed=False, attempts_allowed=1,
                typing_threshold=45.0, day: date | None = None, open_session=True,
                name="CSR I exam") -> World:
    admin, lead = make_users(factory)
    specs = []
    if "typing" in components:
        specs.append({"component": "typing", "duration_s": 60, "form_id": TYPING_FORM, "threshold": typing_threshold})
    if "tenkey" in components:
        specs.append({"component": "tenkey", "duration_s": 180, "form_id": TENKEY_FORM})
    with factory() as s:
        profile = exams.create_profile(s, admin, {"name": name, "components": specs,
                                                   "warm_up_allowed": warm_up_allowed,
                                                   "attempts_allowed": attempts_allowed})
        row = exams.create_session(s, admin, profile.id, day or date.today(), "Customer Service training room",
                                   lead.id)
        if open_session:
            exams.open_session(s, lead, row.id)
        return World(factory, admin, lead, profile.id, row.id)


def add_candidate(world: World, name="Ana Ruiz", **extra) -> RosterEntry:
    with world.session() as s:
        return roster.add_candidate(s, world.admin, world.session_id, {"name": name, **extra})


def check_in(world: World, entry_id: int, client_key="10.0.0.5", now: datetime | None = None) -> RosterEntry:
    with world.session() as s:
        issued = codes.issue_code(s, world.lead, entry_id, secret=SECRET)
        return codes.redeem_code(s, issued.code, now or utcnow(), client_key, secret=SECRET)


def type_and_finish(world: World, attempt: Attempt, text: str, end_reason="early") -> None:
    """Send ``text`` as the candidate's keystrokes and finish the attempt (scored from the log)."""
    with world.session() as s:
        ingest_batch(s, attempt.id, parse_batch(batch_body(attempt.capture_token, 0, key_events(text, 1000.0, 100.0),
                                                           text)))
        finish_attempt(s, attempt.id, attempt.capture_token, end_reason)
        exam_attempts.attempt_finished(s, attempt.id)


def type_only(world: World, attempt: Attempt, text: str) -> None:
    """Keystrokes arrive, then nothing more: the attempt is in progress."""
    with world.session() as s:
        ingest_batch(s, attempt.id, parse_batch(batch_body(attempt.capture_token, 0, key_events(text), text)))


def good_typing() -> str:
    return " ".join(get_passage(TYPING_FORM).text.split()[:15])


def bad_typing() -> str:
    return "qwx zzv " * 8
