"""HTTP responses shaped the way discord.py reads them.

discord.py only parses JSON when Content-Type is exactly ``application/json``, so bodies are sent
as bytes with that type (aiohttp's ``text=`` would append a charset).
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response whose Content-Type is exactly ``application/json``."""
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json", headers=headers)


def no_content() -> web.Response:
    """204, as Discord answers deletes and acks."""
    return web.Response(status=204)


def truthy(value: str | None) -> bool:
    """A query flag such as ``?wait=true``."""
    return value is not None and value.lower() in ("1", "true", "yes")
