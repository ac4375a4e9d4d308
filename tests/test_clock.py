"""The one test clock serves the emulator (float seconds) and the bot (aware datetimes, sleepers)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.tod.ports import Clock
from tests.clock import ManualClock

START = datetime(2026, 11, 28, 8, 58, tzinfo=UTC)


def test_both_views_show_the_same_instant() -> None:
    clock = ManualClock(START)
    assert clock.now() == START and clock() == START.timestamp()
    clock.advance(2.5)  # seconds, as the emulator's tests move it
    clock.advance(timedelta(minutes=1))  # a timedelta, as the bot's tests move it
    assert clock.now() == START + timedelta(seconds=62.5)
    assert clock() == START.timestamp() + 62.5
    with pytest.raises(ValueError, match="forward"):
        clock.set(START)
    with pytest.raises(ValueError, match="aware"):
        ManualClock(datetime(2026, 1, 1))


async def test_sleepers_wake_when_time_reaches_them_or_when_woken() -> None:
    clock: Clock = ManualClock(START)  # satisfies the bot's Clock protocol
    assert isinstance(clock, ManualClock)
    nine = START + timedelta(minutes=2)
    sleeper = asyncio.create_task(clock.sleep_until(nine, asyncio.Event()))
    await clock.wait_for_sleeps(1)
    assert clock.sleeping_until == nine
    clock.advance(timedelta(minutes=2))
    await asyncio.wait_for(sleeper, 5)
    assert clock.sleeping_until is None

    wake = asyncio.Event()
    woken = asyncio.create_task(clock.sleep_until(START + timedelta(days=1), wake))
    await clock.wait_for_sleeps(2)
    wake.set()
    await asyncio.wait_for(woken, 5)
    assert clock.now() == nine and clock.sleeps == 2


async def test_wait_until_idle_waits_for_a_sleep_towards_the_future() -> None:
    clock = ManualClock()
    wake = asyncio.Event()
    idle = asyncio.ensure_future(clock.wait_until_idle())
    due = asyncio.ensure_future(clock.sleep_until(clock.now(), wake))  # already due: returns, not idle
    await due
    assert not idle.done()
    later = asyncio.ensure_future(clock.sleep_until(clock.now() + timedelta(hours=1), wake))
    await idle  # a sleep towards an instant ahead: done
    wake.set()
    await later
