"""A checked-in candidate's tests: may this component start, starting it, retakes.

Each component of the profile may be attempted ``attempts_allowed`` times (default once),
plus once more for every retake HR grants with a reason. A warm-up (if the profile allows
it) is one short practice run on a practice form before the component's first counted
attempt; it never counts. An attempt opened but never typed in uses nothing: starting
again goes back to it. An attempt HR voided after an interruption still counts as used:
the decision grants the retake that replaces it.

The call scenario component is a call attempt (``results.models.CallAttempt``) instead of a
skills-test attempt. The call itself is started by the page layer (this package does not
run calls); ``record_call_component`` links it to the roster entry and ``call_finished``
updates the candidate's status once it is graded. A call passes on its first grade:
total >= the component's pass mark, with no fatal error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessments import audit
from assessments.accounts import require
from assessments.errors import InvalidInput, NotPermitted
from assessments.exams import effective_duration
from assessments.models import ComponentAttempt, ExamComponent, InterruptionDecision, RetakeGrant, RosterEntry, User
from assessments.roster import get_entry
from assessments.times import as_utc
from results.models import Attempt, CallAttempt, CallGrade, KeystrokeBatch, Person, Score

LABELS = {"typing": "typing", "tenkey": "10-key", "scenario": "call scenario"}
CALL_COMPONENT = "scenario"
WARM_UP_FORMS = {"typing": "practice-short", "tenkey": "tenkey-practice-numbers"}
WARM_UP_SECONDS = 60


def last_activity(session: Session, attempt: Attempt) -> datetime:
    """When the attempt last showed life: its last keystroke batch, else its start or creation."""
    last_batch = session.scalar(select(func.max(KeystrokeBatch.received_at))
                                .where(KeystrokeBatch.attempt_id == attempt.id))
    return as_utc(last_batch or attempt.started_at or attempt.created_at)


def latest_decision(session: Session, attempt_id: str) -> InterruptionDecision | None:
    return session.scalars(select(InterruptionDecision).where(InterruptionDecision.attempt_id == attempt_id)
                           .order_by(InterruptionDecision.id.desc()).limit(1)).first()


def is_voided(session: Session, attempt_id: str) -> bool:
    """HR decided this interrupted attempt is replaced by a retake: it can never resume."""
    decision = latest_decision(session, attempt_id)
    return decision is not None and decision.decision == "retake"


def resume_granted(session: Session, attempt: Attempt) -> bool:
    """HR decided 'resume' after the attempt's last sign of life, and it has not resumed since."""
    decision = latest_decision(session, attempt.id)
    return (decision is not None and decision.decision == "resume"
            and as_utc(decision.decided_at) >= last_activity(session, attempt))


@dataclass
class ComponentState:
    """Where one candidate stands on one component of the exam."""

    component: ExamComponent
    counted: list[Attempt] = field(default_factory=list)  # exam attempts, oldest first
    warm_ups: list[Attempt] = field(default_factory=list)
    grants: list[RetakeGrant] = field(default_factory=list)
    attempts_allowed: int = 1
    passed_ids: set[str] = field(default_factory=set)  # attempts whose first score passed
    running: Attempt | None = None  # in progress, and not voided by an HR decision
    running_is_warm_up: bool = False
    grades: dict[str, CallGrade] = field(default_factory=dict)  # call scenario: each call's first grade

    @property
    def is_call(self) -> bool:
        """The call scenario component: ``counted`` holds CallAttempts (none is ever 'created')."""
        return self.component.component == CALL_COMPONENT

    def call_state(self, call: CallAttempt) -> str:
        """'in call' (working it, or wrapped up and waiting for its grade) or 'graded'."""
        return "graded" if call.id in self.grades else "in call"

    def call_passed(self, call: CallAttempt) -> bool | None:
        """None until graded; then total >= pass mark and no fatal error."""
        grade = self.grades.get(call.id)
        if grade is None:
            return None
        return grade.total >= self.component.threshold and not grade.fatal

    @property
    def begun(self) -> list[Attempt]:
        """Counted attempts with at least one keystroke: these use up the allowance."""
        return [a for a in self.counted if a.status != "created"]

    def not_begun(self, warm_up: bool) -> Attempt | None:
        """An attempt opened but never typed in: starting again goes back to it."""
        return next((a for a in (self.warm_ups if warm_up else self.counted) if a.status == "created"), None)

    @property
    def allowed(self) -> int:
        return self.attempts_allowed + len(self.grants)

    @property
    def remaining(self) -> int:
        return max(0, self.allowed - len(self.begun))

    @property
    def passed(self) -> bool:
        """A finished attempt passed on its first score (the first score stands)."""
        return any(a.id in self.passed_ids for a in self.counted)

    @property
    def granted_since_last_attempt(self) -> bool:
        begun = self.begun
        if not begun:
            return bool(self.grants)
        last = as_utc(begun[-1].created_at)
        return any(as_utc(g.granted_at) >= last for g in self.grants)

    @property
    def finished_for_good(self) -> bool:
        """Nothing more to take: passed (with no retake granted since), or no attempts left."""
        if self.running is not None:
            return False
        return (self.passed and not self.granted_since_last_attempt) or self.remaining == 0


