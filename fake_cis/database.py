"""Where the simulated CIS lives: one seeded template, and a sandbox copy per run.

The seeded population is written once to a *template* SQLite file
(``CSR_SIM_CIS_TEMPLATE``, default ``<CSR_SIM_DATA_DIR or ./data>/cis-template.sqlite3``).
Every scenario attempt gets its own *sandbox*: a plain copy of that file under
``CSR_SIM_CIS_SANDBOX_DIR`` (default ``<data dir>/cis-sandboxes``), named after the run,
so one trainee's actions never reach the template or another trainee's copy.

The CIS is a separate database with its own metadata (``fake_cis.models.CisBase``), apart
from the application's records (``results``). Its schema is not migrated: a template is
generated from the models by ``seed_template`` and replaced as a whole when the models
change; sandboxes are thrown away after their run.

Copying: a file copy of the checkpointed template (``shutil.copyfile``, in-kernel on
Linux) is faster than ``sqlite3.Connection.backup`` of the same file - at 36,000 customers
(a 420 MB template) about 0.16 s against 0.54 s (``benchmarks/bench_cis_seed.py``) - so
sandboxes are file copies. Either is slowed down by a disk still busy writing out a
freshly seeded template. ``drop_sandbox`` when the run ends: every copy is the size of the
template.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import threading
import uuid
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import StaticPool

from fake_cis.models import CisBase

TEMPLATE_NAME = "cis-template.sqlite3"
SANDBOX_SUFFIX = ".sqlite3"
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def data_dir() -> Path:
    """The folder for local data (CSR_SIM_DATA_DIR, default ./data)."""
    path = Path(os.environ.get("CSR_SIM_DATA_DIR", "data")).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def template_path() -> Path:
    """The seeded CIS every sandbox is copied from (CSR_SIM_CIS_TEMPLATE)."""
    configured = os.environ.get("CSR_SIM_CIS_TEMPLATE")
    return Path(configured).expanduser().resolve() if configured else data_dir() / TEMPLATE_NAME


def sandbox_dir() -> Path:
    """Where the per-run copies live (CSR_SIM_CIS_SANDBOX_DIR)."""
    configured = os.environ.get("CSR_SIM_CIS_SANDBOX_DIR")
    path = Path(configured).expanduser().resolve() if configured else data_dir() / "cis-sandboxes"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _tune_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: pages read while an operation writes. NORMAL sync: a sandbox lives for one
    # training run, so surviving a power cut matters less than a snappy screen.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(path: str | Path | None = None, *, url: str | None = None) -> Engine:
    """An engine on a CIS database file (or any SQLAlchemy URL); SQLite gets WAL,
    foreign keys and a busy timeout. ``make_engine()`` alone is an in-memory database."""
    if url is None:
        url = f"sqlite:///{Path(path).resolve()}" if path is not None else "sqlite://"
    if url in ("sqlite://", "sqlite:///:memory:"):
        # One shared connection, or every checkout would see its own empty database.
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _tune_sqlite)
    return engine


def create_schema(engine: Engine) -> None:
    """Create every CIS table, index and append-only trigger. The template is generated
    from the models, not migrated: a model change means seeding a new template."""
    CisBase.metadata.create_all(engine)


def checkpoint(path: str | Path) -> None:
    """Fold the write-ahead log into the database file so the file alone is complete."""
    connection = sqlite3.connect(str(path))
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def make_sandbox(template: str | Path, directory: str | Path, name: str | None = None,
                 *, method: str = "copy") -> Path:
    """Copy the template to ``directory/<name>.sqlite3`` and return the new path.

    ``method`` "copy" (default) checkpoints the template and copies the file;
    "backup" uses SQLite's online backup API (kept for comparison and for templates
    another process may be writing).
    """
    template = Path(template)
    if not template.is_file():
        raise FileNotFoundError(f"no CIS template at {template}: run `csr-sim seed` first")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    name = name or uuid.uuid4().hex
    _check_run_id(name)
    target = directory / f"{name}{SANDBOX_SUFFIX}"
    partial = directory / f".{name}.{uuid.uuid4().hex}.partial"
    try:
        if method == "copy":
            checkpoint(template)
            shutil.copyfile(template, partial)
        elif method == "backup":
            source = sqlite3.connect(f"file:{template}?mode=ro", uri=True)
            destination = sqlite3.connect(str(partial))
            try:
                source.backup(destination, pages=-1)
            finally:
                destination.close()
                source.close()
        else:
            raise ValueError(f"unknown copy method {method!r}: 'copy' or 'backup'")
        _remove_database_files(target)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


_engines: dict[Path, Engine] = {}
_lock = threading.Lock()


def _check_run_id(run_id: str) -> None:
    if not _RUN_ID.match(run_id):
        raise ValueError(f"not a usable run id for a sandbox file name: {run_id!r}")


def sandbox_path(run_id: str, directory: str | Path | None = None) -> Path:
    _check_run_id(run_id)
    return Path(directory or sandbox_dir()) / f"{run_id}{SANDBOX_SUFFIX}"


def open_sandbox(run_id: str, *, template: str | Path | None = None,
                 directory: str | Path | None = None) -> Engine:
    """The engine on this run's own copy of the CIS, copying the template on first use.

    Opening the same run again (a page reload) returns the same database with the
    trainee's changes; ``drop_sandbox`` ends it.
    """
    path = sandbox_path(run_id, directory)
    with _lock:
        engine = _engines.get(path)
        if engine is None:
            if not path.exists():
                make_sandbox(template or template_path(), path.parent, run_id)
            engine = make_engine(path)
            _engines[path] = engine
        return engine


def drop_sandbox(run_id: str, *, directory: str | Path | None = None) -> None:
    """Close the run's sandbox and delete its files (missing ones are fine)."""
    path = sandbox_path(run_id, directory)
    with _lock:
        engine = _engines.pop(path, None)
        if engine is not None:
            engine.dispose()
        _remove_database_files(path)


def _remove_database_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def reset() -> None:
    """Close every opened sandbox engine (tests)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


__all__ = [
    "checkpoint",
    "create_schema",
    "data_dir",
    "drop_sandbox",
    "make_engine",
    "make_sandbox",
    "open_sandbox",
    "reset",
    "sandbox_dir",
    "sandbox_path",
    "template_path",
]
