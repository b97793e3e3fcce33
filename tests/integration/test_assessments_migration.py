"""Migration 0003 on top of 0002, and the models matching the migrations exactly."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

import assessments.models  # noqa: F401  (registers the exam tables on the shared metadata)
from results import database
from results.models import Base

EXAM_TABLES = {"users", "audit_log", "exam_profiles", "exam_profile_components", "exam_sessions", "roster_entries",
               "access_codes", "code_throttle", "roster_attempts", "retake_grants", "interruption_decisions"}
CALL_TABLES = {"call_attempts", "call_actions", "call_grades"}
HEAD = "0005"  # 0005: the call scenario component of an exam


def _migrate(engine: sa.Engine, target: str, direction=command.upgrade) -> None:
    config = Config()
    config.set_main_option("script_location", str(database.MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        direction(config, target)


@pytest.fixture
def engine(tmp_path):
    engine = database.make_engine(f"sqlite:///{tmp_path / 'migrations.sqlite3'}")
    yield engine
    engine.dispose()


def _differences(engine: sa.Engine, metadata: sa.MetaData) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_0003_applies_on_top_of_0002_and_keeps_its_data(engine):
    _migrate(engine, "0002")
    with engine.begin() as c:
        assert not EXAM_TABLES & set(sa.inspect(c).get_table_names())
        c.exec_driver_sql("INSERT INTO people (id, name, created_at) VALUES (1, 'Ana', '2026-01-01 10:00:00')")
        c.exec_driver_sql(
            "INSERT INTO call_attempts (id, person_id, scenario_id, scenario_sha256, mode, caller, voice, sandbox, "
            "lead_code, status, created_at) VALUES ('c1', 1, 's', 'x', 'practice', 'scripted', 'off', 'sb', 'lc', "
            "'in_call', '2026-01-01 10:00:00')")
    _migrate(engine, "head")
    with engine.connect() as c:
        assert c.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == HEAD
        assert EXAM_TABLES | CALL_TABLES <= set(sa.inspect(c).get_table_names())
        assert c.exec_driver_sql("SELECT scenario_id FROM call_attempts WHERE id = 'c1'").scalar() == "s"
        triggers = {row[0] for row in c.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert triggers == {"audit_log_no_update", "audit_log_no_delete"}


def test_the_models_match_the_migrations_with_no_difference_at_all(engine):
    _migrate(engine, "head")
    assert _differences(engine, Base.metadata) == []
    # ...including the tables of 0001 and 0002
    assert EXAM_TABLES | CALL_TABLES | {"people", "attempts", "scores"} <= set(Base.metadata.tables)


def test_the_comparison_would_notice_a_difference(engine):
    """Guards the test above against comparing nothing."""
    _migrate(engine, "head")
    altered = sa.MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(altered)
    altered.tables["roster_entries"].append_column(sa.Column("nickname", sa.String(40)))
    altered.tables["call_grades"].c.total.type = sa.Integer()
    kinds = {(d[0] if isinstance(d, tuple) else d[0][0]) for d in _differences(engine, altered)}
    assert {"add_column", "modify_type"} <= kinds


def test_downgrade_to_0002_removes_only_the_exam_tables_and_upgrade_restores_them(engine):
    _migrate(engine, "head")
    _migrate(engine, "0002", command.downgrade)
    with engine.connect() as c:
        names = set(sa.inspect(c).get_table_names())
        assert not EXAM_TABLES & names and CALL_TABLES <= names
        assert not c.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").all()
    _migrate(engine, "head")
    assert _differences(engine, Base.metadata) == []


def test_the_application_database_is_migrated_to_the_head(fresh_database):
    with fresh_database() as session:
        assert session.connection().exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == HEAD