def component_states(session: Session, entry: RosterEntry) -> dict[str, ComponentState]:
    """Each component of the entry's exam profile and where the candidate stands on it.

    Read straight from the tables (attempts refreshed), not from relationships loaded
    earlier in the session: another request may have finished an attempt meanwhile.
    """
    profile = entry.exam_session.profile
    links = session.scalars(select(ComponentAttempt).where(ComponentAttempt.roster_entry_id == entry.id)
                            .order_by(ComponentAttempt.id)).all()
    ids = [link.attempt_id for link in links if link.attempt_id is not None]
    attempts = {a.id: a for a in session.scalars(select(Attempt).where(Attempt.id.in_(ids))
                                                 .execution_options(populate_existing=True))}
    passed = set(session.scalars(select(Score.attempt_id).where(
        Score.attempt_id.in_(ids), Score.version == 1, Score.passed.is_(True))))
    call_ids = [link.call_attempt_id for link in links if link.call_attempt_id is not None]
    calls = {c.id: c for c in session.scalars(select(CallAttempt).where(CallAttempt.id.in_(call_ids))
                                              .execution_options(populate_existing=True))}
    grades = {g.attempt_id: g for g in session.scalars(select(CallGrade).where(
        CallGrade.attempt_id.in_(call_ids), CallGrade.version == 1))}
    states = {c.component: ComponentState(c, attempts_allowed=profile.attempts_allowed, passed_ids=passed)
              for c in profile.components}
    for link in links:
        state = states.get(link.component)
        if state is None:
            continue
        if link.call_attempt_id is not None:
            call = calls[link.call_attempt_id]
            state.counted.append(call)
            if call.id in grades:
                state.grades[call.id] = grades[call.id]
                if state.call_passed(call):
                    state.passed_ids.add(call.id)
            else:
                state.running = call
            continue
        attempt = attempts[link.attempt_id]
        (state.warm_ups if link.warm_up else state.counted).append(attempt)
        if attempt.status == "in_progress" and not is_voided(session, attempt.id):
            state.running, state.running_is_warm_up = attempt, link.warm_up
    for grant in session.scalars(select(RetakeGrant).where(RetakeGrant.roster_entry_id == entry.id)
                                 .order_by(RetakeGrant.id)):
        if grant.component in states:
            states[grant.component].grants.append(grant)
    return states


def refresh_status(session: Session, entry: RosterEntry) -> str:
    """Set a checked-in entry's status from its attempts (not committed) and return it."""
    if entry.status == "waiting":
        return entry.status
    states = component_states(session, entry).values()
    if any(s.running is not None or s.not_begun(False) or s.not_begun(True) for s in states):
        entry.status = "in_test"
    elif all(s.finished_for_good for s in states):
        entry.status = "done"
    else:
        entry.status = "checked_in"
    return entry.status


@dataclass(frozen=True)
class StartCheck:
    """Whether a component may start; ``reason`` says why not (or what will happen)."""

    allowed: bool
    reason: str
    resume_attempt_id: str | None = None  # start_component returns this attempt instead of a new one


def _refuse(reason: str) -> StartCheck:
    return StartCheck(False, reason)


