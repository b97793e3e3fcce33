"""Grading a call: every rubric item met or missed with the reason, fatal items, the total.

The rules (docs/scenarios.md, "How a call is graded"):
- each item earns its points when met; ``noted`` and ``reply`` items earn their share of
  the facts found, ``handle_time`` loses its points linearly from the target to twice the
  target, a lead item earns what the lead gave (solo: its points when the script shows it);
- a section's score is the sum of its items; the total is the sum of the sections (0-100);
- any fatal item hit makes the total 0 (the sections still show what was done).
Points are kept to one decimal place, rounded half up.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from fake_cis.models import Account
from fake_cis.operations import OPERATIONS
from scenarios.call import Call, Step
from scenarios.expected import lookup
from scenarios.schema import SECTION_TITLES, Item, Matcher, Phrase, Scenario
from scenarios.state_checks import run_check

TENTH = Decimal("0.1")


def _tenth(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass
class ItemResult:
    id: str
    section: str
    kind: str
    text: str
    points: Decimal
    earned: Decimal
    met: bool
    detail: str
    policy: str | None = None
    expected: str | None = None
    actual: str | None = None
    accuracy: float | None = None  # data entry: character match, per cent


@dataclass
class FatalResult:
    id: str
    text: str
    hit: bool
    detail: str


@dataclass
class SectionResult:
    id: str
    title: str
    weight: int
    earned: Decimal
    items: list[ItemResult] = field(default_factory=list)


@dataclass
class GradeReport:
    scenario_id: str
    title: str
    caller_mode: str
    total: Decimal
    fatal: bool
    sections: list[SectionResult]
    fatal_items: list[FatalResult]
    handle_time: dict[str, Any]
    timeline: list[dict[str, Any]]

    @property
    def items(self) -> list[ItemResult]:
        return [item for section in self.sections for item in section.items]

    def to_dict(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, Decimal):
                return float(value)
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value

        data = plain(asdict(self))
        data["fatal_hit"] = [f.id for f in self.fatal_items if f.hit]
        data["expectations"] = [{"id": i.id, "section": i.section, "met": i.met, "points": float(i.points),
                                 "earned": float(i.earned), "detail": i.detail} for i in self.items]
        data["data_entry"] = [{"id": i.id, "expected": i.expected, "actual": i.actual, "accuracy": i.accuracy}
                              for i in self.items if i.kind == "entered"]
        return data


# --- events in the call --------------------------------------------------------------------


def _ok_operations(call: Call) -> list[Step]:
    return [s for s in call.steps if s.kind == "operation" and s.result.get("ok")]


def _argument(arguments: dict[str, Any], path: str) -> Any:
    value: Any = arguments
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _same(actual: Any, wanted: Any) -> bool:
    if actual is None:
        return wanted is None
    try:
        return Decimal(str(actual)) == Decimal(str(wanted))
    except ArithmeticError:
        return str(actual).strip().casefold() == str(wanted).strip().casefold()


def _wanted(call: Call, value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"expected"}:
        return lookup(call.expected, value["expected"])
    if isinstance(value, dict) and set(value) == {"account"}:
        return call.refs.account_numbers.get(value["account"])
    if isinstance(value, str):
        return call.text(value)
    return value


def _first(call: Call, matcher: Matcher) -> Step | None:
    for step in call.steps:
        if matcher.said and step.kind == "say" and step.action["option"] in matcher.said:
            return step
        if (matcher.operation and step.kind == "operation" and step.result.get("ok")
                and step.action["operation"] == matcher.operation
                and all(_same(_argument(step.action.get("arguments", {}), k), _wanted(call, v))
                        for k, v in matcher.where.items())):
            return step
    return None


def _unverified_touches(call: Call, account_key: str) -> tuple[int | None, list[Step], list[Step]]:
    """The seq of the caller's verification, the disclosures and the changes made before it."""
    number = call.refs.account_numbers[account_key]
    verified = call.verified(number)
    options = {o.id: o for t in call.scenario.caller.script.turns.values() for o in t.options}
    disclosures, changes = [], []
    for step in call.steps:
        if verified is not None and step.seq > verified:
            break
        if step.kind == "say" and options[step.action["option"]].discloses:
            disclosures.append(step)
        if (step.kind == "operation" and step.result.get("ok")
                and operations_kind(step.action["operation"]) == "write"
                and str(step.action.get("arguments", {}).get("account_number")) == number):
            changes.append(step)
    return verified, disclosures, changes


