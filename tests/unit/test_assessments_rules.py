"""Exam profile rules, role permissions, the audit record format and the storage secret."""

from __future__ import annotations

import hashlib
import os
import stat
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from assessments import audit
from assessments.accounts import NewUser, require, storage_secret
from assessments.errors import InvalidInput, NotPermitted, validated
from assessments.exams import ProfileSpec, exam_form_ids

TYPING = {"component": "typing", "duration_s": 300, "form_id": "exam-form-a"}
TENKEY = {"component": "tenkey", "duration_s": 300, "form_id": "tenkey-exam-a"}


def profile(**changes) -> dict:
    return {"name": "CSR I", "components": [TYPING, TENKEY], **changes}


def test_a_profile_gets_the_product_defaults():
    spec = validated(ProfileSpec, profile())
    typing, tenkey = spec.components
    assert (typing.rule, typing.threshold, typing.max_errors) == ("standard", 45.0, None)
    assert (tenkey.threshold, tenkey.min_accuracy) == (8000.0, 97.0)
    assert (spec.attempts_allowed, spec.warm_up_allowed, spec.certificate_valid_days) == (1, False, 365)


def test_the_typing_rule_is_normalised():
    spec = validated(ProfileSpec, profile(components=[{**TYPING, "rule": " Penalty:10 "}]))
    assert spec.components[0].rule == "penalty:10"


@pytest.mark.parametrize(("changes", "expected"), [
    pytest.param({"name": "   "}, "name: the profile needs a name", id="blank-name"),
    pytest.param({"components": []}, "components: List should have at least 1 item", id="no-components"),
    pytest.param({"components": [TYPING, TYPING]}, "each component (typing, tenkey, scenario) may appear once",
                 id="duplicate-component"),
    pytest.param({"components": [{**TYPING, "component": "drill"}]}, "components.0.component: expected one of "
                 "typing, tenkey, scenario, not 'drill'", id="unknown-component"),
    pytest.param({"components": [{**TYPING, "duration_s": 120}]}, "components.0.duration_s: expected one of "
                 "60, 180, 300 seconds, not 120", id="duration-not-offered"),
    pytest.param({"components": [{**TYPING, "form_id": "exam-form-z"}]}, "typing form 'exam-form-z' is not an "
                 "exam form; expected one of exam-form-a, exam-form-b, exam-form-c", id="unknown-passage"),
    pytest.param({"components": [{**TYPING, "form_id": "practice-short"}]}, "'practice-short' is not an exam form",
                 id="practice-passage"),
    pytest.param({"components": [{**TENKEY, "form_id": "tenkey-practice-mixed"}]},
                 "'tenkey-practice-mixed' is not an exam form", id="practice-item-set"),
    pytest.param({"components": [{**TENKEY, "form_id": "exam-form-a"}]}, "'exam-form-a' is not an exam form",
                 id="passage-as-item-set"),
    pytest.param({"components": [{**TYPING, "rule": "lenient"}]}, "unknown typing rule 'lenient'", id="bad-rule"),
    pytest.param({"components": [{**TYPING, "rule": "penalty:0"}]}, "the penalty must be at least 1",
                 id="zero-penalty"),
    pytest.param({"components": [{**TENKEY, "rule": "penalty:10"}]}, "applies to the typing test only",
                 id="rule-on-tenkey"),
    pytest.param({"components": [{**TYPING, "min_accuracy": 90}]}, "apply to the 10-key test only",
                 id="accuracy-on-typing"),
    pytest.param({"components": [{**TENKEY, "max_errors": 3}]}, "max_errors applies to the typing test only",
                 id="max-errors-on-tenkey"),
    pytest.param({"components": [{**TENKEY, "min_accuracy": 101}]}, "components.0.min_accuracy",
                 id="accuracy-over-100"),
    pytest.param({"components": [{**TYPING, "threshold": -1}]}, "components.0.threshold", id="negative-threshold"),
    pytest.param({"attempts_allowed": 0}, "attempts_allowed", id="no-attempts"),
    pytest.param({"certificate_valid_days": 0}, "certificate_valid_days", id="certificate-zero-days"),
    pytest.param({"colour": "blue"}, "colour: Extra inputs are not permitted", id="unknown-field"),
])
def test_bad_profiles_say_what_is_wrong(changes, expected):
    with pytest.raises(InvalidInput) as caught:
        validated(ProfileSpec, profile(**changes))
    assert any(expected in p for p in caught.value.problems), caught.value.problems


