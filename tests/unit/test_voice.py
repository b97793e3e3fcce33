"""The caller's voice: synthesised once per line and voice, refused for a voice that is not a name."""

import shutil

import pytest

from simulator import voice

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is installed by .ci/system-deps.sh")


@needs_espeak
def test_a_line_is_synthesised_once_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("CSR_SIM_DATA_DIR", str(tmp_path))
    first = voice.synthesize("My account number is 7300000107.", "en-us+f3")
    assert first is not None and first.read_bytes()[:4] == b"RIFF" and first.stat().st_size > 10_000
    stamp = first.stat().st_mtime_ns
    again = voice.synthesize("My  account number is 7300000107.", "en-us+f3")  # same words, other spacing
    assert again == first and again.stat().st_mtime_ns == stamp
    other = voice.synthesize("My account number is 7300000107.", "en-us+m3")
    assert other != first
    assert voice.line_audio_url("Hello.", "en-us").startswith("/voice/")


@pytest.mark.parametrize("name", ["en-us; rm -rf /", "EN", "--help", "en-us+", "../etc"])
def test_a_voice_that_is_not_a_voice_name_is_refused(name, tmp_path, monkeypatch):
    monkeypatch.setenv("CSR_SIM_DATA_DIR", str(tmp_path))
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is installed by .ci/system-deps.sh")
    with pytest.raises(ValueError, match="not an espeak-ng voice name"):
        voice.synthesize("Hello.", name)


def test_without_a_synthesiser_there_is_no_clip(monkeypatch, tmp_path):
    monkeypatch.setenv("CSR_SIM_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(voice, "synthesiser", lambda: None)
    assert voice.synthesize("Hello.", "en-us") is None
    assert voice.line_audio_url("Hello.", "en-us") is None
