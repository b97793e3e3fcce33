"""`csr-sim scenario list | validate | run`: the call-scenario library from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_INVALID = 1
EXIT_BAD_INPUT = 2
SCRATCH_CUSTOMERS = 200  # a scenario's grade does not depend on the population under its fixture


def _list(args: argparse.Namespace) -> int:
    from scenarios.loader import load_library

    entries = load_library(args.directory)
    if args.json:
        print(json.dumps([{"file": e.path.name, "id": e.id, "valid": e.valid,
                           "title": e.scenario.title if e.scenario else None,
                           "channel": e.scenario.channel if e.scenario else None,
                           "difficulty": e.scenario.difficulty if e.scenario else None,
                           "problems": [str(p) for p in e.problems]} for e in entries], indent=2))
        return 0
    for entry in entries:
        if entry.valid:
            s = entry.scenario
            print(f"{s.id:<40} {s.channel:<8} {s.difficulty:<13} {s.title}")
        else:
            print(f"{entry.id:<40} INVALID  {len(entry.problems)} problem(s): {entry.problems[0].message}")
    invalid = sum(not e.valid for e in entries)
    print(f"{len(entries)} scenario(s), {invalid} invalid" + (" (csr-sim scenario validate shows why)" if invalid else ""))
    return 0


def _validate(args: argparse.Namespace) -> int:
    from scenarios.loader import library_files, load_entry

    files = [Path(f) for f in args.files] or library_files()
    bad = 0
    for file in files:
        entry = load_entry(file)
        if entry.valid:
            print(f"ok       {file}")
        else:
            bad += 1
            print(f"INVALID  {file}")
            for problem in entry.problems:
                print(f"  {problem}")
    print(f"{len(files)} file(s), {bad} invalid")
    return EXIT_INVALID if bad else 0


def _template(given: str | None) -> Path:
    from fake_cis.database import data_dir, template_path
    from fake_cis.seed import seed_template

    if given:
        path = Path(given)
        if not path.is_file():
            raise SystemExit(f"csr-sim: no CIS template at {given} (make one with `csr-sim seed`)")
        return path
    if template_path().is_file():
        return template_path()
    scratch = data_dir() / "scenario-scratch-template.sqlite3"
    if not scratch.is_file():
        print(f"No CIS template yet: seeding a {SCRATCH_CUSTOMERS}-customer one for grading ({scratch}).",
              file=sys.stderr)
        seed_template(scratch, customers=SCRATCH_CUSTOMERS)
    return scratch


def _run(args: argparse.Namespace) -> int:
    from scenarios.loader import ScenarioFileError, load_scenario
    from scenarios.replay import ReplayError, read_replay, replay

    try:
        scenario = load_scenario(args.file)
        log = read_replay(args.actions)
        report = replay(scenario, log.actions, caller=args.caller or log.caller, template=_template(args.template))
    except ScenarioFileError as error:
        print(f"csr-sim: the scenario is invalid:\n{error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ReplayError as error:
        print(f"csr-sim: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.json:
        data = report.to_dict()
        data.pop("timeline")
        print(json.dumps(data, indent=2))
        return 0
    print(f"{report.title} ({report.scenario_id}), caller: {report.caller_mode}")
    print(f"Total: {report.total:g} / 100" + ("  -- FATAL: the call scores 0" if report.fatal else ""))
    for fatal in report.fatal_items:
        if fatal.hit:
            print(f"  FATAL {fatal.id}: {fatal.text} ({fatal.detail})")
    for section in report.sections:
        print(f"{section.title:<28} {section.earned:>5g} / {section.weight}")
        for item in section.items:
            mark = "ok " if item.met else "-- "
            print(f"  {mark}{item.id:<28} {item.earned:>5g} / {item.points:<4g} {item.detail}")
    h = report.handle_time
    print(f"Handle time: {h['handle_s']:.0f} s (talk {h['talk_s']:.0f} s + after-call {h['after_call_s']:.0f} s), "
          f"target {h['target_s']} s")
    return 0


def register(commands) -> None:
    scenario = commands.add_parser("scenario", help="the call-scenario library: list, validate, grade an action log")
    sub = scenario.add_subparsers(dest="scenario_command", required=True)

    listing = sub.add_parser("list", help="every scenario, valid or not")
    listing.add_argument("--directory", help="another scenario folder (default: the library)")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_list)

    validate = sub.add_parser("validate", help="check scenario files; exit 1 when any is invalid")
    validate.add_argument("files", nargs="*", help="scenario files (default: the whole library)")
    validate.set_defaults(handler=_validate)

    run = sub.add_parser("run", help="grade an action log against a scenario, headless")
    run.add_argument("file", help="the scenario .yaml file")
    run.add_argument("--actions", required=True, help="the action log (JSON)")
    run.add_argument("--caller", choices=("scripted", "lead"), help="override the log's caller mode")
    run.add_argument("--template", help="CIS template to lay the fixture on (default: the configured one)")
    run.add_argument("--json", action="store_true", help="print the grade as JSON")
    run.set_defaults(handler=_run)
