"""Pure wall-clock arithmetic for the daily term-of-the-day post (no I/O, no Discord, no state).

A server picks a local time (``HH:MM``) and an IANA zone; a *slot* is the UTC instant at which that day's post
is due. Everything here works on calendar dates and zone rules, never on "now + 24 h", so 09:00 in
Europe/Berlin stays 09:00 local on both sides of a DST change.

Rules (PEP 495 terms):

* a wall time that does not exist that day (spring-forward gap) is moved to the first valid minute after the
  gap: 02:30 Europe/Berlin on 2026-03-29 is posted at 03:00 CEST;
* a wall time that exists twice (fall-back fold) is posted once, at its first occurrence (``fold=0``);
* a date whose slot would land on another local date (a whole skipped day, e.g. Pacific/Apia 2011-12-30) has
  no slot and is skipped.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.text import quote

__all__ = [
    "NONCE_MAX_LEN",
    "format_time",
    "local_date",
    "next_slot",
    "nonce_for",
    "parse_time",
    "parse_zone",
    "slot_for",
    "slot_on_or_after",
    "zone_choices",
    "zone_names",
]

NONCE_MAX_LEN = 25  # Discord's limit for a message nonce string.

_TIME_RE = re.compile(r"([0-9]{1,2}):([0-9]{2})")  # ASCII digits only
# Keys are relative paths of letters, digits and _+- ; this rejects "", "../etc", "/etc/x" before any file access.
_ZONE_RE = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*")
# Files that exist in some tz databases but are not real zones (or depend on the host, or count leap seconds).
_NOT_ZONES = frozenset({"localtime", "posixrules", "factory", "leapseconds", "posix", "right"})
_MINUTE = timedelta(minutes=1)


def parse_time(text: str) -> time:
    """Parse ``H:MM`` or ``HH:MM`` (24-hour) into a :class:`datetime.time`.

    Raises ``ValueError`` whose message can be shown to the user as is.
    """
    match = _TIME_RE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{quote(text, 40)} is not a time: use 24-hour HH:MM, for example 09:00 or 17:30.")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f"{quote(text, 40)} is not a valid time: hours go from 00 to 23 and minutes from 00 to 59.")
    return time(hour, minute)


def format_time(post_time: time) -> str:
    """The canonical ``HH:MM`` form stored in the database and shown to users."""
    return f"{post_time.hour:02d}:{post_time.minute:02d}"


def parse_zone(text: str) -> ZoneInfo:
    """Parse an IANA zone key such as ``Europe/Berlin`` (in any case: ``europe/berlin``) into a ZoneInfo.

    Raises ``ValueError`` whose message can be shown to the user.
    """
    key = text.strip()
    key = _canonical_zones().get(key.casefold(), key)
    hint = "Use an IANA time zone name such as Europe/Berlin, America/New_York or UTC."
    if not key:
        raise ValueError(f"Please give a time zone. {hint}")
    first = key.split("/", 1)[0].casefold()
    if len(key) > 64 or _ZONE_RE.fullmatch(key) is None or first in _NOT_ZONES:
        raise ValueError(f"{quote(text, 40)} is not a time zone name. {hint}")
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a directory such as "America".
        raise ValueError(f"Unknown time zone {quote(text, 40)}. {hint}") from exc


@functools.cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone key, sorted (read once from the tz database: it does not change while we run)."""
    return tuple(sorted(zoneinfo.available_timezones()))


@functools.cache
def _canonical_zones() -> dict[str, str]:
    """Every IANA zone key by its case-folded spelling."""
    return {name.casefold(): name for name in zone_names()}


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    """The calendar date at ``instant`` (aware) in ``zone``."""
    return instant.astimezone(zone).date()


@functools.lru_cache(maxsize=8192)  # a batch of thousands of servers shares a few (day, time, zone) slots
def slot_for(day: date, post_time: time, zone: ZoneInfo) -> datetime:
    """The aware UTC instant at which ``day``'s post is due.

    ``fold=0`` gives the first occurrence of an ambiguous time. A time inside a gap does not round-trip; then
    the slot is the first whole minute whose wall time is past the requested one, i.e. the end of the gap.
    """
    wall = datetime.combine(day, post_time.replace(second=0, microsecond=0, tzinfo=None))
    instant = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    return _end_of_gap(wall, zone)