def operations_kind(name: str) -> str:
    op = OPERATIONS.get(name)
    return op.kind if op else "write"


def _account_number(call: Call, key: str, bound: dict[str, int]) -> str | None:
    """A fixture account's number, or the number of an account a check bound under ``key``."""
    if key in call.refs.account_numbers:
        return call.refs.account_numbers[key]
    if key in bound:
        account = call.session.get(Account, bound[key])
        return account.account_number if account else None
    return None


def _normalised(text: str, how: str) -> str:
    if how == "digits":
        return re.sub(r"\D", "", text)
    if how == "spacing":
        return " ".join(text.split()).casefold()
    return text


def _plain(text: str) -> str:
    """Lower case, single spaces, amounts without "$" and thousands commas ($1,234.50 = 1234.50)."""
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text.replace("$", ""))
    return " ".join(text.split()).casefold()


def _phrases(call: Call, text: str, phrases: tuple[Phrase, ...]) -> tuple[list[str], list[str]]:
    haystack = _plain(text)
    found, missing = [], []
    for phrase in phrases:
        variants = [_plain(call.text(v)) for v in phrase.any_of]
        (found if any(v in haystack for v in variants) else missing).append(phrase.name)
    return found, missing


@cache
def _spell_checker():
    from spellchecker import SpellChecker

    return SpellChecker()


def misspelled(text: str, accepted: set[str]) -> list[str]:
    """Words the dictionary does not know, lower-cased. Names the scenario uses (its facts and
    ``words_ok``) are accepted; e-mail addresses, numbers and all-capital abbreviations are skipped."""
    text = re.sub(r"\S+@\S+", " ", text)
    words = re.findall(r"(?<![\w.])([A-Za-z][a-z']*[a-z]|[a-z])(?!\w)", text)
    candidates = [w.strip("'").lower() for w in words]
    candidates = [w.removesuffix("'s") for w in candidates if w and w not in accepted]
    return sorted(w for w in _spell_checker().unknown(candidates) if w not in accepted)


# --- items -------------------------------------------------------------------------------------