def can_start(session: Session, entry_id: int, component: str, *, warm_up: bool = False) -> StartCheck:
    """May this candidate start (or go back to) this component now? If not, the reason, in words."""
    entry = get_entry(session, entry_id)
    label = LABELS.get(component, component)
    kind = f"{label} {'warm-up' if warm_up else 'test'}"
    states = component_states(session, entry)
    if component not in states:
        return _refuse(f"This exam has no {label} test.")
    if entry.status == "waiting":
        return _refuse("Check in with your access code first.")
    exam_session = entry.exam_session
    if exam_session.status != "open":
        return _refuse(f"The exam session is {exam_session.status}; tests start only while it is open.")
    state = states[component]
    if warm_up and state.is_call:
        return _refuse("The call scenario has no warm-up.")
    running = next((s for s in states.values() if s.running is not None), None)
    if running is not None:
        return _check_running(session, running, component, warm_up)
    if warm_up:
        if not exam_session.profile.warm_up_allowed:
            return _refuse("This exam has no warm-up.")
        if state.begun:
            return _refuse(f"The warm-up comes before the test; the {label} test has already been started.")
        if any(a.status != "created" and not is_voided(session, a.id) for a in state.warm_ups):
            return _refuse(f"You have had the {label} warm-up.")
    else:
        if state.passed and not state.granted_since_last_attempt:
            return _refuse(f"You have passed the {label} test.")
        if state.remaining == 0:
            used = len(state.begun)
            return _refuse(f"You have used your {used} attempt{'s' if used != 1 else ''} at the {label} test. "
                           "HR can grant a retake.")
    pending = state.not_begun(warm_up)
    if pending is not None:
        return StartCheck(True, f"Back to the {kind}, which has not begun yet.", pending.id)
    if warm_up:
        return StartCheck(True, f"A {WARM_UP_SECONDS // 60}-minute {label} warm-up that does not count.")
    return StartCheck(True, f"Attempt {len(state.begun) + 1} of {state.allowed} at the {label} test.")


def _check_running(session: Session, state: ComponentState, component: str, warm_up: bool) -> StartCheck:
    running, running_component = state.running, state.component.component
    what = f"{LABELS[running_component]} {'warm-up' if state.running_is_warm_up else 'test'}"
    if running_component != component or state.running_is_warm_up != warm_up:
        return _refuse(f"The {what} is still under way; finish it first.")
    if state.is_call:  # the call lives on the server: going back to it picks it up where it is
        return StartCheck(True, "Back to the call, which is still open.", running.id)
    if resume_granted(session, running):
        return StartCheck(True, f"HR let the {what} resume.", running.id)
    return _refuse(f"The {what} is already under way. If it stopped, HR decides whether it "
                   "resumes or is taken again.")


def _new_attempt(entry: RosterEntry, person_id: int, spec: ExamComponent, warm_up: bool) -> Attempt:
    base = WARM_UP_SECONDS if warm_up else spec.duration_s
    return Attempt(
        person_id=person_id, test=spec.component, mode="practice" if warm_up else "exam",
        form_id=WARM_UP_FORMS[spec.component] if warm_up else spec.form_id,
        duration_s=effective_duration(base, entry.extended_time), rule=spec.rule, threshold=spec.threshold,
        max_errors=spec.max_errors, min_accuracy=spec.min_accuracy, count_enter=spec.count_enter,
        keypad_only=spec.keypad_only,
    )


def start_component(session: Session, entry_id: int, component: str, *, warm_up: bool = False) -> Attempt:
    """Start a component (or its warm-up) for a checked-in candidate and return its Attempt.

    The attempt carries the profile's settings and the candidate's extended time, and is
    linked to the roster entry. When ``can_start`` points at an attempt to go back to (not
    yet begun, or resumed by HR), that attempt is returned. NotPermitted says why not.
    """
    if component == CALL_COMPONENT:
        raise NotPermitted("The call scenario is started by the call pages; see record_call_component.")
    check = can_start(session, entry_id, component, warm_up=warm_up)
    if not check.allowed:
        raise NotPermitted(check.reason)
    entry = get_entry(session, entry_id)
    if check.resume_attempt_id is not None:
        attempt = session.get(Attempt, check.resume_attempt_id)
        entry.status = "in_test"
        session.commit()
        return attempt
    if entry.person_id is None:
        person = Person(name=entry.name)
        session.add(person)
        session.flush()
        entry.person_id = person.id
    spec = entry.exam_session.profile.component(component)
    attempt = _new_attempt(entry, entry.person_id, spec, warm_up)
    session.add(attempt)
    session.flush()
    session.add(ComponentAttempt(roster_entry_id=entry.id, component=component, attempt_id=attempt.id,
                                 warm_up=warm_up))
    entry.status = "in_test"
    audit.record(session, f"candidate:{entry.id}", "attempt.started", f"roster_entry:{entry.id}",
                 {"attempt_id": attempt.id, "component": component, "warm_up": warm_up,
                  "duration_s": attempt.duration_s, "form_id": attempt.form_id})
    session.commit()
    return attempt


