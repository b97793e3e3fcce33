"""Score reports (certificates) for skills tests, and the code that lets anyone check one.

A report states what the records say about one score version of one attempt - by
default the first, the one that stands. Its verification code is the score's id and an
HMAC of those recorded facts under this installation's ``certificates`` secret, so a
code can be checked against the database at any time: an edited report, an edited score
row or an invented code no longer match. The proctor and accommodations are printed as
given when the report is made; the records do not hold them, so the code cannot cover them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import re
import textwrap
import threading
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime

import matplotlib
from matplotlib.backends.backend_pdf import FigureCanvasPdf
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch
from sqlalchemy.orm import Session

from results.local_secrets import local_secret
from results.models import Attempt, Score
from skills_tests.typing_scoring import report_round

UTILITY_NAME = "Alder Springs Public Utilities"
REPORT_TITLE = "Skills test score report"
TEST_LABELS = {"typing": "Typing", "tenkey": "10-key", "drill": "10-key adding-machine drill"}
RATE_NAMES = {"WPM": "words per minute", "KPH": "keystrokes per hour"}
SECRET_NAME = "certificates"
CODE_LETTERS = 10  # 50 bits of the HMAC: guessing one code is a one in 10^15 chance
FACTS_FORMAT = 1  # bump when the canonical facts change, so old codes are told apart

# --------------------------------------------------------------------------- facts


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything is stored in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class CertificateFacts:
    """What a report states. Everything but ``proctor`` and ``accommodations`` comes from the records."""

    score_id: int
    score_version: int
    attempt_id: str
    candidate: str
    taken_at: str  # when the attempt finished, "YYYY-MM-DD HH:MM UTC"
    test: str  # typing | tenkey | drill
    form_id: str
    mode: str  # practice | exam
    duration_s: int  # the time limit
    scored_seconds: float
    rate_unit: str  # WPM | KPH
    gross_rate: float  # figures as reported: two decimals, halves up
    errors: int
    net_rate: float
    accuracy: float | None
    rule: str  # as stored with the score
    threshold: float
    max_errors: int | None
    min_accuracy: float | None
    passed: bool
    proctor: str | None = None
    accommodations: str | None = None

    @property
    def stands(self) -> bool:
        """The first score version is the one that stands; later ones are re-scores."""
        return self.score_version == 1

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "NOT PASSED"


_NOT_SIGNED = ("proctor", "accommodations")


def canonical_facts(facts: CertificateFacts) -> bytes:
    """The recorded facts as one fixed byte string (floats as reported, so any database gives the same)."""
    fields = {k: v for k, v in asdict(facts).items() if k not in _NOT_SIGNED}
    for name in ("scored_seconds", "gross_rate", "net_rate", "accuracy", "threshold", "min_accuracy"):
        if fields[name] is not None:
            fields[name] = f"{fields[name]:.2f}"
    return json.dumps({"format": FACTS_FORMAT, **fields}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def _facts_from_records(attempt: Attempt, score: Score) -> CertificateFacts:
    finished = attempt.finished_at or score.computed_at
    details = json.loads(score.details_json or "{}")
    min_accuracy = details.get("min_accuracy", attempt.min_accuracy) if attempt.test == "tenkey" else None
    return CertificateFacts(
        score_id=score.id, score_version=score.version, attempt_id=attempt.id, candidate=attempt.person.name,
        taken_at=f"{as_utc(finished):%Y-%m-%d %H:%M} UTC", test=attempt.test, form_id=attempt.form_id,
        mode=attempt.mode, duration_s=attempt.duration_s, scored_seconds=report_round(score.seconds),
        rate_unit=score.rate_unit, gross_rate=report_round(score.gross_rate), errors=score.errors,
        net_rate=report_round(score.net_rate),
        accuracy=None if score.accuracy is None else report_round(score.accuracy),
        rule=score.rule, threshold=report_round(score.threshold),
        max_errors=attempt.max_errors if attempt.test == "typing" else None,
        min_accuracy=None if min_accuracy is None else report_round(min_accuracy), passed=bool(score.passed),
    )


def _given(text: str | None) -> str | None:
    text = " ".join((text or "").split())
    return text or None


def facts_for(session: Session, attempt_id: str, *, version: int | None = None, proctor: str | None = None,
              accommodations: str | None = None) -> CertificateFacts:
    """The facts for a report on an attempt: its first score version unless ``version`` is given."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise LookupError(f"no test attempt {attempt_id!r}")
    if not attempt.scores:
        raise LookupError(f"attempt {attempt_id!r} has no score yet (the test is not finished)")
    if version is None:
        score = attempt.scores[0]
    else:
        matching = [s for s in attempt.scores if s.version == version]
        if not matching:
            versions = ", ".join(str(s.version) for s in attempt.scores)
            raise LookupError(f"attempt {attempt_id!r} has no score version {version} (it has {versions})")
        score = matching[0]
    return replace(_facts_from_records(attempt, score), proctor=_given(proctor),
                   accommodations=_given(accommodations))


