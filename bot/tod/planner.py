"""Deciding a batch of due schedules: which posts to send and what to write, with no I/O.

A due schedule is one of: unusable settings (disable it), a day that already ended (close its post, move to
today's slot), already sent (move to the next day), an unconfirmed send (resend it with its nonce), or
waiting for a term (the one ``/termofday today`` planned, or a new one from the rotation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.tod.rotation import choose_term
from bot.tod.schedule import local_date, nonce_for, parse_time, parse_zone, slot_for, slot_on_or_after
from bot.tod.store import Close, Cycle, Disable, Due, Post, Reschedule, Schedule, Slot, Writes

NO_HISTORY = Cycle(0, frozenset())
OwnTerms = dict[int, list[int]]  # a server's own terms (negative ids, sorted) for the servers that have any


def rotation_of(guild_id: int, terms: Sequence[int], own: OwnTerms) -> Sequence[int]:
    """The sorted terms a server's rotation walks: its own (negative ids, so they sort first), then shipped."""
    extra = own.get(guild_id)
    return [*extra, *terms] if extra else terms


def ts(instant: datetime) -> int:
    return int(instant.timestamp())


@dataclass(frozen=True, slots=True)
class Send:
    """One post to hand to the poster, and where its schedule goes once it is confirmed."""

    guild_id: int
    channel_id: int
    term_id: int
    day: date
    nonce: str
    cycle: int
    attempts: int
    resend: bool
    then: Reschedule
    day_end: int  # first instant of the next local date: retries stop there and the slot is closed

    @property
    def slot(self) -> Slot:
        return Slot(self.guild_id, self.day, self.term_id, self.channel_id, self.cycle, self.nonce)


@dataclass(frozen=True, slots=True)
class Waiting:
    """A due schedule that needs its term: the planned one if it is still in the glossary, else a new one."""

    schedule: Schedule
    day: date
    zone: ZoneInfo
    post_time: time
    planned: Post | None


@dataclass(slots=True)
class Plan:
    """What one batch comes to."""

    sends: list[Send] = field(default_factory=list)
    writes: Writes = field(default_factory=Writes)
    waiting: list[Waiting] = field(default_factory=list)
    missed: int = 0
    disabled: int = 0
    skipped: int = 0
    more: bool = False  # a slot of today became due while closing a past one


class Planner:
    """Plans one batch at ``now``; parsed zones and times are cached for the batch (few distinct values)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._settings: dict[tuple[str, str], tuple[ZoneInfo, time] | str] = {}

    def settings(self, schedule: Schedule) -> tuple[ZoneInfo, time] | str:
        """The schedule's zone and time, or why they cannot be used."""
        key = (schedule.timezone, schedule.post_time)
        if key not in self._settings:
            try:
                self._settings[key] = (parse_zone(schedule.timezone), parse_time(schedule.post_time))
            except ValueError as exc:
                self._settings[key] = f"Invalid schedule settings: {exc}"
        return self._settings[key]

    def triage(self, dues: Sequence[Due]) -> Plan:
        """Everything that needs no term; the rest goes to ``plan.waiting`` for :meth:`assign`."""
        plan = Plan()
        for due in dues:
            self._triage(due, plan)
        return plan

    def _triage(self, due: Due, plan: Plan) -> None:
        schedule, post = due.schedule, due.post
        settings = self.settings(schedule)
        if isinstance(settings, str):
            plan.writes.disable.append(Disable(schedule.guild_id, settings, schedule.revision))
            plan.disabled += 1
            return
        zone, post_time = settings
        today = local_date(self.now, zone)
        day = schedule.next_local_date or today
        if day < today:
            self._close_past(schedule, post, today, settings, plan)
        elif post is not None and post.status == "sent":
            plan.writes.reschedule.append(self._after(schedule, day, settings))
        elif post is not None and post.status == "pending":
            plan.sends.append(self._send(schedule, post.term_id, day, settings, resend=post))
        else:
            plan.waiting.append(Waiting(schedule, day, zone, post_time, post))

    def _close_past(
        self, schedule: Schedule, post: Post | None, today: date, settings: tuple[ZoneInfo, time], plan: Plan
    ) -> None:
        """The day ended without a post (downtime, or retries ran out): close it, never send late."""
        if post is None or post.status in ("planned", "pending"):
            plan.writes.close.append(Close(schedule.guild_id, schedule.next_local_date or today))
            plan.missed += 1
        zone, post_time = settings
        next_day, next_at = slot_on_or_after(today, post_time, zone)
        plan.writes.reschedule.append(Reschedule(schedule.guild_id, ts(next_at), next_day, schedule.revision))
        plan.more = plan.more or next_at <= self.now

    @staticmethod
    def _after(schedule: Schedule, day: date, settings: tuple[ZoneInfo, time]) -> Reschedule:
        zone, post_time = settings
        next_day, next_at = slot_on_or_after(day + timedelta(days=1), post_time, zone)
        return Reschedule(schedule.guild_id, ts(next_at), next_day, schedule.revision)

    def _send(
        self,
        schedule: Schedule,
        term_id: int,
        day: date,
        settings: tuple[ZoneInfo, time],
        *,
        cycle: int = 0,
        resend: Post | None = None,
    ) -> Send:
        """A send of ``term_id`` for ``day``; a ``resend`` keeps the earlier try's channel, nonce and round."""
        zone = settings[0]
        return Send(
            guild_id=schedule.guild_id,
            channel_id=resend.channel_id if resend else schedule.channel_id,
            term_id=term_id,
            day=day,
            nonce=resend.nonce if resend else nonce_for(schedule.guild_id, day),
            cycle=resend.cycle if resend else cycle,
            attempts=schedule.attempts,
            resend=resend is not None,
            then=self._after(schedule, day, settings),
            day_end=ts(slot_for(day + timedelta(days=1), time(0, 0), zone)),
        )

    @staticmethod
    def _still_there(w: Waiting, terms: frozenset[int], own: OwnTerms) -> bool:
        """Whether the term ``/termofday today`` planned is still in the server's glossary."""
        planned = w.planned
        return planned is not None and (planned.term_id in terms or planned.term_id in own.get(w.schedule.guild_id, ()))

    @classmethod
    def history_needed(
        cls, waiting: Sequence[Waiting], terms: frozenset[int], own: OwnTerms | None = None
    ) -> list[int]:
        """Servers whose term must come from the rotation (their planned term, if any, has left the glossary)."""
        return [w.schedule.guild_id for w in waiting if not cls._still_there(w, terms, own or {})]

    def assign(self, plan: Plan, terms: Sequence[int], cycles: dict[int, Cycle], own: OwnTerms | None = None) -> None:
        """Give every waiting schedule its term (``terms`` sorted and unique, plus the server's ``own``) and its
        send."""
        term_set = frozenset(terms)
        own = own or {}
        for w in plan.waiting:
            settings = (w.zone, w.post_time)
            if w.planned is not None and self._still_there(w, term_set, own):
                plan.sends.append(self._send(w.schedule, w.planned.term_id, w.day, settings, cycle=w.planned.cycle))
                continue
            rotation = rotation_of(w.schedule.guild_id, terms, own)
            choice = choose_term(w.schedule.guild_id, w.day, rotation, cycles.get(w.schedule.guild_id, NO_HISTORY))
            if choice is None:
                plan.writes.reschedule.append(self._after(w.schedule, w.day, settings))
                plan.skipped += 1
            else:
                plan.sends.append(self._send(w.schedule, choice[0], w.day, settings, cycle=choice[1]))
        plan.waiting = []
