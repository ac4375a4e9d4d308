"""Wall-clock rules of the daily post: parsing, DST gaps and folds, nonces, zone autocomplete."""

from __future__ import annotations

import functools
import itertools
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import limits
from bot.tod.schedule import (
    NONCE_MAX_LEN,
    format_time,
    local_date,
    next_slot,
    nonce_for,
    parse_time,
    parse_zone,
    slot_for,
    slot_on_or_after,
    zone_choices,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("09:00", time(9)), ("9:00", time(9)), ("0:05", time(0, 5)), ("23:59", time(23, 59)), (" 17:30 ", time(17, 30))],
)
def test_parse_time_accepts_h_mm_and_hh_mm(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text", ["", "9", "9:5", "09:5", "24:00", "12:60", "9am", "09:00:00", "-1:00", "+9:00", "١٢:٠٠", "009:00"]
)
def test_parse_time_rejects_with_a_user_message(text: str) -> None:
    with pytest.raises(ValueError, match=r"HH:MM|valid time"):
        parse_time(text)


def test_format_time_is_canonical() -> None:
    assert format_time(parse_time("9:05")) == "09:05"


@pytest.mark.parametrize("key", ["Europe/Berlin", "UTC", "America/New_York", "Etc/GMT+5", "America/Argentina/Salta"])
def test_parse_zone_accepts_iana_keys(key: str) -> None:
    assert parse_zone(key).key == key


@pytest.mark.parametrize(
    "key",
    [
        "Mars/Base",
        "../etc",
        "",
        "   ",
        "America",
        "/etc/localtime",
        "localtime",
        "posixrules",
        "right/UTC",
        "posix/Europe/Berlin",
        "zone.tab",
        "Europe/../Europe/Berlin",
        "Europe/Berlin\x00",
        "x" * 100,
    ],
)
def test_parse_zone_rejects_unknown_or_invalid_keys(key: str) -> None:
    with pytest.raises(ValueError, match="time zone"):
        parse_zone(key)


def test_parse_zone_folds_case_to_the_canonical_key() -> None:
    assert parse_zone("europe/berlin").key == "Europe/Berlin"
    assert parse_zone("  AMERICA/NEW_YORK ").key == "America/New_York"
    assert parse_zone("utc").key == "UTC"


def test_a_refusal_quotes_at_most_a_short_part_of_the_input() -> None:
    for bad_time, bad_zone in (("9" * 6000, "Mars/" + "x" * 6000), ("`@everyone`" * 500, "\n" * 3000)):
        with pytest.raises(ValueError) as time_error:
            parse_time(bad_time)
        with pytest.raises(ValueError) as zone_error:
            parse_zone(bad_zone)
        for error in (time_error, zone_error):
            assert len(str(error.value)) < 200 and "@everyone`" not in str(error.value)


@pytest.mark.parametrize(
    ("zone", "day", "post_time", "expected_utc"),
    [
        # UTC never moves.
        ("UTC", date(2026, 3, 29), time(9), utc(2026, 3, 29, 9)),
        # Europe/Berlin: 09:00 local on both sides of the spring (29 Mar) and fall (25 Oct) changes.
        ("Europe/Berlin", date(2026, 3, 28), time(9), utc(2026, 3, 28, 8)),
        ("Europe/Berlin", date(2026, 3, 29), time(9), utc(2026, 3, 29, 7)),
        ("Europe/Berlin", date(2026, 10, 24), time(9), utc(2026, 10, 24, 7)),
        ("Europe/Berlin", date(2026, 10, 25), time(9), utc(2026, 10, 25, 8)),
        # 02:30 does not exist on 29 Mar in Berlin: the next valid minute is 03:00 CEST = 01:00 UTC.
        ("Europe/Berlin", date(2026, 3, 29), time(2, 30), utc(2026, 3, 29, 1)),
        # 02:30 exists twice on 25 Oct: the first occurrence, 02:30 CEST = 00:30 UTC.
        ("Europe/Berlin", date(2026, 10, 25), time(2, 30), utc(2026, 10, 25, 0, 30)),
        # America/New_York: spring 8 Mar, fall 1 Nov.
        ("America/New_York", date(2026, 3, 7), time(9), utc(2026, 3, 7, 14)),
        ("America/New_York", date(2026, 3, 8), time(9), utc(2026, 3, 8, 13)),
        ("America/New_York", date(2026, 3, 8), time(2, 30), utc(2026, 3, 8, 7)),  # 03:00 EDT
        ("America/New_York", date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30)),  # 01:30 EDT
        ("America/New_York", date(2026, 11, 1), time(9), utc(2026, 11, 1, 14)),
        # A 30-minute DST (Lord Howe, 4 Oct): 02:10 falls in the gap 02:00-02:30.
        ("Australia/Lord_Howe", date(2026, 10, 4), time(2, 10), utc(2026, 10, 3, 15, 30)),
    ],
)
def test_slot_for_keeps_wall_clock_time_across_dst(
    zone: str, day: date, post_time: time, expected_utc: datetime
) -> None:
    assert slot_for(day, post_time, ZoneInfo(zone)) == expected_utc


def test_a_wholly_skipped_day_has_no_slot() -> None:
    apia = ZoneInfo("Pacific/Apia")  # 2011-12-30 did not exist there
    assert slot_on_or_after(date(2011, 12, 30), time(9), apia)[0] == date(2011, 12, 31)


