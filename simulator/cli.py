"""The `csr-sim` command: run the application, score a test from files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from skills_tests.tenkey_scoring import DEFAULT_MIN_ACCURACY, DEFAULT_THRESHOLD_NET_KPH, score_tenkey
from skills_tests.typing_scoring import DEFAULT_THRESHOLD_NET_WPM, TypingRule, score_typing

EXIT_BAD_INPUT = 2


class BadInput(Exception):
    """The command's input is unusable; the message says why and what is expected."""


def _read_text(path: str, what: str, *, allow_empty: bool = True) -> str:
    file = Path(path)
    if not file.is_file():
        raise BadInput(f"{what} file {path!r} does not exist (expected a UTF-8 text file)")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise BadInput(f"{what} file {path!r} is not UTF-8 text (byte {error.start} cannot be decoded)") from None
    if not allow_empty and not text.strip():
        raise BadInput(f"{what} file {path!r} is empty (expected the passage the candidate copied)")
    return text


def _positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"the test time must be more than 0 seconds, not {value}")
    return seconds


def _rule(value: str) -> str:
    try:
        return str(TypingRule.parse(value))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _score_typing(args: argparse.Namespace) -> int:
    source = _read_text(args.source, "source", allow_empty=False)
    typed = _read_text(args.typed, "typed")
    score = score_typing(source, typed, args.seconds, args.rule, args.ended_by)
    passed = score.passes(args.threshold, args.max_errors)
    if args.json:
        print(json.dumps({**score.to_dict(), "threshold": args.threshold, "max_errors": args.max_errors,
                          "passed": passed}, indent=2))
        return 0
    print(f"Rule:        {score.rule}" + (f", at most {args.max_errors} errors" if args.max_errors is not None else ""))
    print(f"Time:        {score.seconds:g} s (ended by {score.ended_by})")
    print(f"Gross:       {score.gross_chars} characters = {score.gross_wpm:.2f} WPM")
    print(f"Errors:      {score.errors}")
    print(f"Net:         {score.net_wpm:.2f} WPM")
    print(f"Result:      {'PASS' if passed else 'NOT PASSED'} (pass mark {args.threshold:g} net WPM)")
    for n, error in enumerate(score.error_list, 1):
        print(f"  {n:3}. {error.kind:<10} expected {' '.join(error.source_words)!r:<24} "
              f"typed {' '.join(error.typed_words)!r}")
    return 0


def _lines(path: str, what: str) -> list[str]:
    """One item or entry per line; a trailing line break does not make an extra (empty) line."""
    return _read_text(path, what).splitlines()


def _score_tenkey(args: argparse.Namespace) -> int:
    key = _lines(args.key, "key")
    if not key:
        raise BadInput(f"key file {args.key!r} is empty (expected one item per line)")
    blank = [n for n, item in enumerate(key, 1) if not item.strip()]
    if blank:
        raise BadInput(f"key file {args.key!r} has an empty line {blank[0]} (every line of a key must be an item)")
    entries = _lines(args.entries, "entries")
    if len(entries) > len(key):
        raise BadInput(f"entries file {args.entries!r} has {len(entries)} entries for {len(key)} items in the key")
    score = score_tenkey(key, entries, args.seconds, count_enter=args.count_enter)
    passed = score.passes(args.threshold, args.min_accuracy)
    if args.json:
        print(json.dumps({**score.to_dict(), "threshold": args.threshold, "min_accuracy": args.min_accuracy,
                          "passed": passed}, indent=2))
        return 0
    print(f"Time:        {score.seconds:g} s; Enter {'counted' if args.count_enter else 'not counted'}")
    print(f"Entries:     {score.entries} keyed, {score.correct} correct, {score.errors} wrong or skipped")
    print(f"Keystrokes:  {score.keystrokes} = {score.gross_kph:,.0f} gross KPH")
    print(f"Net:         {score.net_kph:,.0f} KPH; accuracy {score.accuracy:.2f} %")
    print(f"Result:      {'PASS' if passed else 'NOT PASSED'} (pass mark {args.threshold:,.0f} net KPH and "
          f"{args.min_accuracy:g} % accuracy)")
    for wrong in score.wrong:
        print(f"  line {wrong.position:4}: expected {wrong.expected!r:<14} keyed {wrong.entered!r}"
              + (" (skipped)" if wrong.skipped else ""))
    return 0