# --------------------------------------------------------------------------- verification code


def _code_letters(facts: CertificateFacts) -> str:
    mac = hmac.new(local_secret(SECRET_NAME), canonical_facts(facts), hashlib.sha256).digest()
    return base64.b32encode(mac).decode("ascii")[:CODE_LETTERS]


def _grouped(score_id: int, letters: str) -> str:
    """Short groups are easier to read aloud over the phone: 1234-ABCDE-FGH23."""
    return f"{score_id}-{letters[:5]}-{letters[5:]}"


def verification_code(facts: CertificateFacts) -> str:
    return _grouped(facts.score_id, _code_letters(facts))


class MalformedCode(ValueError):
    """The text cannot be a verification code; the message says why."""


_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_.]+")  # spaces and every kind of dash people type
_CODE = re.compile(rf"(\d{{1,18}})([A-Z2-7]{{{CODE_LETTERS}}})")
_EXAMPLE = "1234-ABCDE-FGH23"


def parse_code(text: str) -> tuple[int, str]:
    """``(score id, letters)`` from a code as typed: any case, spaces and dashes anywhere."""
    if not isinstance(text, str) or len(text) > 100:
        raise MalformedCode(f"that is not a verification code; a code looks like {_EXAMPLE}")
    compact = _SEPARATORS.sub("", text).upper()
    if not compact:
        raise MalformedCode(f"no code was given; a code looks like {_EXAMPLE}")
    stray = next((c for c in compact if not c.isascii() or not c.isalnum()), None)
    if stray is not None:
        raise MalformedCode(f"a verification code has only letters and digits, not {stray!r}")
    if len(compact) <= CODE_LETTERS:
        raise MalformedCode(f"the code is too short: it is the score number followed by {CODE_LETTERS} "
                            f"letters and digits, like {_EXAMPLE}")
    number, letters = compact[:-CODE_LETTERS], compact[-CODE_LETTERS:]
    if not number.isdigit():
        raise MalformedCode(f"the code must start with the score number (digits only), like {_EXAMPLE}")
    wrong = next((c for c in letters if c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), None)
    if wrong is not None:
        hint = {"0": " (did you mean the letter O?)", "1": " (did you mean the letter I or L?)",
                "8": " (did you mean the letter B?)"}.get(wrong, "")
        raise MalformedCode(f"the last {CODE_LETTERS} characters are letters and the digits 2 to 7 only; "
                            f"{wrong!r} is not one of them{hint}")
    match = _CODE.fullmatch(compact)
    if match is None:
        raise MalformedCode(f"the score number is too long; a code looks like {_EXAMPLE}")
    return int(match.group(1)), match.group(2)


VALID, MALFORMED, NO_RECORD, MISMATCH = "valid", "malformed", "no_record", "mismatch"


@dataclass(frozen=True)
class Verification:
    status: str  # VALID | MALFORMED | NO_RECORD | MISMATCH
    reason: str  # one sentence for the person checking
    code: str | None = None  # the code as printed, when it could be read
    facts: CertificateFacts | None = None  # the facts as recorded, when the record exists

    @property
    def ok(self) -> bool:
        return self.status == VALID


def verify_code(session: Session, code: str) -> Verification:
    """Check a code against the records: valid, malformed, no such record, or not matching it."""
    try:
        score_id, letters = parse_code(code)
    except MalformedCode as error:
        return Verification(MALFORMED, f"Malformed code: {error}.")
    printed = _grouped(score_id, letters)
    score = session.get(Score, score_id)
    attempt = session.get(Attempt, score.attempt_id) if score is not None else None
    if score is None or attempt is None:
        return Verification(NO_RECORD, f"No such record: there is no score number {score_id} in these records, "
                                       "so this code was not issued here.", printed)
    facts = _facts_from_records(attempt, score)
    if not hmac.compare_digest(letters, _code_letters(facts)):
        return Verification(MISMATCH, f"The code does not match score record {score_id}: the report or the "
                                      "record has been altered, or the code is forged.", printed, facts)
    standing = ("" if facts.stands else
                f" This is re-score version {facts.score_version}; version 1 is the score that stands.")
    return Verification(VALID, f"Valid: the code matches score record {score_id} as recorded.{standing}",
                        printed, facts)


