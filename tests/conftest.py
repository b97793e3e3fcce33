"""Shared test set-up: every test run keeps its data in a fresh temporary directory."""

import os
import tempfile

import pytest

os.environ["CSR_SIM_DATA_DIR"] = tempfile.mkdtemp(prefix="csr-sim-tests-")
os.environ.pop("CSR_SIM_DATABASE_URL", None)
os.environ["CSR_SIM_SEED_ON_START"] = "0"  # tests that need the practice CIS seed a small one themselves
os.environ["CSR_SIM_CIS_CUSTOMERS"] = "200"


@pytest.fixture
def fresh_database(tmp_path, monkeypatch):
    """A brand-new, migrated application database for one test."""
    from results import database

    monkeypatch.setenv("CSR_SIM_DATA_DIR", str(tmp_path))
    database.reset()
    yield database.session_factory()
    database.reset()
