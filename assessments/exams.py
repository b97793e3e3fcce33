"""Exam profiles (what is tested, under which rules) and exam sessions (when, where, who proctors).

A profile is never edited after it is made: results refer to it, so a change of rules is a
new profile. Sessions move planned -> open -> closed, and only forward.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments import audit
from assessments.accounts import require
from assessments.errors import InvalidInput, NotFound, NotPermitted, validated
from assessments.models import ExamComponent, ExamProfile, ExamSession, User
from results.attempts import DURATIONS_S
from skills_tests import passages, tenkey_items
from skills_tests.tenkey_scoring import DEFAULT_MIN_ACCURACY, DEFAULT_THRESHOLD_NET_KPH
from skills_tests.typing_scoring import DEFAULT_THRESHOLD_NET_WPM, TypingRule

COMPONENTS = ("typing", "tenkey", "scenario")
DEFAULT_SCENARIO_PASS_MARK = 80.0  # points out of 100
SESSION_STATUSES = ("planned", "open", "closed")
EXTENDED_TIME_FACTORS = {"none": 1.0, "x1.5": 1.5, "x2": 2.0}


def exam_form_ids(component: str) -> list[str]:
    """The forms an exam may use: the exam passages or the 10-key exam item sets (practice
    material is open to everyone, so it cannot be an exam); for a call scenario, the valid
    scenarios of the library."""
    if component == "scenario":
        from scenarios.loader import load_library

        return [entry.id for entry in load_library() if entry.valid]
    forms = passages.exam_forms() if component == "typing" else tenkey_items.exam_forms()
    return [form.id for form in forms]


class ComponentSpec(BaseModel):
    """One component of a new profile, as HR fills it in."""

    model_config = ConfigDict(extra="forbid")

    component: str
    duration_s: int = 300
    form_id: str
    rule: str = "standard"
    threshold: float | None = Field(default=None, ge=0)  # net WPM, net KPH or points of 100; default per component
    max_errors: int | None = Field(default=None, ge=0)
    min_accuracy: float | None = Field(default=None, ge=0, le=100)
    count_enter: bool = False
    keypad_only: bool = False

    @field_validator("component")
    @classmethod
    def _component(cls, value: str) -> str:
        if value not in COMPONENTS:
            raise ValueError(f"expected one of {', '.join(COMPONENTS)}, not {value!r}")
        return value

    @field_validator("duration_s")
    @classmethod
    def _duration(cls, value: int) -> int:
        if value not in DURATIONS_S:
            raise ValueError(f"expected one of {', '.join(map(str, DURATIONS_S))} seconds, not {value}")
        return value

    @model_validator(mode="after")
    def _fits_component(self) -> ComponentSpec:
        if self.component == "scenario":
            return self._fits_scenario()
        forms = exam_form_ids(self.component)
        if self.form_id not in forms:
            raise ValueError(f"{self.component} form {self.form_id!r} is not an exam form; expected one of "
                             f"{', '.join(forms)}")
        if self.component == "typing":
            self.rule = str(TypingRule.parse(self.rule))  # ValueError says what is expected
            if self.min_accuracy is not None or self.count_enter or self.keypad_only:
                raise ValueError("min_accuracy, count_enter and keypad_only apply to the 10-key test only")
            if self.threshold is None:
                self.threshold = DEFAULT_THRESHOLD_NET_WPM
        else:
            if self.rule != "standard":
                raise ValueError("the scoring rule (standard or penalty:N) applies to the typing test only")
            if self.max_errors is not None:
                raise ValueError("max_errors applies to the typing test only; the 10-key test uses min_accuracy")
            if self.threshold is None:
                self.threshold = DEFAULT_THRESHOLD_NET_KPH
            if self.min_accuracy is None:
                self.min_accuracy = DEFAULT_MIN_ACCURACY
        return self

    def _fits_scenario(self) -> ComponentSpec:
        from scenarios.loader import find_scenario

        if find_scenario(self.form_id) is None:
            valid = exam_form_ids("scenario")
            raise ValueError(f"scenario {self.form_id!r} is not a valid scenario of the library; expected one of "
                             f"{', '.join(valid) if valid else '(none: the library has no valid scenario)'}")
        if self.rule != "standard" or self.max_errors is not None or self.min_accuracy is not None \
                or self.count_enter or self.keypad_only:
            raise ValueError("a call scenario takes only the scenario and a pass mark (points out of 100)")
        if self.threshold is None:
            self.threshold = DEFAULT_SCENARIO_PASS_MARK
        if self.threshold > 100:
            raise ValueError(f"the pass mark of a call scenario is out of 100, not {self.threshold:g}")
        return self


class ProfileSpec(BaseModel):
    """A new exam profile, as HR fills it in."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    components: list[ComponentSpec] = Field(min_length=1, max_length=len(COMPONENTS))
    warm_up_allowed: bool = False
    attempts_allowed: int = Field(default=1, ge=1, le=10)
    certificate_valid_days: int = Field(default=365, ge=1, le=3650)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("the profile needs a name")
        return value

    @model_validator(mode="after")
    def _one_of_each(self) -> ProfileSpec:
        names = [c.component for c in self.components]
        if len(set(names)) != len(names):
            raise ValueError("each component (typing, tenkey, scenario) may appear once")
        return self