def test_next_slot_is_at_or_after_the_instant() -> None:
    slot = utc(2026, 3, 29, 7)
    assert next_slot(slot, time(9), BERLIN) == (date(2026, 3, 29), slot)
    assert next_slot(slot + timedelta(seconds=1), time(9), BERLIN) == (date(2026, 3, 30), utc(2026, 3, 30, 7))
    assert next_slot(utc(2026, 3, 28, 23, 30), time(9), BERLIN) == (date(2026, 3, 29), slot)


def test_local_date_uses_the_zone() -> None:
    assert local_date(utc(2026, 1, 1, 23, 30), BERLIN) == date(2026, 1, 2)
    assert local_date(utc(2026, 1, 1, 3), NEW_YORK) == date(2025, 12, 31)


def test_nonce_is_deterministic_short_and_distinct() -> None:
    day = date(2026, 3, 29)
    assert nonce_for(123, day) == nonce_for(123, day)
    assert len({nonce_for(123, day), nonce_for(124, day), nonce_for(123, day + timedelta(days=1))}) == 3
    assert len(nonce_for(2**64 - 1, date(9999, 12, 31))) <= NONCE_MAX_LEN
    assert len(nonce_for(1_234_567_890_123_456_789, day)) <= NONCE_MAX_LEN
    variants = {nonce_for(2**64 - 1, day, variant) for variant in range(1, 36)}
    assert len(variants) == 35 and nonce_for(123, day) not in variants
    assert all(len(n) <= NONCE_MAX_LEN for n in variants)


def test_zone_choices_for_autocomplete() -> None:
    names = sorted(zoneinfo.available_timezones())

    def choices(typed: str) -> list[str]:
        return zone_choices(typed, names, limits.AUTOCOMPLETE_CHOICES)

    assert "Europe/Berlin" in choices("europe/be")
    assert "Europe/Berlin" in choices("berlin")
    assert choices("new york")[0] == "America/New_York"
    assert all(name.startswith("Europe/") for name in choices("Europe/"))
    assert len(choices("")) == 25
    assert len(choices("a")) == 25
    assert choices("Mars/Base") == []


# -- property ---------------------------------------------------------------------------------------------------
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "America/Santiago",
    "Asia/Tehran",
    "America/St_Johns",
    "Africa/Casablanca",
    "Pacific/Apia",
    "America/Havana",
    "Australia/Adelaide",
]
START_2026 = utc(2026, 1, 1)
YEAR = 365 * 86400


@functools.cache
def transitions_2026(zone: ZoneInfo) -> tuple[int, ...]:
    """Seconds into 2026 of the UTC midnights just before each offset change of ``zone``."""
    days = [START_2026 + timedelta(days=n) for n in range(366)]
    return tuple(
        int((a - START_2026).total_seconds())
        for a, b in itertools.pairwise(days)
        if a.astimezone(zone).utcoffset() != b.astimezone(zone).utcoffset()
    )


def wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


@st.composite
def cases(draw: st.DrawFn) -> tuple[ZoneInfo, time, datetime]:
    """Any zone, time and instant of 2026, often the days around a DST change and times near it."""
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    changes = transitions_2026(zone)
    if changes and draw(st.booleans()):
        second = draw(st.sampled_from(changes)) + draw(st.integers(-2 * 86400, 86400))
        hour = draw(st.sampled_from([0, 1, 2, 3, 23, draw(st.integers(0, 23))]))
    else:
        second = draw(st.integers(0, YEAR - 1))
        hour = draw(st.integers(0, 23))
    minute = draw(st.sampled_from([0, 15, 30, 45, 59, draw(st.integers(0, 59))]))
    return zone, time(hour, minute), START_2026 + timedelta(seconds=min(max(second, 0), YEAR - 1))


def test_the_property_sees_gaps_and_folds() -> None:
    assert len(transitions_2026(BERLIN)) == 2 and len(transitions_2026(ZoneInfo("UTC"))) == 0


@settings(max_examples=1000, deadline=None)
@given(case=cases())
def test_next_slot_property(case: tuple[ZoneInfo, time, datetime]) -> None:
    zone, post_time, instant = case

    day, slot = next_slot(instant, post_time, zone)

    assert slot.tzinfo is not None and slot.utcoffset() == timedelta(0)
    assert instant <= slot < instant + timedelta(days=2)
    assert local_date(slot, zone) == day
    target = datetime.combine(day, post_time)
    got = wall(slot, zone)
    if got != target:
        # Only allowed when the wall time does not exist that day: then it is the first minute after the gap.
        assert wall(target.replace(tzinfo=zone).astimezone(UTC), zone) != target, "time exists but was moved"
        assert got > target and got.second == 0
        assert wall(slot - timedelta(minutes=1), zone) < target
    # Ambiguous times go out at their first occurrence: no earlier instant shows the same wall time.
    for back in (timedelta(minutes=30), timedelta(hours=1), timedelta(hours=2)):
        assert wall(slot - back, zone) != got
    # No slot was skipped: the previous day's slot (if that day has one) is before the instant.
    previous = slot_for(day - timedelta(days=1), post_time, zone)
    if local_date(previous, zone) == day - timedelta(days=1):
        assert previous < instant
