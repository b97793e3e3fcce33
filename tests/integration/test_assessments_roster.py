"""Rosters on a real database: CSV import is all or nothing; profiles and sessions refuse bad input."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from assessments import accounts, exams, roster
from assessments.errors import InvalidInput, NotPermitted
from assessments.models import AuditRecord, ExamProfile, ExamSession, RosterEntry
from assessments.roster_csv import RosterFileError
from tests.integration.test_assessments_world import add_candidate, build_world, fast_hashing, make_users  # noqa: F401

pytestmark = pytest.mark.usefixtures("fast_hashing")
HEADER = "name,email,extended_time,large_text,high_contrast"


def _counts(factory) -> tuple[int, int]:
    with factory() as s:
        return (s.scalar(select(func.count()).select_from(RosterEntry)),
                s.scalar(select(func.count()).select_from(AuditRecord)))


def test_a_good_file_imports_every_row_with_its_accommodations(fresh_database):
    world = build_world(fresh_database)
    data = ("\ufeff" + HEADER + "\r\nAna Ruiz,ana@example.org,none,no,no\r\nBo Chen,,x1.5,yes,no\r\n"
            "Cy Diaz,cy@example.org,x2,no,yes\r\n").encode()
    with fresh_database() as s:
        entries = roster.import_roster(s, world.admin, world.session_id, data)
        assert [(e.name, e.extended_time, e.large_text, e.high_contrast, e.status) for e in entries] == [
            ("Ana Ruiz", "none", False, False, "waiting"),
            ("Bo Chen", "x1.5", True, False, "waiting"),
            ("Cy Diaz", "x2", False, True, "waiting"),
        ]
        last = s.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc())).first()
        assert (last.action, last.subject) == ("roster.imported", f"exam_session:{world.session_id}")


def test_one_bad_row_imports_nothing_and_every_bad_row_is_named(fresh_database):
    world = build_world(fresh_database)
    before = _counts(fresh_database)
    lines = [HEADER, "Ana Ruiz,,none,no,no", ",,none,no,no", "Bo Chen,,x3,no,no", "Cy Diaz,,none,no,no",
             "Dee Ek,,none,sometimes,no"]  # bad: lines 3, 4 and 6
    data = "\n".join(lines)
    with fresh_database() as s, pytest.raises(RosterFileError) as caught:
        roster.import_roster(s, world.admin, world.session_id, data)
    assert [p.split(":")[0] for p in caught.value.problems] == ["line 3", "line 4", "line 6"]
    assert _counts(fresh_database) == before  # no entries, no audit record


def test_candidates_already_on_the_roster_are_refused_with_their_lines(fresh_database):
    world = build_world(fresh_database)
    add_candidate(world, "Ana Ruiz", email="ana@example.org")
    before = _counts(fresh_database)
    with fresh_database() as s, pytest.raises(RosterFileError) as caught:
        roster.import_roster(s, world.admin, world.session_id,
                             f"{HEADER}\nBo Chen,,none,no,no\nANA RUIZ,Ana@Example.org,none,no,no\n")
    assert caught.value.problems == ["line 3: ANA RUIZ <ana@example.org> is already on the roster"]
    assert _counts(fresh_database) == before


def test_add_one_candidate_by_hand(fresh_database):
    world = build_world(fresh_database)
    entry = add_candidate(world, "Ana Ruiz", extended_time="x2", high_contrast=True)
    assert (entry.extended_time, entry.high_contrast, entry.large_text, entry.email) == ("x2", True, False, None)
    with fresh_database() as s:
        with pytest.raises(InvalidInput, match="already on the roster"):
            roster.add_candidate(s, world.admin, world.session_id, {"name": "ana  ruiz"})
        with pytest.raises(InvalidInput, match="extended_time: expected none, x1.5 or x2"):
            roster.add_candidate(s, world.admin, world.session_id, {"name": "Bo", "extended_time": "x4"})


def test_leads_cannot_change_rosters_and_closed_sessions_are_frozen(fresh_database):
    world = build_world(fresh_database)
    with fresh_database() as s:
        with pytest.raises(NotPermitted):
            roster.import_roster(s, world.lead, world.session_id, f"{HEADER}\nAna,,none,no,no\n")
        exams.close_session(s, world.lead, world.session_id)
        with pytest.raises(NotPermitted, match="closed"):
            roster.import_roster(s, world.admin, world.session_id, f"{HEADER}\nAna,,none,no,no\n")
        with pytest.raises(NotPermitted, match="closed"):
            roster.add_candidate(s, world.admin, world.session_id, {"name": "Ana"})


def test_profiles_store_their_components_and_refuse_a_second_profile_of_the_same_name(fresh_database):
    world = build_world(fresh_database, components=("typing", "tenkey"))
    with fresh_database() as s:
        profile = s.get(ExamProfile, world.profile_id)
        assert [(c.component, c.form_id, c.duration_s, c.threshold, c.min_accuracy) for c in profile.components] == [
            ("tenkey", "tenkey-exam-a", 180, 8000.0, 97.0), ("typing", "exam-form-a", 60, 45.0, None)]
        with pytest.raises(InvalidInput, match="already exists"):
            exams.create_profile(s, world.admin, {"name": "CSR I exam", "components": [
                {"component": "typing", "form_id": "exam-form-b"}]})
        with pytest.raises(NotPermitted):
            exams.create_profile(s, world.lead, {"name": "Other", "components": [
                {"component": "typing", "form_id": "exam-form-b"}]})


def test_sessions_need_a_real_profile_a_proctor_and_a_place(fresh_database):
    admin, _lead = make_users(fresh_database)
    with fresh_database() as s:
        candidate = accounts.create_user(s, "cand.one", "candidate password", "candidate", actor=admin)
        with pytest.raises(InvalidInput) as caught:
            exams.create_session(s, admin, 999, date(2026, 3, 9), "  ", candidate.id)
        assert [p.split(":")[0] for p in caught.value.problems] == ["profile", "proctor", "place"]


def test_sessions_move_forward_only(fresh_database):
    world = build_world(fresh_database, open_session=False)
    with fresh_database() as s:
        with pytest.raises(NotPermitted, match="is planned; it can become closed only when it is open"):
            exams.close_session(s, world.lead, world.session_id)
        exams.open_session(s, world.lead, world.session_id)
        exams.close_session(s, world.admin, world.session_id)
        with pytest.raises(NotPermitted, match="is closed"):
            exams.open_session(s, world.admin, world.session_id)
        assert s.get(ExamSession, world.session_id).status == "closed"


def test_lists_for_the_pages(fresh_database):
    world = build_world(fresh_database)
    add_candidate(world, "Ana Ruiz")
    add_candidate(world, "Bo Chen", extended_time="x1.5")
    with fresh_database() as s:
        assert [p.name for p in exams.list_profiles(s)] == ["CSR I exam"]
        assert [x.id for x in exams.list_sessions(s)] == [world.session_id]
        assert exams.list_sessions(s, "closed") == []
        assert [(e.name, e.extended_time, e.status) for e in roster.list_roster(s, world.session_id)] == [
            ("Ana Ruiz", "none", "waiting"), ("Bo Chen", "x1.5", "waiting")]
