"""Where the application's records live, and how to open them.

The embedded default is one SQLite file in the data directory; set CSR_SIM_DATABASE_URL to
use another database (the code is portable SQLAlchemy). The schema is managed by Alembic
and brought up to date whenever the application or the CLI opens the database.
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def data_dir() -> Path:
    """The folder for the embedded database and other local data (CSR_SIM_DATA_DIR)."""
    path = Path(os.environ.get("CSR_SIM_DATA_DIR", "data")).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    return os.environ.get("CSR_SIM_DATABASE_URL") or f"sqlite:///{data_dir() / 'app.sqlite3'}"


def _tune_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the result pages read while keystrokes are written; FULL sync makes every
    # acknowledged batch survive a crash of the machine, not only of the process.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _tune_sqlite)
    return engine


def upgrade(engine: Engine) -> None:
    """Apply every pending migration."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


_factories: dict[str, sessionmaker[Session]] = {}


def session_factory() -> sessionmaker[Session]:
    """A session factory bound to the configured database, migrated on first use."""
    url = database_url()
    if url not in _factories:
        engine = make_engine(url)
        upgrade(engine)
        _factories[url] = sessionmaker(engine, expire_on_commit=False)
    return _factories[url]


def reset() -> None:
    """Close every opened database (tests point CSR_SIM_DATABASE_URL elsewhere)."""
    for factory in _factories.values():
        factory.kw["bind"].dispose()
    _factories.clear()