def _end_of_gap(wall: datetime, zone: ZoneInfo) -> datetime:
    """First UTC minute whose local wall time is at or after ``wall``, which lies in a gap.

    With the offsets before (fold=0) and after (fold=1) the transition, the transition instant lies between
    the two interpretations of ``wall``, and "local wall time >= wall" is monotonic in between, so a binary
    search over minutes finds it (a whole skipped day is only 11 steps).
    """
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)  # wall time before `wall`
    high = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)  # wall time after `wall`
    if high < low:
        low, high = high, low
    low_min, high_min = _minutes(low), _minutes(high) + 1
    while low_min < high_min:
        mid = (low_min + high_min) // 2
        if _from_minutes(mid).astimezone(zone).replace(tzinfo=None) >= wall:
            high_min = mid
        else:
            low_min = mid + 1
    return _from_minutes(low_min)


def _minutes(instant: datetime) -> int:
    return int(instant.timestamp()) // 60


def _from_minutes(minutes: int) -> datetime:
    return datetime.fromtimestamp(minutes * 60, UTC)


def slot_on_or_after(day: date, post_time: time, zone: ZoneInfo) -> tuple[date, datetime]:
    """The first date from ``day`` on that has a slot, with that slot (skips wholly missing days)."""
    for offset in range(4):
        candidate = day + timedelta(days=offset)
        instant = slot_for(candidate, post_time, zone)
        if local_date(instant, zone) == candidate:
            return candidate, instant
    raise ValueError(f"{zone.key} has no {format_time(post_time)} for days after {day}")  # pragma: no cover


def next_slot(at_or_after: datetime, post_time: time, zone: ZoneInfo) -> tuple[date, datetime]:
    """The first slot at or after the aware instant ``at_or_after``: ``(local date, UTC instant)``.

    Starts one day early because local dates are not monotonic around a fall-back at midnight.
    """
    day = local_date(at_or_after, zone) - timedelta(days=1)
    while True:
        day, instant = slot_on_or_after(day, post_time, zone)
        if instant >= at_or_after:
            return day, instant
        day += timedelta(days=1)


def nonce_for(guild_id: int, day: date, variant: int = 0) -> str:
    """A deterministic Discord nonce for a server's post on a local date.

    ``"t" + base36(guild id) + "-" + YYYYMMDD`` is at most 1 + 13 + 1 + 8 = 23 characters, unique per
    (server, date) and readable in logs; with ``enforce_nonce`` Discord returns the existing message for a
    resend with the same nonce, which is what makes a resend after a crash safe. A ``variant`` (1-35) adds one
    character: a post re-aimed at another channel the same day must not be mistaken for the first one.
    """
    if guild_id < 0:
        raise ValueError("guild_id must not be negative")
    nonce = f"t{_base36(guild_id)}-{day:%Y%m%d}" + (_base36(variant % 36) if variant % 36 else "")
    if len(nonce) > NONCE_MAX_LEN:  # only for ids beyond 64 bits, which Discord does not issue
        raise ValueError(f"guild_id {guild_id} is too large for a nonce")
    return nonce


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    encoded = ""
    while True:
        value, rest = divmod(value, 36)
        encoded = digits[rest] + encoded
        if value == 0:
            return encoded


def zone_choices(prefix: str, names: Sequence[str], limit: int) -> list[str]:
    """Up to ``limit`` zone names for autocomplete (Discord shows at most 25).

    Names starting with ``prefix`` come first, then names containing it anywhere (case-insensitive), so
    "berlin" finds Europe/Berlin and "new" finds America/New_York; spaces match underscores.
    """
    needle = prefix.strip().casefold().replace(" ", "_")
    if not needle:
        return list(names[:limit])
    starts: list[str] = []
    contains: list[str] = []
    for name in names:
        folded = name.casefold()
        if folded.startswith(needle):
            starts.append(name)
            if len(starts) >= limit:
                break
        elif needle in folded:
            contains.append(name)
    return (starts + contains)[:limit]
