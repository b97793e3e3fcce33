"""The caller's voice: each line synthesised locally with espeak-ng, cached by line and voice.

A line is synthesised once into ``<data dir>/voice-cache/<sha256>.wav`` (written atomically)
and served from ``/voice/<sha256>.wav``. Without espeak-ng the pages fall back to captions.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

from fastapi import HTTPException
from fastapi.responses import FileResponse

from results.database import data_dir

VOICE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*(\+[a-z0-9]{1,12})?$")
WORDS_PER_MINUTE = 160  # a calm caller; numbers read slowly enough to be typed
NAME = re.compile(r"^[0-9a-f]{64}\.wav$")
MAX_CHARS = 2000


def synthesiser() -> str | None:
    return shutil.which("espeak-ng")


def cache_dir() -> Path:
    path = data_dir() / "voice-cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def clip_name(text: str, voice: str) -> str:
    return hashlib.sha256(f"{voice}\n{WORDS_PER_MINUTE}\n{text}".encode()).hexdigest() + ".wav"


def synthesize(text: str, voice: str = "en-us") -> Path | None:
    """The WAV file of ``text`` in ``voice`` (made once), or None without a synthesiser."""
    program = synthesiser()
    text = " ".join(text.split())[:MAX_CHARS]
    if program is None or not text:
        return None
    if not VOICE.match(voice):
        raise ValueError(f"not an espeak-ng voice name: {voice!r} (e.g. en-us or en-us+f3)")
    target = cache_dir() / clip_name(text, voice)
    if target.is_file():
        return target
    partial = target.with_suffix(f".{os.getpid()}.partial")
    subprocess.run([program, "-v", voice, "-s", str(WORDS_PER_MINUTE), "-w", str(partial), "--", text],
                   check=True, capture_output=True, timeout=30)
    os.replace(partial, target)
    return target


def line_audio_url(text: str, voice: str = "en-us") -> str | None:
    clip = synthesize(text, voice)
    return f"/voice/{clip.name}" if clip else None


def register() -> None:
    from nicegui import app

    @app.get("/voice/{name}")
    def voice_clip(name: str) -> FileResponse:
        if not NAME.match(name) or not (cache_dir() / name).is_file():
            raise HTTPException(404, "No such voice clip.")
        return FileResponse(cache_dir() / name, media_type="audio/wav")