# --------------------------------------------------------------------------- the report in words


def form_title(test: str, form_id: str) -> str:
    """The passage, item set or batch title; the id alone if the form is no longer on file."""
    from skills_tests.passages import get_passage
    from skills_tests.tenkey_items import get_drill_batch, get_item_set

    lookup = {"typing": get_passage, "tenkey": get_item_set, "drill": get_drill_batch}.get(test)
    try:
        return f"{lookup(form_id).title} ({form_id})" if lookup else form_id
    except KeyError:
        return form_id


def rule_in_words(facts: CertificateFacts) -> str:
    if facts.test == "typing":
        kind = facts.rule.split(",")[0].strip()
        if kind.startswith("penalty:"):
            words = kind.split(":", 1)[1]
            return f"Penalty rule: net WPM = (gross words - {words} x errors) / minutes; a word is 5 characters"
        return "Standard rule: net WPM = gross WPM - errors / minutes; a word is 5 characters"
    if facts.test == "tenkey":
        return (f"Entries must match the items exactly; {facts.rule}; "
                "net KPH counts the keystrokes of correct entries")
    if facts.test == "drill":
        return "The batch must balance, every stub keyed at its check amount" + (
            "; keypad only" if "keypad only" in facts.rule else "")
    return facts.rule


def pass_mark_in_words(facts: CertificateFacts) -> str:
    if facts.test == "typing":
        cap = f" with at most {facts.max_errors} errors" if facts.max_errors is not None else ""
        return f"at least {facts.threshold:g} net WPM{cap}"
    if facts.test == "tenkey":
        accuracy = f" and {facts.min_accuracy:g} % accuracy" if facts.min_accuracy is not None else ""
        return f"at least {facts.threshold:,.0f} net KPH{accuracy}"
    if facts.test == "drill":
        return "the batch balances"
    return f"at least {facts.threshold:g} net {facts.rate_unit}"


def _minutes(seconds: int) -> str:
    return f"{seconds // 60} minute{'s' if seconds != 60 else ''}" if seconds % 60 == 0 else f"{seconds} seconds"


def report_lines(facts: CertificateFacts) -> list[tuple[str, str]]:
    """Label and value for every line of the report, in order (the PDF and the CLI both print these)."""
    unit = facts.rate_unit
    accuracy_of = {"typing": "of words correct", "tenkey": "of entries correct"}.get(facts.test, "")
    limit = ("up to " if facts.test == "drill" else "") + _minutes(facts.duration_s)
    conditions = "exam conditions" if facts.mode == "exam" else "practice conditions"
    return [
        ("Candidate", facts.candidate),
        ("Date", facts.taken_at),
        ("Test", f"{TEST_LABELS.get(facts.test, facts.test)}: {form_title(facts.test, facts.form_id)}, {conditions}"),
        ("Duration", f"{limit} (scored over {facts.scored_seconds:.2f} s)"),
        ("Gross rate", f"{facts.gross_rate:,.2f} {unit} ({RATE_NAMES.get(unit, unit)})"),
        ("Errors", str(facts.errors)),
        ("Net rate", f"{facts.net_rate:,.2f} {unit}"),
        ("Accuracy", "not measured for this test" if facts.accuracy is None
         else f"{facts.accuracy:.2f} % {accuracy_of}".rstrip()),
        ("Scoring rule", rule_in_words(facts)),
        ("Pass mark", pass_mark_in_words(facts)),
        ("Result", facts.verdict),
        ("Accommodations", facts.accommodations or "none"),
        ("Proctor", facts.proctor or "not recorded"),
        ("Score record", f"{facts.score_id}, version {facts.score_version}"
                         + (" (the score that stands)" if facts.stands else " (a re-score; version 1 stands)")),
    ]


# --------------------------------------------------------------------------- the PDF