def _seed(args: argparse.Namespace) -> int:
    from fake_cis.database import template_path
    from fake_cis.seed import seed_template

    if args.customers < 1:
        raise BadInput(f"--customers must be at least 1, not {args.customers}")
    target = template_path()

    def progress(fraction: float, message: str) -> None:
        done = int(fraction * 30)
        print(f"\r[{'#' * done}{'.' * (30 - done)}] {fraction:4.0%} {message:<40}", end="", flush=True)

    seed_template(target, customers=args.customers, seed=args.seed, progress=progress)
    print(f"\nSeeded {args.customers:,} customers (seed {args.seed}) into {target}")
    return 0


def _run(args: argparse.Namespace) -> int:
    import os

    from results.database import data_dir

    # Browser-session storage belongs with the rest of the data, not in the working folder.
    os.environ.setdefault("NICEGUI_STORAGE_PATH", str(data_dir() / "browser-sessions"))
    from nicegui import ui

    from simulator.app import build_app, ensure_first_admin, storage_secret
    from simulator.frame import APP_NAME

    build_app()
    ensure_first_admin(lambda text: print(text, flush=True))  # the first start makes (and shows) the HR admin
    print(f"CSR simulator running on http://{args.host}:{args.port}  (Ctrl+C stops it; "
          f"staff sign in at http://{args.host}:{args.port}/signin)", flush=True)
    ui.run(host=args.host, port=args.port, title=APP_NAME, storage_secret=storage_secret(), reload=False,
           show=False, show_welcome_message=False)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="csr-sim", description="CSR training and skills-assessment simulator")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start the application")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8080)
    run.set_defaults(handler=_run)

    seed = commands.add_parser("seed", help="build the practice CIS population (replaces the current template)")
    seed.add_argument("--customers", type=int, default=36_000, help="premises with service (default 36,000)")
    seed.add_argument("--seed", type=int, default=1, help="random seed: the same seed gives the same population")
    seed.set_defaults(handler=_seed)

    score = commands.add_parser("score", help="score a test from files (re-score or audit)")
    tests = score.add_subparsers(dest="test", required=True)
    typing = tests.add_parser("typing", help="score a typing test: passage file + typed text file")
    typing.add_argument("--source", required=True, help="the passage the candidate copied (UTF-8 text)")
    typing.add_argument("--typed", required=True, help="what the candidate typed (UTF-8 text)")
    typing.add_argument("--seconds", required=True, type=_positive_seconds, help="test time in seconds")
    typing.add_argument("--rule", default="standard", type=_rule, help="standard (default) or penalty:N")
    typing.add_argument("--max-errors", type=int, default=None, help="fail when errors exceed this")
    typing.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD_NET_WPM,
                        help=f"pass mark in net WPM (default {DEFAULT_THRESHOLD_NET_WPM:g})")
    typing.add_argument("--ended-by", choices=("time", "completion"), default="time",
                        help="time: an unfinished last word is not an error; completion: it is")
    typing.add_argument("--json", action="store_true", help="print one JSON object")
    typing.set_defaults(handler=_score_typing)

    tenkey = tests.add_parser("tenkey", help="score a 10-key test: key file + entries file, one per line")
    tenkey.add_argument("--key", required=True, help="the items, one per line (UTF-8 text)")
    tenkey.add_argument("--entries", required=True, help="what was keyed, one entry per line; an empty line is skipped")
    tenkey.add_argument("--seconds", required=True, type=_positive_seconds, help="test time in seconds")
    tenkey.add_argument("--count-enter", action="store_true", help="count Enter as a keystroke (default: not)")
    tenkey.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD_NET_KPH,
                        help=f"pass mark in net KPH (product default {DEFAULT_THRESHOLD_NET_KPH:,.0f})")
    tenkey.add_argument("--min-accuracy", type=float, default=DEFAULT_MIN_ACCURACY,
                        help=f"minimum accuracy in per cent (product default {DEFAULT_MIN_ACCURACY:g})")
    tenkey.add_argument("--json", action="store_true", help="print one JSON object")
    tenkey.set_defaults(handler=_score_tenkey)

    from simulator import cli_assessments, cli_results, cli_scenarios, cli_station

    cli_scenarios.register(commands)
    cli_results.register(commands)
    cli_assessments.register(commands)
    cli_station.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except BadInput as error:
        print(f"csr-sim: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
