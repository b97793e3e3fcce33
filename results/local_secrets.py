"""Secrets that belong to one installation: made on first use, kept in the data directory.

A secret is 32 random bytes in ``<data dir>/secrets/<name>`` (hex text, mode 0600). It is
written to a temporary file and then linked into place, so a reader never sees half a
secret and two processes starting at once end up sharing the one that was linked first.
A damaged secret file is an error, never silently replaced: replacing the certificate
secret would make every certificate printed so far fail verification.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path

from results.database import data_dir

SECRET_BYTES = 32
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class DamagedSecret(RuntimeError):
    """A secret file exists but does not hold a secret; it needs a person to look at it."""


def secret_path(name: str) -> Path:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(f"secret name must be lower-case letters, digits, '-' or '_' (at most 64), not {name!r}")
    return data_dir() / "secrets" / name


def local_secret(name: str) -> bytes:
    """The installation's secret called ``name``, made the first time it is asked for."""
    path = secret_path(name)
    if not path.exists():
        _create(path)
    return _read(path)


def _read(path: Path) -> bytes:
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        value = bytes.fromhex(text)
    except ValueError:
        value = b""
    if len(value) != SECRET_BYTES:
        raise DamagedSecret(f"{path} does not hold a {SECRET_BYTES}-byte secret in hex; restore it from a backup "
                            "(making a new one would invalidate everything signed with the old one)")
    return value


def _create(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # created with mode 0600
    try:
        with os.fdopen(handle, "w", encoding="ascii") as file:
            file.write(secrets.token_bytes(SECRET_BYTES).hex() + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)  # fails if another process got there first; its secret stands
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the new file's name survive a crash too (POSIX; elsewhere a no-op)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
