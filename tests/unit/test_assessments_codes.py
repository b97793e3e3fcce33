"""Access-code format, normalisation and keyed digests; throttle timing; accommodations; end of day."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from assessments import codes, throttle
from assessments.exams import effective_duration
from assessments.times import as_utc, end_of_day

DISPLAY = re.compile(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}")


def test_the_alphabet_has_no_look_alikes():
    assert not set("0O1IL") & set(codes.ALPHABET)
    assert len(set(codes.ALPHABET)) == len(codes.ALPHABET) == 31


def test_generated_codes_have_the_display_form_and_do_not_repeat():
    made = [codes.generate_code() for _ in range(2000)]
    assert all(DISPLAY.fullmatch(code) for code in made)
    assert len(set(made)) == len(made)
    assert all(codes.is_well_formed(code) for code in made)


@pytest.mark.parametrize(("typed", "normalised", "well_formed"), [
    pytest.param("K7QM-3XHD", "K7QM3XHD", True, id="display-form"),
    pytest.param("k7qm3xhd", "K7QM3XHD", True, id="lower-case-no-dash"),
    pytest.param(" k7qm 3xhd ", "K7QM3XHD", True, id="spaces"),
    pytest.param("K7QM-3XH", "K7QM3XH", False, id="too-short"),
    pytest.param("K7QM-3XHDD", "K7QM3XHDD", False, id="too-long"),
    pytest.param("K7QM-0XHD", "K7QM0XHD", False, id="zero-not-in-alphabet"),
    pytest.param("K7QM-IXHD", "K7QMIXHD", False, id="letter-i-not-in-alphabet"),
    pytest.param("", "", False, id="empty"),
    pytest.param("K7QM-3XH\u00c9", "K7QM3XH\u00c9", False, id="accented"),
])
def test_normalising_what_the_candidate_typed(typed, normalised, well_formed):
    assert codes.normalise_code(typed) == normalised
    assert codes.is_well_formed(typed) is well_formed


def test_the_digest_is_keyed_and_ignores_presentation():
    one = codes.code_digest("K7QM-3XHD", "secret-one")
    assert one == codes.code_digest("k7qm 3xhd", "secret-one")
    assert one != codes.code_digest("K7QM-3XHD", "secret-two")
    assert one != codes.code_digest("K7QM-3XHE", "secret-one")
    assert re.fullmatch(r"[0-9a-f]{64}", one)
    assert "K7QM" not in one


@pytest.mark.parametrize(("failures", "delay"), [
    pytest.param(0, 0, id="none"),
    pytest.param(1, 0, id="first-is-free"),
    pytest.param(3, 0, id="third-is-free"),
    pytest.param(4, 2, id="fourth-2s"),
    pytest.param(5, 4, id="fifth-4s"),
    pytest.param(6, 8, id="sixth-8s"),
    pytest.param(12, 512, id="twelfth-512s"),
    pytest.param(13, 900, id="capped-15min"),
    pytest.param(10_000, 900, id="stays-capped"),
])
def test_throttle_delay_doubles_after_the_free_failures(failures, delay):
    assert throttle.delay_after(failures) == delay


def test_throttle_delays_never_decrease():
    delays = [throttle.delay_after(n) for n in range(200)]
    assert delays == sorted(delays)


@pytest.mark.parametrize(("accommodation", "base", "effective"), [
    pytest.param("none", 300, 300, id="none"),
    pytest.param("x1.5", 60, 90, id="x1.5-1min"),
    pytest.param("x1.5", 180, 270, id="x1.5-3min"),
    pytest.param("x1.5", 300, 450, id="x1.5-5min"),
    pytest.param("x2", 300, 600, id="x2-5min"),
])
def test_effective_duration(accommodation, base, effective):
    assert effective_duration(base, accommodation) == effective


def test_an_unknown_accommodation_is_refused():
    with pytest.raises(ValueError, match="none, x1.5, x2"):
        effective_duration(300, "x3")


@pytest.mark.parametrize(("zone", "expected"), [
    pytest.param(UTC, datetime(2026, 3, 10, tzinfo=UTC), id="utc"),
    pytest.param(timezone(timedelta(hours=-7)), datetime(2026, 3, 10, 7, tzinfo=UTC), id="utc-7"),
    pytest.param(timezone(timedelta(hours=2)), datetime(2026, 3, 9, 22, tzinfo=UTC), id="utc+2"),
])
def test_end_of_the_session_day(zone, expected):
    assert end_of_day(date(2026, 3, 9), zone) == expected


def test_naive_times_are_read_as_utc():
    assert as_utc(datetime(2026, 1, 1, 12)) == datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert as_utc(datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=1)))) == datetime(2026, 1, 1, 11, tzinfo=UTC)