def attempt_finished(session: Session, attempt_id: str) -> str | None:
    """Call after ``results.finishing.finish_attempt``: updates and returns the candidate's status
    (None if the attempt is not part of an exam)."""
    link = session.scalars(select(ComponentAttempt).where(ComponentAttempt.attempt_id == attempt_id)).first()
    if link is None:
        return None
    status = refresh_status(session, get_entry(session, link.roster_entry_id))
    session.commit()
    return status


def record_call_component(session: Session, entry_id: int, call_attempt_id: str) -> ComponentAttempt:
    """Link a call the page layer has just started (in test mode) to the candidate's call scenario
    component. Refused (NotPermitted, with the reason) when the component may not start now, when
    the call is of another scenario, or when the call already belongs to an exam."""
    check = can_start(session, entry_id, CALL_COMPONENT)
    if not check.allowed:
        raise NotPermitted(check.reason)
    if check.resume_attempt_id is not None:
        raise NotPermitted("The call scenario is already under way: go back to that call.")
    entry = get_entry(session, entry_id)
    spec = entry.exam_session.profile.component(CALL_COMPONENT)
    call = session.get(CallAttempt, call_attempt_id)
    if call is None:
        raise NotPermitted(f"There is no call {call_attempt_id}.")
    if call.scenario_id != spec.form_id or call.mode != "test":
        raise NotPermitted(f"The exam's call is the scenario {spec.form_id} in test mode.")
    if session.scalars(select(ComponentAttempt).where(ComponentAttempt.call_attempt_id == call.id)).first():
        raise NotPermitted(f"Call {call.id} already belongs to an exam.")
    link = ComponentAttempt(roster_entry_id=entry.id, component=CALL_COMPONENT, call_attempt_id=call.id)
    session.add(link)
    if entry.person_id is None:
        entry.person_id = call.person_id
    entry.status = "in_test"
    audit.record(session, f"candidate:{entry.id}", "call.started", f"roster_entry:{entry.id}",
                 {"call_attempt_id": call.id, "component": CALL_COMPONENT, "scenario_id": call.scenario_id})
    session.commit()
    return link


def call_owner(session: Session, call_attempt_id: str) -> int | None:
    """The roster entry an exam call belongs to; None for a call outside any exam."""
    return session.scalar(select(ComponentAttempt.roster_entry_id)
                          .where(ComponentAttempt.call_attempt_id == call_attempt_id))


def call_finished(session: Session, call_attempt_id: str) -> str | None:
    """Call once an exam call is graded: updates and returns the candidate's status (None if the
    call is not part of an exam)."""
    entry_id = call_owner(session, call_attempt_id)
    if entry_id is None:
        return None
    status = refresh_status(session, get_entry(session, entry_id))
    session.commit()
    return status


def grant_retake(session: Session, actor: User, entry_id: int, component: str, reason: str) -> RetakeGrant:
    """Give a candidate one more attempt at a component (admin); the reason is required and audited."""
    require(actor, "decide_attempts")
    entry = get_entry(session, entry_id)
    reason = " ".join(reason.split())
    problems = []
    if not reason:
        problems.append("reason: say why the retake is granted")
    elif len(reason) > 1000:
        problems.append("reason: at most 1000 characters")
    if entry.exam_session.profile.component(component) is None:
        problems.append(f"component: this exam has no {LABELS.get(component, component)} test")
    if problems:
        raise InvalidInput(problems)
    if entry.exam_session.status == "closed":
        raise NotPermitted(f"exam session {entry.session_id} is closed; book the candidate into another session")
    grant = RetakeGrant(roster_entry_id=entry.id, component=component, reason=reason, granted_by=actor.username)
    session.add(grant)
    session.flush()
    audit.record(session, actor.username, "retake.granted", f"roster_entry:{entry.id}",
                 {"component": component, "reason": reason, "grant_id": grant.id})
    refresh_status(session, entry)
    session.commit()
    return grant
