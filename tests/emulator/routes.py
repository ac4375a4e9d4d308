"""REST route templates: the API prefix, the templates tests name in faults and request filters, their normal form."""

from __future__ import annotations

import re

PREFIX = "/api/v10"
_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def normalize_route(template: str) -> str:
    """Strip the API prefix and placeholder names: ``/api/v10/channels/{channel_id}`` → ``/channels/{}``."""
    template = re.sub(r"^/api/v\d+", "", template)
    return _PLACEHOLDER.sub("{}", template.rstrip("/") or "/")


class Routes:
    """Route templates for fault injection (placeholder names do not matter when matching)."""

    INTERACTION_CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
    FOLLOWUP = "/webhooks/{application_id}/{interaction_token}"
    ORIGINAL = "/webhooks/{application_id}/{interaction_token}/messages/@original"
    WEBHOOK_MESSAGE = "/webhooks/{application_id}/{interaction_token}/messages/{message_id}"
    CHANNEL = "/channels/{channel_id}"
    MESSAGES = "/channels/{channel_id}/messages"
    MESSAGE = "/channels/{channel_id}/messages/{message_id}"
    GLOBAL_COMMANDS = "/applications/{application_id}/commands"
    GUILD_COMMANDS = "/applications/{application_id}/guilds/{guild_id}/commands"
    USERS_ME = "/users/@me"
    APPLICATION_ME = "/oauth2/applications/@me"
    GATEWAY_BOT = "/gateway/bot"
    GUILD = "/guilds/{guild_id}"
