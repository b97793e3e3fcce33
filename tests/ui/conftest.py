import pytest


@pytest.fixture(autouse=True)
def _own_database(fresh_database):
    """Each UI test starts on an empty database of its own."""
    return fresh_database
