"""Exam profiles (admin): the list, and the form that makes a new one.

A profile is never edited (results refer to it): different rules are a new profile.
"""

from __future__ import annotations

from typing import Any

from nicegui import ui

from assessments import exams
from assessments.errors import InvalidInput
from assessments.models import User
from results.attempts import DURATIONS_S
from results.certificates import form_title
from results.database import session_factory
from scenarios.loader import load_library
from simulator import auth
from simulator.frame import frame
from simulator.hr_common import back_link, component_words, local_time, problem_box, profile_rules
from skills_tests.tenkey_scoring import DEFAULT_MIN_ACCURACY, DEFAULT_THRESHOLD_NET_KPH
from skills_tests.typing_scoring import DEFAULT_THRESHOLD_NET_WPM

DURATIONS = {d: f"{d // 60} minute{'s' if d > 60 else ''}" for d in DURATIONS_S}
COMPONENT_NAMES = {"typing": "Typing test", "tenkey": "10-key test", "scenario": "Call scenario"}


def register() -> None:
    @ui.page("/hr/profiles")
    def profiles_page(created: int = 0) -> None:
        if auth.require("admin") is None:
            return
        with frame("Exam profiles"):
            back_link("HR exams and results", "/hr")
            _profile_list(created)

    @ui.page("/hr/profiles/new")
    def new_profile_page() -> None:
        admin = auth.require("admin")
        if admin is None:
            return
        with frame("New exam profile"):
            back_link("Exam profiles", "/hr/profiles")
            ProfileForm(admin).build()


def _profile_list(created: int) -> None:
    with session_factory()() as session:
        profiles = exams.list_profiles(session)
        ui.label("A profile says what an exam consists of. Profiles are never changed once made, because results "
                 "refer to them: for different rules, make a new profile.").classes("text-gray-700")
        ui.button("New profile", on_click=lambda: ui.navigate.to("/hr/profiles/new")).props("unelevated").mark(
            "new-profile")
        if not profiles:
            ui.label("There are no exam profiles yet. Make one to plan a session.").classes("text-lg").mark(
                "no-profiles")
        for profile in profiles:
            highlight = " ring-2 ring-green-700" if profile.id == created else ""
            with ui.card().classes("w-full p-4 gap-1" + highlight).mark(f"profile-{profile.id}"):
                ui.label(profile.name).classes("text-lg font-semibold")
                for component in profile.components:
                    ui.label(component_words(component))
                ui.label(profile_rules(profile)).classes("text-gray-700")
                ui.label(f"Made by {profile.created_by} on {local_time(profile.created_at)}").classes(
                    "text-sm text-gray-600")


