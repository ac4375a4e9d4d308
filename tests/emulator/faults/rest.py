"""REST faults: rules that answer chosen requests with canned errors, and the helpers that install them.

A rule matches by HTTP method and route template (placeholder names are ignored, so
``/channels/{channel_id}/messages`` and ``/channels/{id}/messages`` are the same route) and/or a
predicate over the request, fires ``times`` times (None = forever), and answers before the
normal handler runs, so the emulator's state is untouched — exactly like a request Discord
rejected at its edge (``after=True``: the request takes effect and only its response is lost).
A body may be JSON (any Python value) or raw text/bytes with any content type, e.g. the HTML page
a proxy answers with, which discord.py cannot parse as JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ..responses import json_response
from ..routes import normalize_route

Json = dict[str, Any]
Predicate = Callable[["RequestInfo"], bool]


@dataclass
class RequestInfo:
    """What a fault predicate (and the request log) sees about a REST request."""

    method: str
    path: str
    route: str
    query: dict[str, str]
    json: Any
    params: dict[str, str]


@dataclass
class FaultRule:
    """One injected failure; inspect ``hits`` to see how often it fired."""

    status: int
    method: str | None = None
    route: str | None = None
    predicate: Predicate | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int | None = 1
    hits: int = 0
    name: str = ""
    # True: let the request take effect, then answer with the fault (a response lost on the way back).
    after: bool = False
    # A str/bytes body is sent as is with this type; anything else is JSON-encoded and labelled with it.
    content_type: str = "application/json"

    def matches(self, info: RequestInfo) -> bool:
        """True if this rule still has shots left and applies to ``info``."""
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method is not None and self.method.upper() != info.method:
            return False
        if self.route is not None and normalize_route(self.route) != normalize_route(info.route):
            return False
        return self.predicate is None or bool(self.predicate(info))

    @property
    def exhausted(self) -> bool:
        """Whether the rule has fired as many times as allowed."""
        return self.times is not None and self.hits >= self.times

    def response(self) -> web.Response:
        """The canned response: ``body`` as given, or Discord's usual body for the status."""
        body = self.body
        headers = dict(self.headers)
        if body is None:
            if self.status == 429:
                body, defaults = rate_limit_response(0.1)
                headers = {**defaults, **headers}
            elif self.status >= 500:
                body = {"message": "Service Unavailable" if self.status == 503 else "Internal Server Error", "code": 0}
            else:
                body = {"message": f"{self.status}: injected", "code": 0}
        if isinstance(body, str | bytes):
            raw = body.encode() if isinstance(body, str) else body
            return web.Response(body=raw, status=self.status, content_type=self.content_type, headers=headers or None)
        if self.content_type == "application/json":
            return json_response(body, self.status, headers=headers or None)
        raw = json.dumps(body).encode()
        return web.Response(body=raw, status=self.status, content_type=self.content_type, headers=headers or None)


def rate_limit_response(
    retry_after: float,
    *,
    is_global: bool = False,
    bucket: str = "emulated",
    body_retry_after: bool = True,
    header_retry_after: bool = True,
) -> tuple[Any, dict[str, str]]:
    """Body and headers of a Discord 429 (docs: Topics > Rate Limits > Exceeding A Rate Limit).

    discord.py only honours a 429 that carries ``Via`` (otherwise it assumes a Cloudflare ban and
    raises), reads ``retry_after``/``global`` from the JSON body, and the X-RateLimit-* headers.
    ``body_retry_after=False`` leaves ``retry_after`` out of the body, ``header_retry_after=False``
    leaves out the ``Retry-After`` header.
    """
    body: Json = {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global}
    if not body_retry_after:
        del body["retry_after"]
    headers = {
        "Via": "1.1 google",
        "Retry-After": str(max(1, math.ceil(retry_after))),
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
        "X-RateLimit-Reset-After": f"{retry_after:.3f}",
        "X-RateLimit-Bucket": bucket,
        "X-RateLimit-Scope": "global" if is_global else "user",
    }
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    if not header_retry_after:
        del headers["Retry-After"]
    return body, headers


@dataclass
class Hold:
    """Requests matching ``method``/``route`` (and ``predicate``) wait here until :meth:`release` (a slow
    Discord, on purpose).

    ``reached`` is set when the first one arrives, so a test can act while the client waits for the answer;
    :meth:`drained` waits, after the release, until every held request has been answered (or dropped).
    """

    method: str | None = None
    route: str | None = None
    predicate: Predicate | None = None
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    waiting: int = 0
    _empty: asyncio.Event = field(default_factory=asyncio.Event)

    def matches(self, info: RequestInfo) -> bool:
        rule = FaultRule(status=0, method=self.method, route=self.route, times=None, predicate=self.predicate)
        return not self.released.is_set() and rule.matches(info)

    def release(self) -> None:
        self.released.set()

    async def drained(self) -> None:
        """Until no request is held or still being answered after :meth:`release`."""
        if self.waiting:
            await self._empty.wait()