PAGE_W_IN, PAGE_H_IN = 8.5, 11.0  # US Letter
INK, MUTED, RULE = "#222222", "#5f5f5f", "#b9b9b9"
HEADING_BLUE = "#0b3d6b"
PASS_COLOUR, FAIL_COLOUR = "#0072B2", "#D55E00"  # Okabe-Ito: told apart without colour vision too
LEFT_IN, VALUE_IN, WRAP_CHARS = 0.9, 2.75, 62
# pdf.fonttype is read from the global rcParams while saving, so reports are saved one at a time.
_SAVE_LOCK = threading.Lock()


def _text(fig: Figure, x_in: float, top_in: float, text: str, **style) -> None:
    style.setdefault("color", INK)
    fig.text(x_in / PAGE_W_IN, 1 - top_in / PAGE_H_IN, text, va="top", ha=style.pop("ha", "left"),
             parse_math=False, **style)  # a "$" in a name or note must not start mathtext


def _rule_line(fig: Figure, top_in: float) -> None:
    y = 1 - top_in / PAGE_H_IN
    fig.add_artist(Line2D([LEFT_IN / PAGE_W_IN, 1 - LEFT_IN / PAGE_W_IN], [y, y], color=RULE, linewidth=0.8))


def _box(fig: Figure, top_in: float, height_in: float, edge: str, face: str = "white") -> None:
    fig.add_artist(FancyBboxPatch(
        (LEFT_IN / PAGE_W_IN, 1 - (top_in + height_in) / PAGE_H_IN), 1 - 2 * LEFT_IN / PAGE_W_IN,
        height_in / PAGE_H_IN, boxstyle="round,pad=0,rounding_size=0.01", transform=fig.transFigure,
        facecolor=face, edgecolor=edge, linewidth=1.2))


def _draw(fig: Figure, facts: CertificateFacts, code: str) -> None:
    _text(fig, LEFT_IN, 0.8, UTILITY_NAME, fontsize=21, fontweight="bold", color=HEADING_BLUE)
    _text(fig, LEFT_IN, 1.3, REPORT_TITLE, fontsize=15, color=INK)
    _rule_line(fig, 1.75)
    top = 2.0
    for label, value in report_lines(facts):
        if label == "Result":
            colour = PASS_COLOUR if facts.passed else FAIL_COLOUR
            top += 0.1
            _box(fig, top - 0.1, 0.48, colour)
            _text(fig, LEFT_IN + 0.15, top + 0.07, label, fontsize=11, color=MUTED)
            _text(fig, VALUE_IN, top + 0.02, value, fontsize=16, fontweight="bold", color=colour)
            top += 0.6
            continue
        lines = textwrap.wrap(value, WRAP_CHARS, max_lines=4, placeholder=" ...") or [""]
        _text(fig, LEFT_IN, top, label, fontsize=11, color=MUTED, linespacing=1.35)
        _text(fig, VALUE_IN, top, "\n".join(lines), fontsize=11, linespacing=1.35)
        top += 0.3 + 0.2 * (len(lines) - 1)
    top = max(top + 0.2, 8.4)
    _box(fig, top, 1.55, RULE, face="#f6f8fa")
    _text(fig, LEFT_IN + 0.2, top + 0.15, "Verification code", fontsize=11, color=MUTED)
    _text(fig, LEFT_IN + 0.2, top + 0.42, code, fontsize=20, family="DejaVu Sans Mono", fontweight="bold")
    _text(fig, LEFT_IN + 0.2, top + 0.88, f"Verify at /verify or with  csr-sim verify {code}",
          fontsize=10.5, family="DejaVu Sans Mono")
    _text(fig, LEFT_IN + 0.2, top + 1.12, "The code confirms the candidate, date, test, figures and result as "
          "recorded;\nit does not cover the accommodations or the proctor.", fontsize=8.5, color=MUTED)


def render_pdf(facts: CertificateFacts, code: str | None = None) -> bytes:
    """One Letter page; text is embedded as TrueType (pdf.fonttype 42), so it can be selected and extracted."""
    code = code or verification_code(facts)
    fig = Figure(figsize=(PAGE_W_IN, PAGE_H_IN), facecolor="white")
    FigureCanvasPdf(fig)
    _draw(fig, facts, code)
    buffer = io.BytesIO()
    metadata = {"Title": f"{REPORT_TITLE}: {facts.candidate}", "Author": UTILITY_NAME,
                "Subject": f"Verification code {code}", "CreationDate": None}
    with _SAVE_LOCK, matplotlib.rc_context({"pdf.fonttype": 42}):
        fig.savefig(buffer, format="pdf", metadata=metadata)
    return buffer.getvalue()
