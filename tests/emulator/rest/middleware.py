"""The path of every REST request: body parsing, fault rules, authentication, Discord's JSON errors, the request log.

Faults answer before the handler (or, with ``after``, replace its response); handlers raise
:class:`~tests.emulator.errors.DiscordError`, which becomes Discord's JSON error body; a route
the emulator does not know is a 404 and an ``unknown_route`` violation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from ..errors import DiscordError
from ..faults import FaultRule, RequestInfo
from ..model import Attachment
from ..responses import json_response
from ..routes import PREFIX
from .base import FILES_KEY, INFO_KEY, Handler

if TYPE_CHECKING:
    from ..server import Emulator

# Routes that authenticate with the interaction token in the URL, not the bot token.
TOKEN_ROUTES = ("/interactions/", "/webhooks/")


async def _read_multipart(request: web.Request, new_id: Callable[[], int]) -> tuple[Any, list[Attachment]]:
    """``payload_json`` and ``files[n]`` parts, as discord.py sends uploads."""
    payload: Any = None
    files: list[Attachment] = []
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "payload_json":
            payload = json.loads(await part.text())
        elif part.name and part.name.startswith("files["):
            content = await part.read(decode=False)
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            files.append(
                Attachment(
                    id=new_id(), filename=part.filename or "file", content=bytes(content), content_type=content_type
                )
            )
    return payload, files


async def read_body(request: web.Request, new_id: Callable[[], int]) -> tuple[Any, list[Attachment]]:
    """JSON bodies, multipart uploads, and anything else as text."""
    if not request.body_exists:
        return None, []
    if request.content_type.startswith("multipart/"):
        return await _read_multipart(request, new_id)
    raw = await request.read()
    if not raw:
        return None, []
    if request.content_type == "application/json":
        return json.loads(raw), []
    return raw.decode(errors="replace"), []


def _logged_body(response: web.StreamResponse) -> Any:
    """What the request log keeps of a response body: the JSON, else the text (None if there is none)."""
    raw = response.body if isinstance(response, web.Response) else None
    if not isinstance(raw, bytes | bytearray) or not raw:
        return None
    text = bytes(raw).decode(errors="replace")
    if response.content_type != "application/json":
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


class RestMiddleware:
    """aiohttp middleware for everything under the API prefix."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    @web.middleware
    async def handle(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Parse, consult the fault rules, authenticate, run the handler, log."""
        if not request.path.startswith(PREFIX):
            return await handler(request)
        info, files = await self._request_info(request)
        request[INFO_KEY] = info
        request[FILES_KEY] = files
        async with self.emu.faults.held(info):
            fault = self.emu.faults.take(info)
            response = await self._respond(request, handler, info, fault)
            where = {"method": info.method, "path": info.path, "route": info.route}
            if fault is not None:
                self.emu.events.record("fault", **where, status=fault.status, after=fault.after, rule=fault)
            self.emu.events.record(
                "request",
                **where,
                query=info.query,
                json=info.json,
                files=[f.filename for f in files],
                status=response.status,
                content_type=response.content_type,
                response=_logged_body(response),
                fault=fault is not None,
            )
        return response

    async def _request_info(self, request: web.Request) -> tuple[RequestInfo, list[Attachment]]:
        path = request.path[len(PREFIX) :]
        resource = getattr(request.match_info.route, "resource", None)
        canonical = resource.canonical if resource is not None else request.path
        route = canonical[len(PREFIX) :] if canonical.startswith(PREFIX) else path
        body, files = await read_body(request, self.emu.world.new_id)
        files = [self.emu.world.keep_attachment(file) for file in files]
        info = RequestInfo(
            method=request.method,
            path=path,
            route=route,
            query=dict(request.query),
            json=body,
            params=dict(request.match_info),
        )
        return info, files

    async def _respond(
        self, request: web.Request, handler: Handler, info: RequestInfo, fault: FaultRule | None
    ) -> web.StreamResponse:
        if fault is not None and not fault.after:
            return fault.response()
        if not info.path.startswith(TOKEN_ROUTES) and request.headers.get("Authorization") != f"Bot {self.emu.token}":
            return json_response({"message": "401: Unauthorized", "code": 0}, 401)
        try:
            response = await handler(request)
        except DiscordError as exc:
            response = json_response(exc.body(), exc.status)
        except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
            self.emu.rules.violation("unknown_route", f"{request.method} {info.path} is not emulated")
            response = json_response({"message": "404: Not Found", "code": 0}, 404)
        return fault.response() if fault is not None else response
