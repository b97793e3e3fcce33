"""Malformed scenario files: each one is refused with its file, line, field and what was expected."""

from __future__ import annotations

import re

import pytest
import yaml

from scenarios.loader import LIBRARY, ScenarioFileError, load_library, parse_scenario

GOOD = (LIBRARY / "01-renter-starts-service.yaml").read_text(encoding="utf-8")


def edited(change) -> str:
    data = yaml.safe_load(GOOD)
    change(data)
    return yaml.safe_dump(data, sort_keys=False)


def _set(path: str, value):
    def change(data):
        *head, last = path.split(".")
        target = data
        for part in head:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return change


def _drop(path: str):
    def change(data):
        *head, last = path.split(".")
        target = data
        for part in head:
            target = target[int(part)] if isinstance(target, list) else target[part]
        del target[last]
    return change


CASES = [
    ("not YAML", "id: [unclosed\n", None, "not valid YAML"),
    ("a list, not a mapping", "- one\n- two\n", None, "a scenario file is a mapping"),
    ("key given twice", GOOD.replace("title: A renter starts service", "title: A\ntitle: B", 1), None,
     "key 'title' appears twice"),
    ("missing title", edited(_drop("title")), "title", "is required"),
    ("unknown field", edited(_set("sumary", "typo")), "sumary", "is not a field here"),
    ("bad difficulty", edited(_set("difficulty", "hard")), "difficulty", "must be one of 'beginner'"),
    ("weights do not add up", edited(_set("rubric.soft_skills", 20)), "", "weights add up to 105, not 100"),
    ("section points differ from weight", edited(_set("items.0.points", 4)), "",
     "opening_verification: its items' points add up to 14"),
    ("option that is not in the script", edited(_set("items.0.said", ["say_hello"])), "",
     "items.greeting.said: no option 'say_hello'"),
    ("next turn that does not exist", edited(_set("caller.script.turns.greeting.options.0.next", "nowhere")),
     "caller.script", "next: no turn 'nowhere'"),
    ("item with two kinds", edited(_set("items.0.not_said", ["greet_curt"])), "items.0",
     "exactly one of state, said"),
    ("fact used but not given", GOOD.replace("{facts.move_in}.", "{facts.moving_day}.", 1), "",
     "no fact 'moving_day'"),
    ("unknown operation", edited(_set("items.2.order.then.operation", "start_serivce")), "",
     "no CIS operation 'start_serivce'"),
    ("bad account number", edited(_set("setup.accounts.landlord_account.number", "12345")),
     "setup.accounts.landlord_account.number", "must match"),
    ("person missing from setup", edited(_set("setup.accounts.landlord_account.people", [{"person": "ghost"}])),
     "setup", "no person 'ghost'"),
    ("unknown expected amount", edited(_set("items.8.state.where.amount", {"expected": "feee"})), "",
     "no expected amount 'feee'"),
    ("bad voice name", edited(_set("caller.voice", "en us; rm")), "caller.voice", "must match"),
]


@pytest.mark.parametrize("text,field,message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_file_is_reported_precisely(text, field, message):
    with pytest.raises(ScenarioFileError) as caught:
        parse_scenario(text, "scenarios/library/bad.yaml")
    problems = caught.value.problems
    assert any(message in p.message for p in problems), [str(p) for p in problems]
    hit = next(p for p in problems if message in p.message)
    assert hit.file == "scenarios/library/bad.yaml"
    if field:
        assert hit.field == field, str(hit)
    if field is not None:
        assert hit.line is not None and hit.line >= 1, str(hit)
    assert re.match(r"scenarios/library/bad\.yaml(:\d+)?: ", str(hit))


def test_the_line_points_at_the_offending_field():
    text = edited(_set("difficulty", "hard"))
    with pytest.raises(ScenarioFileError) as caught:
        parse_scenario(text, "bad.yaml")
    line = caught.value.problems[0].line
    assert text.splitlines()[line - 1].startswith("difficulty:")


def test_an_invalid_file_is_listed_as_invalid_and_the_rest_still_load(tmp_path):
    (tmp_path / "01-good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "02-bad.yaml").write_text("id: [", encoding="utf-8")
    (tmp_path / "03-copy.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "04-binary.yaml").write_bytes(b"\xff\xfe\x00bad")
    entries = load_library(tmp_path)
    assert [e.valid for e in entries] == [True, False, False, False]
    assert "also the id of 01-good.yaml" in entries[2].problems[0].message
    assert "not UTF-8" in entries[3].problems[0].message


def test_a_changed_file_is_read_again(tmp_path):
    from scenarios.loader import load_entry

    path = tmp_path / "01-good.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_entry(path).valid
    assert load_entry(path) is load_entry(path)  # kept while the file is unchanged
    path.write_text(GOOD.replace("difficulty: beginner", "difficulty: hard"), encoding="utf-8")
    assert not load_entry(path).valid
    path.unlink()
    assert "no such file" in load_entry(path).problems[0].message
