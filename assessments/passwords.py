"""Password hashing with scrypt (hashlib), a random salt per password and the cost stored with it.

Stored form: ``scrypt$n=<N>,r=<r>,p=<p>$<salt, base64>$<key, base64>``. Because the cost
is part of the stored value, ``CURRENT`` can be raised at any time: old hashes still
verify, and ``needs_rehash`` tells the caller to store a new one at the next sign-in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

SALT_BYTES = 16
KEY_BYTES = 32
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # scrypt's time does not depend on it, but storage and input do


@dataclass(frozen=True)
class ScryptParams:
    n: int  # CPU/memory cost, a power of two
    r: int = 8  # block size
    p: int = 1  # parallelism

    def __post_init__(self) -> None:
        if self.n < 2 or self.n & (self.n - 1) or self.r < 1 or self.p < 1:
            raise ValueError(f"invalid scrypt parameters n={self.n}, r={self.r}, p={self.p}")

    @property
    def memory_bytes(self) -> int:
        return 128 * self.r * self.n

    def __str__(self) -> str:
        return f"n={self.n},r={self.r},p={self.p}"

    @classmethod
    def parse(cls, text: str) -> ScryptParams:
        values = dict(part.split("=", 1) for part in text.split(","))
        return cls(int(values["n"]), int(values["r"]), int(values["p"]))


# OWASP's recommended minimum for scrypt (2^17, 8, 1): about 128 MiB and a few tenths of a second.
CURRENT = ScryptParams(n=2**17, r=8, p=1)


def _derive(password: str, salt: bytes, params: ScryptParams) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=params.n, r=params.r, p=params.p,
                          maxmem=params.memory_bytes + 1024 * 1024, dklen=KEY_BYTES)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, params: ScryptParams | None = None) -> str:
    """A new stored hash of ``password`` with a fresh random salt."""
    params = params or CURRENT
    salt = secrets.token_bytes(SALT_BYTES)
    return f"scrypt${params}${_b64(salt)}${_b64(_derive(password, salt, params))}"


def parse_hash(stored: str) -> tuple[ScryptParams, bytes, bytes]:
    """(params, salt, key) of a stored hash; ValueError if it is not one this module wrote."""
    try:
        scheme, params, salt, key = stored.split("$")
        if scheme != "scrypt":
            raise ValueError(scheme)
        return ScryptParams.parse(params), base64.b64decode(salt, validate=True), base64.b64decode(key, validate=True)
    except (ValueError, KeyError) as error:
        raise ValueError(f"not a stored scrypt password hash ({error})") from None


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored``; the final comparison takes constant time."""
    params, salt, key = parse_hash(stored)
    return hmac.compare_digest(_derive(password, salt, params), key)


def dummy_verify(password: str) -> bool:
    """Do the work of one verification under the current cost and answer False.

    For an unknown username, so that case takes as long as a wrong password.
    """
    hmac.compare_digest(_derive(password, secrets.token_bytes(SALT_BYTES), CURRENT), bytes(KEY_BYTES))
    return False


def needs_rehash(stored: str, params: ScryptParams | None = None) -> bool:
    """True when the stored hash was made with other parameters than the current ones."""
    return parse_hash(stored)[0] != (params or CURRENT)


def password_problems(password: str) -> list[str]:
    """Why a new password is refused (empty when it is acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"the password must be at least {MIN_PASSWORD_LENGTH} characters long")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"the password must be at most {MAX_PASSWORD_LENGTH} characters long")
    if password and not password.strip():
        problems.append("the password cannot be only spaces")
    return problems


def generate_password() -> str:
    """A strong random password to print once (about 120 bits, URL-safe characters)."""
    return secrets.token_urlsafe(15)
