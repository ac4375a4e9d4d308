"""REST: guilds (the guild, its channels, roles and members) and users (the bot itself, others, DM channels)."""

from __future__ import annotations

from aiohttp import web

from .. import errors as E
from ..responses import json_response, truthy
from .base import Resource, Route


class GuildRoutes(Resource):
    """Guild reads and user endpoints."""

    def routes(self) -> list[Route]:
        """(method, path, handler); literal segments come before placeholders."""
        return [
            ("GET", "/users/@me", self.get_me),
            ("PATCH", "/users/@me", self.patch_me),
            ("POST", "/users/@me/channels", self.create_dm),
            ("GET", "/users/{user_id}", self.get_user),
            ("GET", "/guilds/{guild_id}", self.get_guild),
            ("GET", "/guilds/{guild_id}/channels", self.guild_channels),
            ("GET", "/guilds/{guild_id}/roles", self.guild_roles),
            ("GET", "/guilds/{guild_id}/members", self.guild_members),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self.guild_member),
        ]

    # ---- users ----------------------------------------------------------------------------------------------
    async def get_me(self, request: web.Request) -> web.StreamResponse:
        """GET /users/@me — the bot user, as a logged-in user sees itself."""
        bot = self.emu.world.bot
        return json_response(
            {**bot.payload(), "verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"}
        )

    async def patch_me(self, request: web.Request) -> web.StreamResponse:
        """PATCH /users/@me — only ``username`` is emulated."""
        body = self.body(request) or {}
        if "username" in body:
            self.emu.world.bot.username = str(body["username"])
        return await self.get_me(request)

    async def get_user(self, request: web.Request) -> web.StreamResponse:
        """GET /users/{id}."""
        user = self.emu.world.users.get(int(request.match_info["user_id"]))
        if user is None:
            raise E.unknown("User")
        return json_response(user.payload())

    async def create_dm(self, request: web.Request) -> web.StreamResponse:
        """POST /users/@me/channels — open (or reuse) the DM channel with a user."""
        body = self.body(request) or {}
        user = self.emu.world.users.get(int(body.get("recipient_id") or 0))
        if user is None:
            raise E.unknown("User")
        return json_response(self.emu.world.dm_channel(user).payload())

    # ---- guilds ---------------------------------------------------------------------------------------------
    async def get_guild(self, request: web.Request) -> web.StreamResponse:
        """GET /guilds/{id}."""
        guild = self.guild(request)
        return json_response(guild.rest_payload(with_counts=truthy(request.query.get("with_counts"))))

    async def guild_channels(self, request: web.Request) -> web.StreamResponse:
        """GET /guilds/{id}/channels — every live channel (visibility is not filtered, as in Discord)."""
        guild = self.guild(request)
        return json_response([c.payload() for c in guild.live_channels()])

    async def guild_roles(self, request: web.Request) -> web.StreamResponse:
        """GET /guilds/{id}/roles."""
        guild = self.guild(request)
        return json_response([r.payload() for r in guild.roles.values()])

    async def guild_members(self, request: web.Request) -> web.StreamResponse:
        """GET /guilds/{id}/members?limit&after — ordered by user id."""
        guild = self.guild(request)
        limit = max(1, min(1000, int(request.query.get("limit", 1))))
        after = int(request.query.get("after", 0))
        members = sorted((m for m in guild.members.values() if m.user.id > after), key=lambda m: m.user.id)
        return json_response([m.payload() for m in members[:limit]])

    async def guild_member(self, request: web.Request) -> web.StreamResponse:
        """GET /guilds/{id}/members/{user_id}."""
        guild = self.guild(request)
        member = guild.members.get(int(request.match_info["user_id"]))
        if member is None:
            raise E.unknown("Member")
        return json_response(member.payload())
