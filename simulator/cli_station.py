"""`csr-sim station-check --session N --station NAME`: check a workstation's keyboard before an exam.

Exit status 0 when the station passed, 1 when it failed (with the reasons), 2 when the check
could not be run (no DISPLAY, unknown session or user, the application not answering).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

EXIT_PASSED, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
DEFAULT_URL = "http://127.0.0.1:8080"


def _station_check(args: argparse.Namespace) -> int:
    from results.database import session_factory
    from simulator.station_check import StationCheckError, describe, run_station_check

    # With --json, the progress (and --manual's address to open) goes to stderr; stdout is the JSON alone.
    say = (lambda text: print(text, file=sys.stderr, flush=True)) if args.json else (
        lambda text: print(text, flush=True))
    try:
        outcome = run_station_check(session_factory(), args.session, args.station, args.by, args.url,
                                    manual=args.manual, fault=args.simulate, say=say)
    except StationCheckError as error:
        print(f"csr-sim: station check not run: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as error:  # the assessments service's refusals (InvalidInput, NotPermitted...) say why
        if type(error).__module__.startswith("assessments"):
            print(f"csr-sim: station check not run: {error}", file=sys.stderr)
            return EXIT_BAD_INPUT
        raise
    if args.json:
        print(json.dumps({"check_id": outcome.check_id, "station": outcome.station, "passed": outcome.passed,
                          "reason": outcome.reason, "numlock_turned_on": outcome.numlock_turned_on,
                          **outcome.figures}, indent=2))
    else:
        print("\n".join(describe(outcome)))
    return EXIT_PASSED if outcome.passed else EXIT_FAILED


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``station-check`` command to the csr-sim parser."""
    check = subparsers.add_parser(
        "station-check", help="check a workstation's keyboard for an exam session (types into a check page "
                              "under the current DISPLAY; exit 0 passed, 1 failed)")
    check.add_argument("--session", required=True, type=int, metavar="N", help="the exam session's number")
    check.add_argument("--station", required=True, metavar="NAME", help="the workstation's name, e.g. 'Room 2 PC 4'")
    check.add_argument("--by", default=os.environ.get("CSR_SIM_ADMIN_USER") or "admin", metavar="USERNAME",
                       help="the HR administrator or lead running the check (default: CSR_SIM_ADMIN_USER or admin)")
    check.add_argument("--url", default=DEFAULT_URL, help=f"where the application runs (default {DEFAULT_URL})")
    check.add_argument("--manual", action="store_true",
                       help="do not open a browser: print the check page's address, wait until someone opens it "
                            "and clicks into it")
    check.add_argument("--simulate", choices=("drop-keys", "top-row-digits"), default=None,
                       help="make the check fail on purpose (to see that it can): leave out keys, or key the "
                            "numbers on the top row")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.set_defaults(handler=_station_check)