def _grade_item(call: Call, item: Item, bound: dict[str, int]) -> ItemResult:
    points = item.points
    result = ItemResult(item.id, item.section, item.kind, item.text, points, Decimal(0), False, "", item.policy)

    def met(ok: bool, detail: str) -> ItemResult:
        result.met, result.detail = ok, detail
        result.earned = points if ok else Decimal(0)
        return result

    def share(found: int, total: int, detail: str) -> ItemResult:
        result.earned = _tenth(points * found / total) if total else points
        result.met = found == total
        result.detail = detail
        return result

    said = set(call.said)
    if item.state is not None:
        check = run_check(call.session, item.state, call.refs, call.expected, bound, call.facts)
        return met(check.met, check.detail)
    if item.said is not None:
        chosen = [o for o in item.said if o in said]
        return met(bool(chosen), f"said: {', '.join(chosen)}" if chosen else "not said")
    if item.not_said is not None:
        chosen = [o for o in item.not_said if o in said]
        return met(not chosen, f"said {', '.join(chosen)}" if chosen else "avoided")
    if item.mood is not None:
        return met(call.mood in item.mood, f"the caller ended {call.mood}")
    if item.verify_first is not None:
        verified, disclosures, changes = _unverified_touches(call, item.verify_first)
        if verified is None:
            return met(False, "the caller was never verified on the account")
        early = disclosures + changes
        if early:
            what = ", ".join(s.action.get("option") or s.action.get("operation") for s in early)
            return met(False, f"before verification: {what}")
        return met(True, f"verified at step {verified + 1}, before any account detail was given or changed")
    if item.order is not None:
        first, then = _first(call, item.order.first), _first(call, item.order.then)
        if first is None or then is None:
            missing = "the first step" if first is None else "the second step"
            return met(False, f"{missing} never happened")
        return met(first.seq < then.seq, "in order" if first.seq < then.seq else "out of order")
    if item.entered is not None:
        rule = item.entered
        wanted = call.text(rule.value)
        steps = [s for s in _ok_operations(call) if s.action["operation"] == rule.operation]
        values = [_argument(s.action.get("arguments", {}), rule.path) for s in steps]
        values = [v for v in values if v is not None]
        result.expected = wanted
        if not values:
            result.accuracy = 0.0
            return met(False, f"nothing entered in {rule.operation} {rule.path}")
        actual = str(values[-1])
        result.actual = actual
        a, b = _normalised(actual, rule.normalize), _normalised(wanted, rule.normalize)
        result.accuracy = round(100 * difflib.SequenceMatcher(None, a, b, autojunk=False).ratio(), 1)
        return met(a == b, "entered exactly" if a == b else
                   f"entered {actual!r}, expected {wanted!r} ({result.accuracy:g} % of characters match)")
    if item.noted is not None:
        number = _account_number(call, item.noted.account, bound)
        notes = [s.action["arguments"].get("note", "") for s in _ok_operations(call)
                 if s.action["operation"] == "add_note" and number is not None
                 and str(s.action["arguments"].get("account_number")) == number]
        if not notes:
            result.earned = Decimal(0)
            result.detail = "no note on the account"
            return result
        found, missing = _phrases(call, " ".join(notes), item.noted.facts)
        return share(len(found), len(item.noted.facts),
                     "the note mentions everything" if not missing else f"the note does not mention: "
                                                                        f"{', '.join(missing)}")
    if item.reply is not None:
        rule = item.reply
        replies = [s.action["text"] for s in call.steps if s.kind == "reply"]
        if not replies:
            result.detail = "no reply was written"
            return result
        text = replies[-1]
        found, missing = _phrases(call, text, rule.facts + rule.tone)
        accepted = {w.lower() for w in rule.words_ok}
        accepted |= {w.lower() for v in call.facts.values() for w in re.findall(r"[A-Za-z']+", v)}
        wrong = misspelled(text, accepted)
        spelling_ok = len(wrong) <= rule.max_spelling_errors
        units = len(rule.facts) + len(rule.tone) + 1
        parts = []
        if missing:
            parts.append(f"missing: {', '.join(missing)}")
        parts.append(f"{len(wrong)} spelling error(s)" + (f" ({', '.join(wrong[:8])})" if wrong else "")
                     + ("" if spelling_ok else f", more than {rule.max_spelling_errors}"))
        return share(len(found) + (1 if spelling_ok else 0), units, "; ".join(parts))
    if item.handle_time is not None:
        target = call.scenario.target_handle_time_s
        handle = call.wrapped_at if call.wrapped_at is not None else call.last_t
        if handle <= target:
            return met(True, f"{handle:.0f} s, within the target of {target} s")
        factor = max(Decimal(0), 1 - (Decimal(str(handle)) - target) / target)
        result.earned = _tenth(points * factor)
        result.detail = f"{handle:.0f} s, {handle - target:.0f} s over the target of {target} s"
        return result
    if item.lead is not None:
        if call.caller_mode == "lead":
            scores = [s for s in call.steps if s.kind == "lead_score" and s.action["item"] == item.id]
            if not scores:
                result.detail = "not scored by the lead"
                return result
            given = Decimal(str(scores[-1].action["points"]))
            result.earned, result.met = given, given == points
            note = scores[-1].action.get("note")
            result.detail = f"lead gave {given:g} of {points:g}" + (f": {note}" if note else "")
            return result
        rule = item.lead
        reasons = []
        if rule.solo_said and not said & set(rule.solo_said):
            reasons.append(f"did not say any of {', '.join(rule.solo_said)}")
        if said & set(rule.solo_not_said):
            reasons.append(f"said {', '.join(sorted(said & set(rule.solo_not_said)))}")
        if rule.solo_mood and call.mood not in rule.solo_mood:
            reasons.append(f"the caller ended {call.mood}")
        return met(not reasons, "; ".join(reasons) or "shown in the call")
    raise AssertionError(f"unhandled item kind {item.kind}")  # the schema allows no other