def test_exam_forms_are_the_exam_kind_only():
    assert exam_form_ids("typing") == ["exam-form-a", "exam-form-b", "exam-form-c"]
    assert exam_form_ids("tenkey") == ["tenkey-exam-a", "tenkey-exam-b", "tenkey-exam-c"]


@pytest.mark.parametrize(("username", "ok"), [
    pytest.param("hr.admin", True, id="dotted"),
    pytest.param("  HR.Admin ", True, id="capitals-spaces"),
    pytest.param("jane@utility.gov", True, id="email-like"),
    pytest.param("ab", False, id="too-short"),
    pytest.param("-lead", False, id="leading-dash"),
    pytest.param("has space", False, id="space"),
    pytest.param("x" * 65, False, id="too-long"),
])
def test_usernames(username, ok):
    data = {"username": username, "role": "lead", "password": "long enough pw"}
    if ok:
        assert validated(NewUser, data).username == username.strip().lower()
    else:
        with pytest.raises(InvalidInput, match="username"):
            validated(NewUser, data)


@pytest.mark.parametrize(("role", "permission", "allowed"), [
    pytest.param("admin", "manage_exams", True, id="admin-exams"),
    pytest.param("admin", "decide_attempts", True, id="admin-decide"),
    pytest.param("admin", "run_session", True, id="admin-run"),
    pytest.param("lead", "run_session", True, id="lead-run"),
    pytest.param("lead", "manage_exams", False, id="lead-exams"),
    pytest.param("lead", "decide_attempts", False, id="lead-decide"),
    pytest.param("lead", "manage_users", False, id="lead-users"),
    pytest.param("candidate", "run_session", False, id="candidate-run"),
])
def test_role_permissions(role, permission, allowed):
    user = SimpleNamespace(username="someone", role=role, active=True)
    if allowed:
        assert require(user, permission) is user
    else:
        with pytest.raises(NotPermitted, match=f"someone \\({role}\\) may not"):
            require(user, permission)


def test_an_inactive_admin_or_nobody_may_do_nothing():
    with pytest.raises(NotPermitted):
        require(SimpleNamespace(username="old", role="admin", active=False), "manage_exams")
    with pytest.raises(NotPermitted, match="nobody signed in"):
        require(None, "run_session")


def test_the_canonical_record_is_sorted_compact_json_with_utc_time():
    at = datetime(2026, 3, 9, 14, 5, 6, 789, tzinfo=timezone(timedelta(hours=-7)))
    text = audit.canonical_record(3, at, "hr.admin", "retake.granted", "roster_entry:4",
                                  {"reason": "power cut", "component": "typing"})
    assert text == ('{"action":"retake.granted","actor":"hr.admin","at":"2026-03-09T21:05:06.000789Z",'
                    '"details":{"component":"typing","reason":"power cut"},"seq":3,"subject":"roster_entry:4"}')
    assert audit.chain_hash("0" * 64, text) == hashlib.sha256(("0" * 64 + text).encode()).hexdigest()


def test_naive_and_aware_times_give_the_same_record():
    naive, aware = datetime(2026, 3, 9, 21, 5, 6), datetime(2026, 3, 9, 21, 5, 6, tzinfo=UTC)
    assert audit.canonical_record(1, naive, "a", "b", "c", {}) == audit.canonical_record(1, aware, "a", "b", "c", {})


def test_non_ascii_details_are_escaped_so_the_bytes_never_depend_on_an_encoding():
    assert audit.canonical_json({"name": "Jos\u00e9"}) == '{"name":"Jos\\u00e9"}'


def test_the_storage_secret_is_made_once_private_and_then_read(tmp_path):
    first = storage_secret(tmp_path)
    path = tmp_path / "storage_secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert storage_secret(tmp_path) == first
    assert [p.name for p in tmp_path.iterdir()] == ["storage_secret"]  # no temporary file left


def test_a_secret_file_with_loose_permissions_is_tightened(tmp_path):
    secret = storage_secret(tmp_path)
    os.chmod(tmp_path / "storage_secret", 0o644)
    assert storage_secret(tmp_path) == secret
    assert stat.S_IMODE((tmp_path / "storage_secret").stat().st_mode) == 0o600


def test_each_data_directory_has_its_own_secret(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert storage_secret(tmp_path / "a") != storage_secret(tmp_path / "b")


def test_a_truncated_secret_is_refused(tmp_path):
    (tmp_path / "storage_secret").write_text("short")
    os.chmod(tmp_path / "storage_secret", 0o600)
    with pytest.raises(RuntimeError, match="too short"):
        storage_secret(tmp_path)
