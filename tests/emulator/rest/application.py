"""REST: the application and its commands, and gateway discovery (what a client asks for before connecting)."""

from __future__ import annotations

from aiohttp import web

from .. import errors as E
from ..errors import DiscordError
from ..limits import ErrorTree, validate_command, validate_command_list
from ..model import Command
from ..responses import json_response, no_content
from .base import Json, Resource, Route

_COMMANDS = "/applications/{application_id}/commands"
_GUILD_COMMANDS = "/applications/{application_id}/guilds/{guild_id}/commands"


class ApplicationRoutes(Resource):
    """Gateway discovery, the application, and command CRUD (global and per guild)."""

    def routes(self) -> list[Route]:
        """(method, path, handler); literal segments come before placeholders."""
        command_routes: list[Route] = []
        for base in (_COMMANDS, _GUILD_COMMANDS):
            if base == _GUILD_COMMANDS:
                command_routes.append(("GET", base + "/permissions", self.command_permissions))
            command_routes += [
                ("GET", base, self.list_commands),
                ("PUT", base, self.put_commands),
                ("POST", base, self.post_command),
                ("GET", base + "/{command_id}", self.get_command),
                ("PATCH", base + "/{command_id}", self.patch_command),
                ("DELETE", base + "/{command_id}", self.delete_command),
            ]
        return [
            ("GET", "/gateway", self.get_gateway),
            ("GET", "/gateway/bot", self.get_gateway_bot),
            ("GET", "/oauth2/applications/@me", self.get_application),
            ("GET", "/applications/@me", self.get_application),
            *command_routes,
        ]

    # ---- gateway discovery and the application ---------------------------------------------------------
    async def get_gateway(self, request: web.Request) -> web.StreamResponse:
        """docs: Topics > Gateway > Get Gateway."""
        return json_response({"url": self.emu.gateway_url})

    async def get_gateway_bot(self, request: web.Request) -> web.StreamResponse:
        """docs: Topics > Gateway > Get Gateway Bot (discord.py's AutoShardedClient reads shards + url)."""
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return json_response(
            {"url": self.emu.gateway_url, "shards": self.emu.shard_count, "session_start_limit": limit}
        )

    async def get_application(self, request: web.Request) -> web.StreamResponse:
        """GET /oauth2/applications/@me — discord.py reads the owner for ``is_owner``."""
        app = self.emu.world.application
        assert app is not None
        return json_response(app.payload())

    # ---- commands -----------------------------------------------------------------------------------------
    def _scope(self, request: web.Request) -> int | None:
        """The guild id of a guild command route, None for global; 403 for another application."""
        app = self.emu.world.application
        assert app is not None
        if int(request.match_info["application_id"]) != app.id:
            raise DiscordError(403, E.MISSING_ACCESS, "Missing Access")
        if "guild_id" in request.match_info:
            return self.guild(request).id
        return None

    def _store_command(self, guild_id: int | None, data: Json, existing: Command | None) -> Command:
        world = self.emu.world
        app = world.application
        assert app is not None
        body = {k: v for k, v in data.items() if k not in ("id", "application_id", "version", "guild_id")}
        if existing is not None:
            if existing.data != body:
                existing.data = body
                existing.version = world.new_id()
            return existing
        command = Command(
            id=world.new_id(), application_id=app.id, guild_id=guild_id, version=world.new_id(), data=body
        )
        world.commands[command.id] = command
        return command

    def _find_existing(self, guild_id: int | None, data: Json) -> Command | None:
        key = (int(data.get("type", 1)), data.get("name"))
        for command in self.emu.world.commands_for(guild_id):
            if (command.type, command.name) == key:
                return command
        return None

    def _command(self, request: web.Request, scope: int | None) -> Command:
        command = self.emu.world.commands.get(int(request.match_info["command_id"]))
        if command is None or command.guild_id != scope:
            raise E.unknown("application command")
        return command

    async def list_commands(self, request: web.Request) -> web.StreamResponse:
        """GET .../commands."""
        scope = self._scope(request)
        return json_response([c.payload() for c in self.emu.world.commands_for(scope)])

    async def put_commands(self, request: web.Request) -> web.StreamResponse:
        """PUT .../commands — bulk overwrite; unchanged (type, name) pairs keep their ids, like Discord."""
        scope = self._scope(request)
        body = self.body(request)
        self.emu.rules.check_body(validate_command_list(body), "bulk overwrite commands")
        kept = [self._store_command(scope, data, self._find_existing(scope, data)) for data in body]
        keep_ids = {c.id for c in kept}
        for command in self.emu.world.commands_for(scope):
            if command.id not in keep_ids:
                del self.emu.world.commands[command.id]
        payloads = [c.payload() for c in kept]
        self.emu.events.record("commands_sync", scope=scope, names=[c.name for c in kept], commands=payloads)
        return json_response(payloads)

    async def post_command(self, request: web.Request) -> web.StreamResponse:
        """POST .../commands — upsert one command (201 when new)."""
        scope = self._scope(request)
        data = self.body(request) or {}
        tree = ErrorTree()
        validate_command(tree, (), data)
        self.emu.rules.check_body(tree, "create command")
        existing = self._find_existing(scope, data)
        command = self._store_command(scope, data, existing)
        self.emu.events.record(
            "commands_sync", scope=scope, names=[command.name], commands=[command.payload()], upsert=True
        )
        return json_response(command.payload(), status=200 if existing else 201)

    async def get_command(self, request: web.Request) -> web.StreamResponse:
        """GET .../commands/{id}."""
        return json_response(self._command(request, self._scope(request)).payload())

    async def patch_command(self, request: web.Request) -> web.StreamResponse:
        """PATCH .../commands/{id} — partial update."""
        scope = self._scope(request)
        command = self._command(request, scope)
        merged = {**command.data, **(self.body(request) or {})}
        tree = ErrorTree()
        validate_command(tree, (), merged)
        self.emu.rules.check_body(tree, "edit command")
        self._store_command(scope, merged, command)
        return json_response(command.payload())

    async def delete_command(self, request: web.Request) -> web.StreamResponse:
        """DELETE .../commands/{id}."""
        command = self._command(request, self._scope(request))
        del self.emu.world.commands[command.id]
        return no_content()

    async def command_permissions(self, request: web.Request) -> web.StreamResponse:
        """GET .../guilds/{id}/commands/permissions — no overrides are emulated."""
        self._scope(request)
        return json_response([])
