"""The HR pages through the UI (NiceGUI's simulated user): profiles, sessions, rosters with CSV
import, access codes and slips, the live dashboard, retakes and interruptions with the
audit chain, downloads, the printable summary and the public /verify page.

``exam_world`` and the attempt helpers here are shared with the role matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from nicegui.elements.upload_files import SmallFileUpload
from nicegui.testing import User
from sqlalchemy import select, text

from assessments import accounts, codes, exam_attempts, exams, roster
from assessments.models import AuditRecord, ExamProfile, ExamSession, RetakeGrant, RosterEntry, User as Account
from results.certificates import facts_for, verification_code
from results.database import session_factory
from results.finishing import finish_attempt
from results.keystroke_log import ingest_batch, parse_batch
from results.models import Attempt, utcnow
from results.typing_attempts import TypingSetup, start_typing_attempt
from skills_tests.passages import get_passage
from tests.integration.helpers import batch_body, key_events
from tests.ui.test_signin_and_roles import ADMIN, ADMIN_PASSWORD, fast_first_admin, sign_in  # noqa: F401

LEAD, LEAD_PASSWORD = "lead.one", "lead password 1234"


@dataclass
class ExamWorld:
    session_id: int
    entry_ids: list[int]


def one(user: User, marker: str):
    found = user.find(marker=marker).elements
    assert len(found) == 1, f"{len(found)} elements marked {marker}"
    return next(iter(found))


def admin_account(session) -> Account:
    return accounts.find_user(session, ADMIN)


def exam_world(*, names=("Ana Ruiz", "Bo Chen"), components=("typing",), open_session=True,
               checked_in=True) -> ExamWorld:
    """A lead, a profile, a session with candidates (checked in with codes unless told otherwise)."""
    with session_factory()() as s:
        admin = admin_account(s)
        lead = accounts.find_user(s, LEAD) or accounts.create_user(s, LEAD, LEAD_PASSWORD, "lead", actor=admin)
        specs = [{"component": "typing", "duration_s": 60, "form_id": "exam-form-a"}] if "typing" in components else []
        if "tenkey" in components:
            specs.append({"component": "tenkey", "duration_s": 180, "form_id": "tenkey-exam-a"})
        profile = exams.create_profile(s, admin, {"name": f"Exam {utcnow().timestamp()}", "components": specs})
        row = exams.create_session(s, admin, profile.id, date.today(), "Training room", lead.id)
        if open_session:
            exams.open_session(s, lead, row.id)
        ids = [roster.add_candidate(s, admin, row.id, {"name": n}).id for n in names]
        if checked_in:
            for n, entry_id in enumerate(ids):
                issued = codes.issue_code(s, lead, entry_id)
                codes.redeem_code(s, issued.code, utcnow(), f"10.0.0.{n + 10}")
        return ExamWorld(row.id, ids)


def start(entry_id: int, component: str = "typing") -> Attempt:
    with session_factory()() as s:
        return exam_attempts.start_component(s, entry_id, component)


def type_and_finish(attempt: Attempt, typed: str, *, incidents: list | None = None) -> None:
    with session_factory()() as s:
        ingest_batch(s, attempt.id, parse_batch(batch_body(attempt.capture_token, 0, key_events(typed, 1000.0, 100.0),
                                                           typed, incidents)))
        finish_attempt(s, attempt.id, attempt.capture_token, "early")
        exam_attempts.attempt_finished(s, attempt.id)


def type_only(attempt: Attempt, typed: str, *, minutes_ago: int = 0) -> None:
    """Keystrokes arrive (``minutes_ago``), then nothing more: the attempt is in progress."""
    with session_factory()() as s:
        ingest_batch(s, attempt.id, parse_batch(batch_body(attempt.capture_token, 0, key_events(typed), typed)))
        if minutes_ago:  # the stored log is append-only for the application; the test moves the clock back
            s.execute(text("UPDATE keystroke_batches SET received_at = :t WHERE attempt_id = :a"),
                      {"t": utcnow() - timedelta(minutes=minutes_ago), "a": attempt.id})
            s.commit()


def practice_attempt(name: str = "Pat Practice") -> Attempt:
    with session_factory()() as s:
        return start_typing_attempt(s, TypingSetup(person_name=name, mode="practice", form_id="practice-short",
                                                   duration_s=60))


def good_typing() -> str:
    return " ".join(get_passage("exam-form-a").text.split()[:15])


def audit_actions(action: str) -> list[AuditRecord]:
    with session_factory()() as s:
        return list(s.scalars(select(AuditRecord).where(AuditRecord.action == action)))


async def as_admin(user: User) -> None:
    await sign_in(user, ADMIN, ADMIN_PASSWORD)


# --------------------------------------------------------------------------- profiles and sessions


async def test_a_profile_is_made_from_the_form_and_bad_input_changes_nothing(user: User) -> None:
    await as_admin(user)
    await user.open("/hr/profiles/new")
    one(user, "include-typing").set_value(False)
    user.find(marker="create-profile").click()
    await user.should_see("Tick at least one test")
    one(user, "include-typing").set_value(True)
    one(user, "include-tenkey").set_value(True)
    one(user, "typing-threshold").set_value(-5)
    user.find(marker="create-profile").click()
    await user.should_see("The profile was not created:")
    await user.should_see("Typing test, pass mark:")  # the field is named in the clerk's words
    await user.should_see("Profile name:")
    with session_factory()() as s:
        assert s.scalars(select(ExamProfile)).all() == []
    one(user, "typing-threshold").set_value(50)
    user.find(marker="profile-name").type("CSR I hiring exam")
    one(user, "typing-rule").set_value("penalty")
    one(user, "typing-duration").set_value(180)
    one(user, "warm-up").set_value(True)
    one(user, "attempts").set_value(2)
    user.find(marker="create-profile").click()
    await user.should_see("CSR I hiring exam", retries=20)
    await user.should_see("Typing: 3 min, 48-Hour Disconnection Notice and Payment Options (exam-form-a), penalty rule "
                          "(10 words per error), pass at 50 net WPM")
    await user.should_see("2 attempts per test, a warm-up allowed, certificate valid 365 days")
    with session_factory()() as s:
        profile = s.scalars(select(ExamProfile)).one()
        assert [c.component for c in profile.components] == ["tenkey", "typing"]
        assert profile.component("tenkey").min_accuracy == 97.0


async def test_a_session_is_planned_and_opened_and_closed(user: User) -> None:
    with session_factory()() as s:
        admin = admin_account(s)
        accounts.create_user(s, LEAD, LEAD_PASSWORD, "lead", actor=admin)
        exams.create_profile(s, admin, {"name": "CSR I", "components": [
            {"component": "typing", "duration_s": 300, "form_id": "exam-form-b"}]})
    await as_admin(user)
    await user.open("/hr/sessions/new")
    one(user, "session-place").set_value("")
    one(user, "session-day").set_value("14/03/2031")
    user.find(marker="create-session").click()
    await user.should_see("date: give the day as YYYY-MM-DD")
    one(user, "session-day").set_value("2031-03-14")
    user.find(marker="create-session").click()
    await user.should_see("place: say where the session is held")
    user.find(marker="session-place").type("Training room B")
    with session_factory()() as s:
        lead_id = accounts.find_user(s, LEAD).id
    one(user, "session-proctor").set_value(lead_id)
    user.find(marker="create-session").click()
    await user.should_see(marker="session-title", retries=20)
    await user.should_see("CSR I, Friday 14 March 2031, Training room B")
    await user.should_see("Proctor: lead.one.")
    user.find(marker="open-session").click()
    user.find(marker="confirm").click()
    await user.should_see("Open: candidates may start", retries=20)
    user.find(marker="close-session").click()
    user.find(marker="confirm").click()
    await user.should_see("The session is closed", retries=20)
    with session_factory()() as s:
        assert s.scalars(select(ExamSession)).one().status == "closed"
    assert [r.actor for r in audit_actions("session.opened")] == [ADMIN]


# --------------------------------------------------------------------------- roster, codes


BAD_CSV = ("name,email,extended_time,large_text,high_contrast\n"
           "Ana Ruiz,ana@example.org,none,no,no\n"
           ",nobody@example.org,none,no,no\n"
           "Bo Chen,bo@example,x3,maybe,no\n"
           "Ana Ruiz,ana@example.org,none,no,no\n")
GOOD_CSV = ("name,email,extended_time,large_text,high_contrast\r\n"
            "Ana Ruiz,ana@example.org,none,no,no\r\n"
            "\"Okafor, Chidi\",,x1.5,yes,no\r\n")


async def _upload(user: User, data: str, name: str = "roster.csv") -> None:
    await one(user, "roster-upload").handle_uploads([SmallFileUpload(name, "text/csv", data.encode("utf-8"))])


async def test_roster_by_hand_and_a_csv_import_that_is_all_or_nothing(user: User) -> None:
    world = exam_world(names=(), open_session=False)
    await as_admin(user)
    await user.open(f"/hr/sessions/{world.session_id}?tab=roster")
    await user.should_see(marker="roster-empty")
    await _upload(user, BAD_CSV)
    await user.should_see("Nothing was imported from roster.csv. Correct these lines and import the file again:")
    for problem in ("line 3: name: the candidate's name is missing",
                    "line 4: email: 'bo@example' is not an email address",
                    "line 4: extended_time: expected none, x1.5 or x2",
                    "line 4: large_text: expected yes or no",
                    "line 5: Ana Ruiz <ana@example.org> is already on line 2"):
        await user.should_see(problem)
    with session_factory()() as s:
        assert s.scalars(select(RosterEntry)).all() == []
    await _upload(user, GOOD_CSV)
    await user.should_see("Imported 2 candidates from roster.csv.")
    await user.should_see("extended time x1.5, large text")
    user.find(marker="candidate-name").type("ana ruiz")
    user.find(marker="candidate-email").type("ANA@example.org")
    user.find(marker="add").click()
    await user.should_see("ana ruiz <ana@example.org> is already on the roster")
    user.find(marker="candidate-name").clear().type("Dee Dee")
    user.find(marker="candidate-email").clear()
    one(user, "candidate-extended").set_value("x2")
    one(user, "candidate-contrast").set_value(True)
    user.find(marker="add").click()
    await user.should_see("Dee Dee is on the roster.")
    with session_factory()() as s:
        dee = s.scalars(select(RosterEntry).where(RosterEntry.name == "Dee Dee")).one()
        assert (dee.extended_time, dee.high_contrast, dee.large_text) == ("x2", True, False)
    assert len(audit_actions("roster.imported")) == 1


async def test_codes_are_issued_once_on_printable_slips_and_work_at_check_in(user: User) -> None:
    world = exam_world(checked_in=False)
    await as_admin(user)
    await user.open(f"/hr/sessions/{world.session_id}?tab=codes")
    user.find(marker="issue-all").click()
    await user.should_see("2 codes issued. Print the slips now", retries=20)
    await user.should_see(marker="print-slips")
    slips = [e.text for e in user.find(marker="slip-code").elements]
    assert len(slips) == 2 and all(len(code) == 9 and code[4] == "-" for code in slips)
    await user.should_see("Ana Ruiz")
    await user.should_see("go to http://test/exam and type this code")
    with session_factory()() as s:
        entry = codes.redeem_code(s, slips[0].lower(), utcnow(), "10.9.9.9")
        assert entry.status == "checked_in"
    assert len(audit_actions("code.issued")) == 2
    assert not any(code in r.details_json for r in audit_actions("code.issued") for code in slips)
    await user.open(f"/hr/sessions/{world.session_id}?tab=codes")
    await user.should_not_see(marker="slip-code")  # shown once only
    user.find(marker="issue-all").click()
    await user.should_see("1 code issued.", retries=20)  # only the candidate not checked in yet


async def test_a_lead_runs_the_door_but_not_the_roster_or_decisions(user: User) -> None:
    world = exam_world(checked_in=False, open_session=False)
    await sign_in(user, LEAD, LEAD_PASSWORD)
    await user.open(f"/hr/sessions/{world.session_id}")
    await user.should_see(marker="tab-codes")
    await user.should_not_see(marker="tab-decisions")
    await user.should_not_see(marker="tab-results")
    await user.should_not_see(marker="add-candidate")
    await user.should_see("HR administrators put candidates on the roster.")
    user.find(marker="issue-all").click()
    await user.should_see("2 codes issued.", retries=20)
    user.find(marker="open-session").click()
    user.find(marker="confirm").click()
    await user.should_see("Open: candidates may start", retries=20)


# --------------------------------------------------------------------------- the dashboard


async def test_the_dashboard_shows_each_candidate_and_scores_as_they_finish(user: User) -> None:
    world = exam_world(names=("Ana Ruiz", "Bo Chen", "Cy Waiting"), checked_in=False)
    with session_factory()() as s:
        lead = accounts.find_user(s, LEAD)
        for n, entry_id in enumerate(world.entry_ids[:2]):
            codes.redeem_code(s, codes.issue_code(s, lead, entry_id).code, utcnow(), f"10.1.1.{n}")
    ana, bo, cy = world.entry_ids
    await as_admin(user)
    await user.open(f"/hr/sessions/{world.session_id}")
    await user.should_see(marker=f"dash-{cy}")
    await user.should_see("1 waiting, 2 checked in, 0 in a test, 0 done; 0 to review")
    attempt = start(ana)
    running = start(bo)
    type_only(running, "The quick", minutes_ago=5)
    await user.should_see("1 waiting, 0 checked in, 2 in a test, 0 done", retries=50)
    type_and_finish(attempt, good_typing(), incidents=[{"kind": "paste", "t": 1500.0, "detail": ""}])
    await user.should_see("WPM, PASS", retries=50)  # the score appears by itself within a few seconds
    assert one(user, f"line-{attempt.id}").text.startswith("Attempt 1: ")
    await user.should_see("tried to paste")
    await user.should_see("timing: ")  # a machine-even rhythm is flagged for review
    await user.should_see(marker=f"pdf-{attempt.id}")
    await user.should_see("nothing received for 5 min")
    await user.should_see("stopped 5 min ago: decide under Retakes and interruptions")


async def test_a_retake_needs_a_reason_and_is_recorded_in_the_audit_chain(user: User) -> None:
    world = exam_world()
    ana = world.entry_ids[0]
    type_and_finish(start(ana), "qwx zzv " * 8)
    await as_admin(user)
    await user.open(f"/hr/sessions/{world.session_id}?tab=decisions")
    await user.should_see(marker="retake-form")
    one(user, "retake-candidate").set_value(ana)
    user.find(marker="grant-retake").click()
    await user.should_see("reason: say why the retake is granted")
    with session_factory()() as s:
        assert s.scalars(select(RetakeGrant)).all() == []
    user.find(marker="retake-reason").type("Fire alarm at minute 1")
    user.find(marker="grant-retake").click()
    await user.should_see("Retake granted to Ana Ruiz for the typing test", retries=20)
    await user.should_see("Reason: Fire alarm at minute 1")
    [record] = audit_actions("retake.granted")
    assert record.actor == ADMIN and record.subject == f"roster_entry:{ana}"
    assert "Fire alarm at minute 1" in record.details_json
    await user.open("/hr/audit")
    assert one(user, "audit-table").rows[0]["action"] == "retake.granted"  # newest first
    user.find(marker="verify-chain").click()
    await user.should_see(marker="chain-intact")
    await user.should_see("The chain is intact.")


async def test_a_stopped_test_is_voided_for_a_retake_with_a_reason(user: User) -> None:
    world = exam_world()
    attempt = start(world.entry_ids[0])
    type_only(attempt, "The quick brown", minutes_ago=4)
    await as_admin(user)
    await user.open(f"/hr/sessions/{world.session_id}?tab=decisions")
    await user.should_see(marker=f"interrupted-{attempt.id}")
    user.find(marker=f"decide-{attempt.id}").click()
    user.find(marker="void").click()
    await user.should_see("reason: say why the attempt is taken again")
    user.find(marker="decision-reason").type("The computer froze")
    user.find(marker="void").click()
    await user.should_see(marker="none-interrupted", retries=20)
    [record] = audit_actions("interrupted.retake")
    assert "The computer froze" in record.details_json
    with session_factory()() as s:
        assert exam_attempts.is_voided(s, attempt.id)
        assert exam_attempts.can_start(s, world.entry_ids[0], "typing").allowed


# --------------------------------------------------------------------------- results


async def test_results_download_as_csv_and_pdf_and_print_as_a_summary(user: User) -> None:
    world = exam_world(names=("Ana Ruiz",))
    with session_factory()() as s:
        entry = s.get(RosterEntry, world.entry_ids[0])
        entry.extended_time = "x1.5"
        s.commit()
    attempt = start(world.entry_ids[0])
    type_and_finish(attempt, good_typing())
    await as_admin(user)
    await user.open(f"/hr/sessions/{world.session_id}?tab=results")
    await user.should_see(marker="csv-link")
    csv_response = await user.http_client.get(f"/hr/sessions/{world.session_id}/attempts.csv")
    assert csv_response.status_code == 200 and "attachment" in csv_response.headers["content-disposition"]
    lines = csv_response.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("attempt_id,person,test") and lines[1].startswith(f"{attempt.id},Ana Ruiz,typing")
    pdf = await user.http_client.get(f"/hr/attempts/{attempt.id}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    import io

    from pypdf import PdfReader

    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "lead.one" in words and "extended time x1.5" in words
    await user.open(f"/hr/sessions/{world.session_id}/summary")
    await user.should_see(marker="summary-attempts")
    await user.should_see("audit chain intact:")
    await user.should_see("Proctor's signature")


async def test_verify_says_valid_with_the_facts_or_not_valid_with_the_reason(user: User) -> None:
    attempt = practice_attempt("Vera Verify")
    with session_factory()() as s:
        typed = "The quick brown fox"
        ingest_batch(s, attempt.id, parse_batch(batch_body(attempt.capture_token, 0, key_events(typed), typed)))
        finish_attempt(s, attempt.id, attempt.capture_token, "early")
        code = verification_code(facts_for(s, attempt.id))
    await user.open(f"/verify?code={code.lower()}")
    await user.should_see(marker="verify-valid")
    await user.should_see("Vera Verify")
    await user.open("/verify")
    user.find(marker="verify-code").type(code[:-1] + ("A" if code[-1] != "A" else "B"))
    user.find(marker="verify").click()
    await user.should_see(marker="verify-invalid")
    await user.should_see("The code does not match score record")
    await user.should_not_see("Vera Verify")
    user.find(marker="verify-code").clear().type("hello")
    user.find(marker="verify").click()
    await user.should_see("Malformed code")
