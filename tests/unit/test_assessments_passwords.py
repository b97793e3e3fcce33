"""Password hashing: scrypt with a per-password salt, the cost stored with the hash."""

from __future__ import annotations

import base64
import hashlib

import pytest

from assessments import passwords
from assessments.passwords import ScryptParams, hash_password, needs_rehash, parse_hash, verify_password

FAST = ScryptParams(n=2**8, r=8, p=1)


@pytest.fixture(autouse=True)
def fast(monkeypatch):
    monkeypatch.setattr(passwords, "CURRENT", FAST)


def test_stored_form_carries_scheme_cost_salt_and_key():
    stored = hash_password("correct horse battery")
    scheme, params, salt, key = stored.split("$")
    assert (scheme, params) == ("scrypt", "n=256,r=8,p=1")
    assert len(base64.b64decode(salt)) == passwords.SALT_BYTES
    # the key is exactly hashlib.scrypt of the password under the stored salt and cost
    assert base64.b64decode(key) == hashlib.scrypt(b"correct horse battery", salt=base64.b64decode(salt),
                                                   n=256, r=8, p=1, dklen=passwords.KEY_BYTES)


def test_same_password_gets_a_different_salt_each_time():
    assert hash_password("correct horse battery") != hash_password("correct horse battery")


@pytest.mark.parametrize(("attempt", "ok"), [
    pytest.param("correct horse battery", True, id="exact"),
    pytest.param("Correct horse battery", False, id="capital"),
    pytest.param("correct horse battery ", False, id="trailing-space"),
    pytest.param("", False, id="empty"),
    pytest.param("correct horse batter", False, id="one-short"),
    pytest.param("correct horse battery\u00e9", False, id="extra-accent"),
])
def test_verify(attempt, ok):
    assert verify_password(attempt, hash_password("correct horse battery")) is ok


def test_unicode_passwords_round_trip():
    assert verify_password("pässwörd-ñ-日本語", hash_password("pässwörd-ñ-日本語"))


def test_a_hash_made_with_old_parameters_still_verifies_and_asks_for_a_rehash():
    old = hash_password("correct horse battery", ScryptParams(n=2**6, r=4, p=1))
    assert verify_password("correct horse battery", old)
    assert needs_rehash(old)
    assert not needs_rehash(hash_password("correct horse battery"))


def test_the_production_cost_is_at_least_the_owasp_minimum_and_works():
    params = passwords.ScryptParams(n=2**17, r=8, p=1)
    assert passwords.ScryptParams.parse(str(params)) == params
    stored = hash_password("correct horse battery", params)
    assert stored.startswith("scrypt$n=131072,r=8,p=1$")
    assert verify_password("correct horse battery", stored)


@pytest.mark.parametrize("stored", [
    pytest.param("", id="empty"),
    pytest.param("bcrypt$n=256,r=8,p=1$AAAA$AAAA", id="other-scheme"),
    pytest.param("scrypt$n=256,r=8$AAAA$AAAA", id="missing-p"),
    pytest.param("scrypt$n=300,r=8,p=1$AAAA$AAAA", id="n-not-power-of-two"),
    pytest.param("scrypt$n=256,r=8,p=1$not base64!$AAAA", id="bad-salt"),
    pytest.param("scrypt$n=256,r=8,p=1$AAAA", id="missing-key"),
    pytest.param("plain-text-password", id="plain-text"),
])
def test_malformed_stored_hashes_are_refused(stored):
    with pytest.raises(ValueError):
        parse_hash(stored)


@pytest.mark.parametrize(("password", "problem"), [
    pytest.param("short", "at least 12", id="too-short"),
    pytest.param(" " * 12, "only spaces", id="only-spaces"),
    pytest.param("x" * 1025, "at most 1024", id="too-long"),
    pytest.param("twelve chars", None, id="twelve-ok"),
])
def test_password_rules(password, problem):
    problems = passwords.password_problems(password)
    assert (problem is None and not problems) or any(problem in p for p in problems)


def test_generated_passwords_are_long_and_different():
    made = {passwords.generate_password() for _ in range(50)}
    assert len(made) == 50
    assert all(len(p) >= 20 and not passwords.password_problems(p) for p in made)
