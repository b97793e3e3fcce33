"""The audit chain on a real database: append-only, verified, tampering found at the right record."""

from __future__ import annotations

import argparse
import itertools
import json

import pytest
from sqlalchemy import select, text

from assessments import audit, exam_attempts, interruptions, roster
from assessments.models import AuditRecord
from simulator import cli_assessments
from tests.integration.test_assessments_world import (  # noqa: F401  (fixtures by name)
    add_candidate,
    build_world,
    check_in,
    fast_hashing,
    type_only,
)

pytestmark = pytest.mark.usefixtures("fast_hashing")


def _fill(factory, n: int = 5) -> None:
    with factory() as s:
        for i in range(1, n + 1):
            audit.record(s, "hr.admin", "test.action", f"thing:{i}", {"n": i, "note": f"record {i}"})
        s.commit()


def _raw(factory, *statements: str) -> None:
    """Edit the log below the ORM, as someone with the database file could (triggers dropped first)."""
    with factory() as s:
        c = s.connection()
        c.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        c.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        for statement in statements:
            c.exec_driver_sql(statement)
        s.commit()


def _verify(factory) -> audit.ChainReport:
    with factory() as s:
        return audit.verify_chain(s)


def test_an_empty_chain_is_intact(fresh_database):
    report = _verify(fresh_database)
    assert (report.intact, report.records) == (True, 0)
    assert report.summary() == "audit chain intact: no records yet"


def test_records_link_up_and_verify(fresh_database):
    _fill(fresh_database)
    with fresh_database() as s:
        rows = s.scalars(select(AuditRecord).order_by(AuditRecord.seq)).all()
        assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
        assert rows[0].prev_hash == audit.GENESIS_HASH
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
        assert json.loads(rows[2].details_json) == {"n": 3, "note": "record 3"}
        assert rows[2].details_json == '{"n":3,"note":"record 3"}'
    report = _verify(fresh_database)
    assert (report.intact, report.records, report.head_seq, report.head_hash) == (True, 5, 5, rows[-1].hash)
    assert report.summary() == f"audit chain intact: 5 records, head seq 5 hash {rows[-1].hash}"


def test_the_orm_refuses_to_change_or_delete_a_record(fresh_database):
    _fill(fresh_database, 2)
    with fresh_database() as s:
        row = s.get(AuditRecord, 1)
        row.details_json = "{}"
        with pytest.raises(PermissionError, match="append-only"):
            s.flush()
        s.rollback()
        s.delete(s.get(AuditRecord, 2))
        with pytest.raises(PermissionError, match="append-only"):
            s.flush()


@pytest.mark.parametrize("statement", [
    pytest.param("UPDATE audit_log SET actor = 'someone else' WHERE seq = 1", id="update"),
    pytest.param("DELETE FROM audit_log WHERE seq = 2", id="delete"),
])
def test_sqlite_triggers_refuse_raw_sql_edits(fresh_database, statement):
    _fill(fresh_database, 3)
    with fresh_database() as s, pytest.raises(Exception, match="audit_log is append-only"):
        s.connection().exec_driver_sql(statement)
    assert _verify(fresh_database).intact


@pytest.mark.parametrize(("statements", "seq", "reason"), [
    pytest.param(["UPDATE audit_log SET details_json = '{\"n\":3,\"note\":\"edited\"}' WHERE seq = 3"], 3,
                 "hash mismatch", id="details-edited"),
    pytest.param(["UPDATE audit_log SET actor = 'intruder' WHERE seq = 1"], 1, "hash mismatch", id="actor-edited"),
    pytest.param(["UPDATE audit_log SET at = '2020-01-01 00:00:00.000000' WHERE seq = 4"], 4, "hash mismatch",
                 id="time-edited"),
    pytest.param(["UPDATE audit_log SET hash = (CASE substr(hash, 1, 1) WHEN 'f' THEN 'e' ELSE 'f' END) || substr(hash, 2) "
                  "WHERE seq = 5"], 5, "hash mismatch",
                 id="last-hash-edited"),
    pytest.param(["DELETE FROM audit_log WHERE seq = 3"], 4, "gap in seq", id="middle-deleted"),
    pytest.param(["DELETE FROM audit_log WHERE seq = 1"], 2, "gap in seq", id="first-deleted"),
    pytest.param(["UPDATE audit_log SET prev_hash = '" + "a" * 64 + "' WHERE seq = 2"], 2, "prev link broken",
                 id="prev-hash-edited"),
    pytest.param(["UPDATE audit_log SET details_json = 'not json' WHERE seq = 2"], 2, "details not JSON",
                 id="details-garbled"),
    pytest.param(["UPDATE audit_log SET seq = 30 WHERE seq = 3"], 4, "gap in seq", id="moved-to-the-end"),
])
def test_tampering_is_found_at_the_first_record_that_does_not_fit(fresh_database, statements, seq, reason):
    _fill(fresh_database)
    _raw(fresh_database, *statements)
    report = _verify(fresh_database)
    assert (report.intact, report.broken_at, report.reason) == (False, seq, reason)
    assert report.summary().startswith(f"audit chain BROKEN at seq {seq}: {reason}")


