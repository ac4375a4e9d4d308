"""REST fault injection: canned error responses for chosen requests.

A rule matches by HTTP method and route template (placeholder names are ignored, so
``/channels/{channel_id}/messages`` and ``/channels/{id}/messages`` are the same route) and/or a
predicate over the request, fires ``times`` times (None = forever), and answers before the
normal handler runs, so the emulator's state is untouched — exactly like a request Discord
rejected at its edge.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def normalize_route(template: str) -> str:
    """Strip the API prefix and placeholder names: ``/api/v10/channels/{channel_id}`` → ``/channels/{}``."""
    template = re.sub(r"^/api/v\d+", "", template)
    return _PLACEHOLDER.sub("{}", template.rstrip("/") or "/")


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
    predicate: Callable[[RequestInfo], bool] | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int | None = 1
    hits: int = 0
    name: str = ""
    # True: let the request take effect, then answer with the fault (a response lost on the way back).
    after: bool = False

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


def rate_limit_response(
    retry_after: float, *, is_global: bool = False, bucket: str = "emulated"
) -> tuple[Any, dict[str, str]]:
    """Body and headers of a Discord 429 (docs: Topics > Rate Limits > Exceeding A Rate Limit).

    discord.py only honours a 429 that carries ``Via`` (otherwise it assumes a Cloudflare ban and
    raises), reads ``retry_after``/``global`` from the JSON body, and the X-RateLimit-* headers.
    """
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global}
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
    return body, headers


class FaultInjector:
    """The active rules, consulted in insertion order for each request."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []

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