def _fatal(call: Call, scenario: Scenario, bound: dict[str, int]) -> list[FatalResult]:
    results = []
    for fatal in scenario.fatal:
        if fatal.said is not None:
            chosen = [o for o in fatal.said if o in call.said]
            results.append(FatalResult(fatal.id, fatal.text, bool(chosen),
                                       f"said {', '.join(chosen)}" if chosen else "avoided"))
        elif fatal.state is not None:
            check = run_check(call.session, fatal.state, call.refs, call.expected, bound, call.facts)
            results.append(FatalResult(fatal.id, fatal.text, check.met, check.detail))
        else:
            verified, disclosures, _changes = _unverified_touches(call, fatal.unverified_disclosure)
            hit = bool(disclosures)
            detail = (f"disclosed before verification: {', '.join(s.action['option'] for s in disclosures)}"
                      if hit else "nothing disclosed before verification")
            results.append(FatalResult(fatal.id, fatal.text, hit, detail))
    return results


def timeline(call: Call) -> list[dict[str, Any]]:
    lines = [{"t": 0.0, "who": "caller", "text": call.opening_line()}]
    for step in call.steps:
        a, r = step.action, step.result
        if step.kind == "say":
            lines.append({"t": a["t"], "who": a.get("by", "trainee"), "text": r["said"], "option": a["option"]})
            if r.get("reply"):
                lines.append({"t": a["t"], "who": "caller", "text": r["reply"], "mood": r["mood"]})
        elif step.kind == "operation":
            lines.append({"t": a["t"], "who": "cis", "text": f"{a['operation']}: {r['message']}",
                          "ok": r["ok"]})
        elif step.kind == "end_call":
            lines.append({"t": a["t"], "who": "system", "text": "Call ended; after-call work begins."})
        elif step.kind == "wrap_up":
            lines.append({"t": a["t"], "who": "system", "text": "After-call work done."})
        elif step.kind == "reply":
            lines.append({"t": a["t"], "who": "trainee", "text": f"Drafted the reply ({r['words']} words)."})
        elif step.kind == "lead_score":
            lines.append({"t": a["t"], "who": "lead", "text": f"Scored {a['item']}: {a['points']}"})
    return lines


def grade(call: Call) -> GradeReport:
    scenario = call.scenario
    bound: dict[str, int] = {}
    sections = {s: SectionResult(s, SECTION_TITLES[s], w, Decimal(0)) for s, w in scenario.rubric.items()}
    for item in scenario.items:
        result = _grade_item(call, item, bound)
        sections[item.section].items.append(result)
        sections[item.section].earned += result.earned
    fatal = _fatal(call, scenario, bound)
    hit = any(f.hit for f in fatal)
    total = Decimal(0) if hit else sum((s.earned for s in sections.values()), Decimal(0))
    talk = call.ended_at if call.ended_at is not None else call.last_t
    handle = call.wrapped_at if call.wrapped_at is not None else call.last_t
    return GradeReport(scenario.id, scenario.title, call.caller_mode, _tenth(total), hit, list(sections.values()),
                       fatal, {"talk_s": talk, "after_call_s": round(handle - talk, 3), "handle_s": handle,
                               "target_s": scenario.target_handle_time_s}, timeline(call))