def test_a_forger_who_recomputes_one_hash_breaks_the_next_link(fresh_database):
    _fill(fresh_database)
    with fresh_database() as s:
        row = s.get(AuditRecord, 3)
        forged_details = {"n": 3, "note": "forged"}
        forged_hash = audit.chain_hash(row.prev_hash, audit.canonical_record(
            row.seq, row.at, row.actor, row.action, row.subject, forged_details))
    _raw(fresh_database, f"UPDATE audit_log SET details_json = '{audit.canonical_json(forged_details)}', "
                         f"hash = '{forged_hash}' WHERE seq = 3")
    report = _verify(fresh_database)
    assert (report.broken_at, report.reason, report.records) == (4, "prev link broken", 3)


def test_a_forger_who_rewrites_the_rest_of_the_chain_changes_the_head_hash(fresh_database):
    """Rewriting every later record verifies again; only a head hash noted earlier shows it."""
    _fill(fresh_database)
    noted_head = _verify(fresh_database).head_hash
    with fresh_database() as s:
        rows = [dict(r._mapping) for r in s.execute(select(AuditRecord.__table__).order_by(AuditRecord.seq))]
    prev = rows[1]["hash"]
    statements = []
    for row in rows[2:]:
        details = json.loads(row["details_json"])
        if row["seq"] == 3:
            details["note"] = "forged"
        new_hash = audit.chain_hash(prev, audit.canonical_record(row["seq"], row["at"], row["actor"], row["action"],
                                                                 row["subject"], details))
        statements.append(f"UPDATE audit_log SET details_json = '{audit.canonical_json(details)}', "
                          f"prev_hash = '{prev}', hash = '{new_hash}' WHERE seq = {row['seq']}")
        prev = new_hash
    _raw(fresh_database, *statements)
    report = _verify(fresh_database)
    assert report.intact and report.head_hash != noted_head


def _run_cli(capsys, argv: list[str]) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="csr-sim")
    cli_assessments.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code = args.handler(args)
    return code, capsys.readouterr().out


def test_cli_audit_verify_exits_0_when_intact(fresh_database, capsys):
    _fill(fresh_database, 3)
    code, out = _run_cli(capsys, ["audit", "verify"])
    assert code == 0
    assert out.count("\n") == 1 and out.startswith("audit chain intact: 3 records, head seq 3")


def test_cli_audit_verify_exits_1_with_the_break(fresh_database, capsys):
    _fill(fresh_database, 4)
    _raw(fresh_database, "UPDATE audit_log SET subject = 'thing:99' WHERE seq = 2")
    code, out = _run_cli(capsys, ["audit", "verify"])
    assert code == 1
    assert out.count("\n") == 1 and out.startswith("audit chain BROKEN at seq 2: hash mismatch")


def test_every_hr_action_of_a_session_is_in_the_chain(fresh_database):
    world = build_world(fresh_database, warm_up_allowed=True)
    entry = add_candidate(world)
    with fresh_database() as s:
        roster.import_roster(s, world.admin, world.session_id,
                             "name,email,extended_time,large_text,high_contrast\nBo Chen,,x2,no,no\n")
    check_in(world, entry.id)
    with fresh_database() as s:
        first = exam_attempts.start_component(s, entry.id, "typing")
    type_only(world, first, "The ")
    with fresh_database() as s:
        interruptions.decide_interrupted(s, world.admin, first.id, "retake", "screen froze")
        exam_attempts.grant_retake(s, world.admin, entry.id, "typing", "second chance after an outage")
    with fresh_database() as s:
        actions = [r.action for r in s.scalars(select(AuditRecord).order_by(AuditRecord.seq))]
        assert actions == ["user.created", "user.created", "profile.created", "session.created", "session.opened",
                           "roster.added", "roster.imported", "code.issued", "code.redeemed", "attempt.started",
                           "interrupted.retake", "retake.granted"]
        raw = " ".join(r.details_json for r in s.scalars(select(AuditRecord)))
        assert "password" not in raw.lower()
    assert _verify(fresh_database).intact


def test_the_history_of_one_subject(fresh_database):
    _fill(fresh_database, 3)
    with fresh_database() as s:
        assert [r.seq for r in audit.history(s, "thing:2")] == [2]


def test_raw_sql_time_text_matches_what_the_orm_wrote(fresh_database):
    """The hash covers the time to the microsecond: the stored text must keep all of it."""
    _fill(fresh_database, 1)
    with fresh_database() as s:
        stored = s.connection().execute(text("SELECT at FROM audit_log WHERE seq = 1")).scalar()
        assert len(stored.split(".")[-1]) == 6