def create_profile(session: Session, actor: User, spec: ProfileSpec | dict) -> ExamProfile:
    """Make an exam profile (admin). ``spec`` is a ProfileSpec or a dict of its fields.

    Raises InvalidInput listing every problem (unknown form, duration not offered, a
    setting that does not belong to the component, a name already used...).
    """
    require(actor, "manage_exams")
    if not isinstance(spec, ProfileSpec):
        spec = validated(ProfileSpec, spec)
    if session.scalars(select(ExamProfile).where(ExamProfile.name == spec.name)).first():
        raise InvalidInput([f"name: a profile called {spec.name!r} already exists"])
    profile = ExamProfile(name=spec.name, warm_up_allowed=spec.warm_up_allowed,
                          attempts_allowed=spec.attempts_allowed,
                          certificate_valid_days=spec.certificate_valid_days, created_by=actor.username)
    session.add(profile)
    session.flush()
    for c in spec.components:
        session.add(ExamComponent(profile_id=profile.id, **c.model_dump()))
    audit.record(session, actor.username, "profile.created", f"exam_profile:{profile.id}", spec.model_dump())
    session.commit()
    session.refresh(profile)
    return profile


def list_profiles(session: Session) -> list[ExamProfile]:
    """Every exam profile, by name."""
    return list(session.scalars(select(ExamProfile).order_by(ExamProfile.name)))


def certificate_expires(profile: ExamProfile, passed_on: date) -> date:
    """The last day a pass under this profile is valid."""
    return passed_on + timedelta(days=profile.certificate_valid_days)


def effective_duration(duration_s: int, extended_time: str) -> int:
    """The time a candidate gets: the component's duration times the accommodation (x1.5, x2)."""
    try:
        return round(duration_s * EXTENDED_TIME_FACTORS[extended_time])
    except KeyError:
        raise ValueError(f"extended time must be one of {', '.join(EXTENDED_TIME_FACTORS)}, "
                         f"not {extended_time!r}") from None


def create_session(session: Session, actor: User, profile_id: int, day: date, place: str,
                   proctor_id: int) -> ExamSession:
    """Plan an exam session (admin). The proctor must be an active admin or lead."""
    require(actor, "manage_exams")
    problems = []
    profile = session.get(ExamProfile, profile_id)
    if profile is None:
        problems.append(f"profile: no exam profile {profile_id}")
    proctor = session.get(User, proctor_id)
    if proctor is None or not proctor.active or proctor.role not in ("admin", "lead"):
        problems.append(f"proctor: user {proctor_id} is not an active admin or lead")
    place = " ".join(place.split())
    if not place or len(place) > 200:
        problems.append("place: say where the session is held (1 to 200 characters)")
    if problems:
        raise InvalidInput(problems)
    row = ExamSession(profile_id=profile_id, day=day, place=place, proctor_id=proctor_id,
                      created_by=actor.username)
    session.add(row)
    session.flush()
    audit.record(session, actor.username, "session.created", f"exam_session:{row.id}",
                 {"profile_id": profile_id, "day": day.isoformat(), "place": place, "proctor_id": proctor_id})
    session.commit()
    return row


def get_session(session: Session, exam_session_id: int) -> ExamSession:
    row = session.get(ExamSession, exam_session_id)
    if row is None:
        raise NotFound(f"no exam session {exam_session_id}")
    return row


def list_sessions(session: Session, status: str | None = None) -> list[ExamSession]:
    """Exam sessions, most recent day first; only those with ``status`` when it is given."""
    query = select(ExamSession).order_by(ExamSession.day.desc(), ExamSession.id.desc())
    if status is not None:
        query = query.where(ExamSession.status == status)
    return list(session.scalars(query))


def _move(session: Session, actor: User, exam_session_id: int, start: str, end: str) -> ExamSession:
    require(actor, "run_session")
    row = get_session(session, exam_session_id)
    if row.status != start:
        raise NotPermitted(f"exam session {row.id} is {row.status}; it can become {end} only when it is {start}")
    row.status = end
    audit.record(session, actor.username, f"session.{'opened' if end == 'open' else end}",
                 f"exam_session:{row.id}")
    session.commit()
    return row


def open_session(session: Session, actor: User, exam_session_id: int) -> ExamSession:
    """planned -> open (admin or lead): candidates may now start their tests."""
    return _move(session, actor, exam_session_id, "planned", "open")


def close_session(session: Session, actor: User, exam_session_id: int) -> ExamSession:
    """open -> closed (admin or lead): no more check-ins or starts."""
    return _move(session, actor, exam_session_id, "open", "closed")