class FaultInjector:
    """The active rules, consulted in insertion order for each request, and the ways to add them."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        self.holds: list[Hold] = []

    def hold(self, method: str | None = None, route: str | None = None, predicate: Predicate | None = None) -> Hold:
        """Hold matching requests unanswered until the returned :class:`Hold` is released."""
        held = Hold(method, route, predicate)
        self.holds.append(held)
        return held

    @contextlib.asynccontextmanager
    async def held(self, info: RequestInfo) -> AsyncIterator[None]:
        """Around every request: wait first if a hold matches it; the hold counts it until it is answered."""
        hold = next((h for h in self.holds if h.matches(info)), None)
        if hold is None:
            yield
            return
        hold.waiting += 1
        hold._empty.clear()
        try:
            hold.reached.set()
            await hold.released.wait()
            yield
        finally:
            hold.waiting -= 1
            if not hold.waiting:
                hold._empty.set()

    def add(self, rule: FaultRule) -> FaultRule:
        """Install ``rule`` and return it."""
        self.rules.append(rule)
        return rule

    def remove(self, rule: FaultRule) -> None:
        """Uninstall ``rule`` (no error if already gone)."""
        if rule in self.rules:
            self.rules.remove(rule)

    def clear(self) -> None:
        """Remove every rule."""
        self.rules.clear()

    def take(self, info: RequestInfo) -> FaultRule | None:
        """The first rule matching ``info``, with its hit counted; None if the request goes through."""
        for rule in self.rules:
            if rule.matches(info):
                rule.hits += 1
                return rule
        return None

    def inject(
        self,
        method: str | None = None,
        route: str | None = None,
        *,
        status: int,
        code: int = 0,
        message: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        times: int | None = 1,
        predicate: Predicate | None = None,
        after: bool = False,
        content_type: str = "application/json",
    ) -> FaultRule:
        """Answer matching requests with ``status`` (body ``{"message", "code"}`` unless ``body``).

        ``body`` may be any JSON value, or a str/bytes sent as is with ``content_type`` (say an HTML
        page with ``content_type="text/html"``, as a proxy would answer).
        ``after=True`` lets the request take effect first and only replaces the response, i.e. the
        response was lost on the way back (how a retried request creates duplicates without nonces).
        """
        if body is None and message is not None:
            body = {"message": message, "code": code}
        rule = FaultRule(
            status=status,
            method=method,
            route=route,
            predicate=predicate,
            body=body,
            headers=headers or {},
            times=times,
            name=f"{status} {method or '*'} {route or '*'}",
            after=after,
            content_type=content_type,
        )
        return self.add(rule)

    def rate_limit(
        self,
        method: str | None = None,
        route: str | None = None,
        *,
        retry_after: float = 0.25,
        times: int | None = 1,
        is_global: bool = False,
        predicate: Predicate | None = None,
        body_retry_after: bool = True,
        header_retry_after: bool = True,
    ) -> FaultRule:
        """A Discord 429 with ``retry_after``, X-RateLimit-* headers and ``Via`` (so discord.py retries).

        ``body_retry_after=False``: no ``retry_after`` in the JSON body; ``header_retry_after=False``:
        no ``Retry-After`` header.
        """
        body, headers = rate_limit_response(
            retry_after, is_global=is_global, body_retry_after=body_retry_after, header_retry_after=header_retry_after
        )
        return self.inject(method, route, status=429, body=body, headers=headers, times=times, predicate=predicate)

    def server_error(
        self,
        method: str | None = None,
        route: str | None = None,
        *,
        status: int = 503,
        times: int | None = 1,
        predicate: Predicate | None = None,
        after: bool = False,
    ) -> FaultRule:
        """A 5xx (503 by default) for matching requests (``after``: see :meth:`inject`)."""
        return self.inject(method, route, status=status, times=times, predicate=predicate, after=after)

    def forbid(
        self,
        method: str | None = None,
        route: str | None = None,
        *,
        times: int | None = None,
        code: int = 50013,
        predicate: Predicate | None = None,
    ) -> FaultRule:
        """403 Missing Permissions (or ``code``) for matching requests; forever by default."""
        message = "Missing Access" if code == 50001 else "Missing Permissions"
        return self.inject(method, route, status=403, code=code, message=message, times=times, predicate=predicate)

    def not_found(
        self,
        method: str | None = None,
        route: str | None = None,
        *,
        times: int | None = None,
        code: int = 10003,
        message: str = "Unknown Channel",
        predicate: Predicate | None = None,
    ) -> FaultRule:
        """404 (Unknown Channel by default) for matching requests; forever by default."""
        return self.inject(method, route, status=404, code=code, message=message, times=times, predicate=predicate)