class ProfileForm:
    """The new-profile form: one section per test, then the rules for the whole exam."""

    def __init__(self, admin: User) -> None:
        self.admin = admin
        self.fields: dict[str, dict[str, Any]] = {}

    def build(self) -> None:
        ui.label("Tick the tests the exam includes, then set each one. Pass marks are what a candidate must "
                 "reach; the defaults are the job's requirement (45 net WPM) and this product's 10-key default."
                 ).classes("text-gray-700")
        with ui.card().classes("w-full max-w-3xl p-6 gap-3"):
            self.name = ui.input("Profile name", placeholder="e.g. CSR I hiring exam 2025").props(
                "outlined autofocus").classes("w-full").mark("profile-name")
        self._typing()
        self._tenkey()
        self._scenario()
        with ui.card().classes("w-full max-w-3xl p-6 gap-3"):
            ui.label("Rules for the whole exam").classes("text-lg font-semibold")
            self.attempts = ui.number("Attempts allowed per test (before retakes)", value=1, min=1, max=10,
                                      precision=0).props("outlined").classes("w-80").mark("attempts")
            self.valid_days = ui.number("Certificate valid for (days)", value=365, min=1, max=3650,
                                        precision=0).props("outlined").classes("w-80").mark("valid-days")
            self.warm_up = ui.checkbox("Allow a 1-minute warm-up on practice material before each test "
                                       "(it never counts)").mark("warm-up")
        self.problems = ui.column().classes("w-full max-w-3xl")
        ui.button("Create the profile", on_click=self.submit).props("unelevated size=lg").mark("create-profile")

    def _section(self, component: str, include: bool):
        card = ui.card().classes("w-full max-w-3xl p-6 gap-3")
        with card:
            box = ui.checkbox(f"Include the {COMPONENT_NAMES[component].lower()}", value=include).classes(
                "text-lg font-semibold").mark(f"include-{component}")
            forms = {f: form_title(component, f) for f in exams.exam_form_ids(component)}
            body = ui.column().classes("w-full gap-3").bind_visibility_from(box, "value")
            with body:
                duration = ui.toggle(DURATIONS, value=300).mark(f"{component}-duration")
                form = ui.select(forms, value=next(iter(forms)), label="Exam form").props("outlined").classes(
                    "w-full").mark(f"{component}-form")
        self.fields[component] = {"include": box, "duration": duration, "form": form}
        return body

    def _typing(self) -> None:
        with self._section("typing", True):
            with ui.row().classes("items-center gap-4"):
                rule = ui.select({"standard": "Standard: gross WPM minus errors per minute",
                                  "penalty": "Penalty: deduct words per error"}, value="standard",
                                 label="Scoring rule").props("outlined").classes("w-96").mark("typing-rule")
                words = ui.number("Words deducted per error", value=10, min=1, precision=0).props(
                    "outlined").classes("w-56").mark("penalty-words").bind_visibility_from(
                    rule, "value", value="penalty")
            with ui.row().classes("items-center gap-4"):
                threshold = ui.number("Pass mark (net WPM)", value=DEFAULT_THRESHOLD_NET_WPM, min=0,
                                      precision=1).props("outlined").classes("w-56").mark("typing-threshold")
                max_errors = ui.number("Most errors allowed (empty: no limit)", min=0, precision=0).props(
                    "outlined clearable").classes("w-80").mark("max-errors")
        self.fields["typing"].update(rule=rule, words=words, threshold=threshold, max_errors=max_errors)

    def _tenkey(self) -> None:
        with self._section("tenkey", False):
            with ui.row().classes("items-center gap-4"):
                threshold = ui.number("Pass mark (net KPH)", value=DEFAULT_THRESHOLD_NET_KPH, min=0,
                                      precision=0).props("outlined").classes("w-56").mark("tenkey-threshold")
                accuracy = ui.number("Minimum accuracy (%)", value=DEFAULT_MIN_ACCURACY, min=0, max=100,
                                     precision=1).props("outlined").classes("w-56").mark("min-accuracy")
            count_enter = ui.checkbox("Count Enter as a keystroke").mark("count-enter")
            keypad_only = ui.checkbox("Numeric keypad only (digits above the letters are refused)").mark(
                "keypad-only")
        self.fields["tenkey"].update(threshold=threshold, accuracy=accuracy, count_enter=count_enter,
                                     keypad_only=keypad_only)

    def _scenario(self) -> None:
        with ui.card().classes("w-full max-w-3xl p-6 gap-3"):
            box = ui.checkbox("Include a call scenario", value=False).classes("text-lg font-semibold").mark(
                "include-scenario")
            with ui.column().classes("w-full gap-3").bind_visibility_from(box, "value"):
                ui.label("The candidate takes one call with a scripted caller in test mode (no hints) and works "
                         "it in the CIS; it is graded out of 100 when they wrap up. The scenario's own target "
                         "handle time counts; extended time does not change it.").classes("text-gray-700")
                scenarios = {e.id: f"{e.scenario.title} ({e.id}, {e.scenario.difficulty})"
                             for e in load_library() if e.valid}
                form = ui.select(scenarios, value=next(iter(scenarios), None), label="Scenario").props(
                    "outlined").classes("w-full").mark("scenario-form")
                threshold = ui.number("Pass mark (points out of 100)", value=exams.DEFAULT_SCENARIO_PASS_MARK,
                                      min=0, max=100, precision=1).props("outlined").classes("w-72").mark(
                    "scenario-threshold")
        self.fields["scenario"] = {"include": box, "form": form, "threshold": threshold}

    def spec(self) -> tuple[dict[str, Any], list[str]]:
        """The profile as the service takes it, and the components in the order given."""
        components, order = [], []
        for name, f in self.fields.items():
            if not f["include"].value:
                continue
            if name == "scenario":
                components.append({"component": name, "form_id": f["form"].value or "",
                                   "threshold": f["threshold"].value})
                order.append(name)
                continue
            spec: dict[str, Any] = {"component": name, "duration_s": f["duration"].value, "form_id": f["form"].value,
                                    "threshold": f["threshold"].value}
            if name == "typing":
                words = f["words"].value
                spec["rule"] = "standard" if f["rule"].value == "standard" else f"penalty:{int(words or 0)}"
                spec["max_errors"] = None if f["max_errors"].value is None else int(f["max_errors"].value)
            else:
                spec.update(min_accuracy=f["accuracy"].value, count_enter=bool(f["count_enter"].value),
                            keypad_only=bool(f["keypad_only"].value))
            components.append(spec)
            order.append(name)
        return {"name": self.name.value or "", "components": components, "warm_up_allowed": bool(self.warm_up.value),
                "attempts_allowed": int(self.attempts.value or 0),
                "certificate_valid_days": int(self.valid_days.value or 0)}, order

    def submit(self) -> None:
        spec, order = self.spec()
        if not order:
            problem_box(self.problems, ["Tick at least one test: the typing test, the 10-key test, a call scenario."],
                        "The profile was not created:")
            return
        try:
            with session_factory()() as session:
                profile = exams.create_profile(session, self.admin, spec)
        except InvalidInput as error:
            problem_box(self.problems, [_readable(p, order) for p in error.problems], "The profile was not created:")
            return
        ui.navigate.to(f"/hr/profiles?created={profile.id}")


def _readable(problem: str, order: list[str]) -> str:
    """'components.0.threshold: ...' -> 'Typing test, pass mark: ...'."""
    fields = {"threshold": "pass mark", "max_errors": "most errors", "min_accuracy": "minimum accuracy",
              "duration_s": "time", "form_id": "exam form or scenario", "rule": "scoring rule", "name": "Profile name",
              "attempts_allowed": "Attempts allowed", "certificate_valid_days": "Certificate validity",
              "warm_up_allowed": "Warm-up"}
    head, sep, rest = problem.partition(": ")
    if not sep:
        return problem
    parts = head.split(".")
    if parts[0] == "components" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(order):
        where = COMPONENT_NAMES[order[int(parts[1])]]
        field = fields.get(parts[2], parts[2]) if len(parts) > 2 else ""
        return f"{where}{', ' + field if field else ''}: {rest}"
    return f"{fields.get(parts[0], head)}: {rest}"
