"""The `csr-sim audit ...` commands for HR exam administration."""

from __future__ import annotations

import argparse

EXIT_INTACT = 0
EXIT_BROKEN = 1


def _audit_verify(_args: argparse.Namespace) -> int:
    from assessments.audit import verify_chain
    from results.database import session_factory

    with session_factory()() as session:
        report = verify_chain(session)
    print(report.summary())
    return EXIT_INTACT if report.intact else EXIT_BROKEN


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `audit` commands to the `csr-sim` parser's subcommands."""
    audit = commands.add_parser("audit", help="the HR audit chain")
    actions = audit.add_subparsers(dest="audit_command", required=True)
    verify = actions.add_parser(
        "verify", help="recompute the hash chain; exit 0 if intact, 1 with the first broken record if not")
    verify.set_defaults(handler=_audit_verify)
