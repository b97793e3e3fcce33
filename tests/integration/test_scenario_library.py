"""Every scenario in the library validates, its golden replay scores 100 and each mistake
replay loses exactly what its file says."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.loader import library_files, load_scenario
from scenarios.replay import read_replay, replay

FILES = library_files()
REPLAYS = [(scenario, log) for scenario in FILES for log in sorted(scenario.with_suffix("").glob("*.json"))]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    from fake_cis.seed import seed_template

    path = tmp_path_factory.mktemp("cis") / "template.sqlite3"
    seed_template(path, customers=200)
    return path


def test_the_library_covers_the_duties_and_every_channel():
    scenarios = [load_scenario(f) for f in FILES]
    assert len(scenarios) >= 22
    assert {s.channel for s in scenarios} == {"phone", "email", "letter", "counter"}
    assert len({s.id for s in scenarios}) == len(scenarios)
    trained = {d for s in scenarios for d in s.duties}
    from scenarios.schema import DUTIES

    assert trained == set(DUTIES), set(DUTIES) - trained
    assert any(r.name == "golden.json" and '"caller": "lead"' in r.read_text() or
               '"lead_score"' in r.read_text() for _, r in REPLAYS), "no lead-led replay in the library"


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_scenario_validates_and_has_golden_and_mistake_replays(path: Path):
    load_scenario(path)
    logs = sorted(p.name for p in path.with_suffix("").glob("*.json"))
    assert "golden.json" in logs, f"{path.name} has no golden replay"
    assert any(name.startswith("mistake-") for name in logs), f"{path.name} has no mistake replay"


@pytest.mark.parametrize("path,log", REPLAYS, ids=[f"{s.stem}/{r.stem}" for s, r in REPLAYS])
def test_replay_scores_what_its_file_says(path: Path, log: Path, template):
    scenario = load_scenario(path)
    recorded = read_replay(log)
    report = replay(scenario, recorded.actions, caller=recorded.caller, template=template)
    missed = sorted(i.id for i in report.items if i.earned < i.points)
    fatal = sorted(f.id for f in report.fatal_items if f.hit)
    explained = {i.id: i.detail for i in report.items if i.earned < i.points}
    if log.name == "golden.json":
        assert float(report.total) == 100, explained
        assert not fatal and not missed
    else:
        assert "total" in recorded.expect, f"{log} must say what it scores (expect.total)"
        assert float(report.total) == recorded.expect["total"], explained
        assert fatal == sorted(recorded.expect.get("fatal", [])), explained
        assert missed == sorted(recorded.expect.get("missed", [])), explained
        assert report.total < 100


@pytest.mark.parametrize("path,log", REPLAYS[:3], ids=[f"{s.stem}/{r.stem}" for s, r in REPLAYS[:3]])
def test_replaying_twice_gives_the_same_grade(path: Path, log: Path, template):
    scenario = load_scenario(path)
    recorded = read_replay(log)
    first = replay(scenario, recorded.actions, caller=recorded.caller, template=template).to_dict()
    second = replay(scenario, recorded.actions, caller=recorded.caller, template=template).to_dict()
    assert first == second
