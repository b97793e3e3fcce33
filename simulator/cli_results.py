"""`csr-sim verify CODE` and `csr-sim certificate ATTEMPT_ID --out FILE.pdf`.

``verify`` answers with exit status 0 and the facts as recorded when the code is valid,
and 1 with the reason when it is not. ``certificate`` writes a score report; an unknown
attempt or an unwritable file exits with status 2, like the other commands' bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_VALID, EXIT_NOT_VALID, EXIT_BAD_INPUT = 0, 1, 2


def _verify(args: argparse.Namespace) -> int:
    from results.certificates import report_lines, verify_code
    from results.database import session_factory

    with session_factory()() as session:
        result = verify_code(session, args.code)
    print(result.reason)
    if not result.ok:
        return EXIT_NOT_VALID
    print(f"Code:            {result.code}")
    for label, value in report_lines(result.facts):
        if label not in ("Accommodations", "Proctor"):  # not in the records, so not confirmed by the code
            print(f"{label + ':':<16} {value}")
    return EXIT_VALID


def _certificate(args: argparse.Namespace) -> int:
    from results.certificates import facts_for, render_pdf, verification_code
    from results.database import session_factory

    out = Path(args.out)
    if not out.parent.is_dir():
        print(f"csr-sim: folder {str(out.parent)!r} does not exist (expected --out FILE.pdf in an existing folder)",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        with session_factory()() as session:
            facts = facts_for(session, args.attempt_id, version=args.version, proctor=args.proctor,
                              accommodations=args.accommodations)
    except LookupError as error:
        print(f"csr-sim: {error.args[0]}", file=sys.stderr)
        return EXIT_BAD_INPUT
    code = verification_code(facts)
    try:
        out.write_bytes(render_pdf(facts, code))
    except OSError as error:
        print(f"csr-sim: cannot write {str(out)!r}: {error.strerror or error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"Score report for {facts.candidate} ({facts.verdict}) written to {out}; verification code {code}")
    return EXIT_VALID


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``verify`` and ``certificate`` commands to the csr-sim parser."""
    verify = subparsers.add_parser("verify", help="check a score report's verification code against the records")
    verify.add_argument("code", metavar="CODE", help="the code printed on the report, e.g. 1234-ABCDE-FGH23 "
                                                     "(any case; spaces and dashes do not matter)")
    verify.set_defaults(handler=_verify)

    certificate = subparsers.add_parser("certificate", help="write the score report (PDF) of a finished attempt")
    certificate.add_argument("attempt_id", metavar="ATTEMPT_ID", help="the attempt's id")
    certificate.add_argument("--out", required=True, metavar="FILE.pdf", help="where to write the PDF")
    certificate.add_argument("--score-version", dest="version", type=int, default=None,
                             help="a score version (default: the first, the score that stands)")
    certificate.add_argument("--proctor", default=None, help="the proctor's name, printed on the report")
    certificate.add_argument("--accommodations", default=None,
                             help="accommodations given, printed on the report (default: none)")
    certificate.set_defaults(handler=_certificate)
