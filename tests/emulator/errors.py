"""Discord's JSON error responses.

Handlers raise :class:`DiscordError`; the server turns it into the body Discord sends
(docs: Reference > Error Messages — ``{"code", "message", "errors"?}``), so discord.py builds the
same ``HTTPException``/``Forbidden``/``NotFound`` (with ``.code``) it would against Discord.
"""

from __future__ import annotations

from typing import Any

# docs: Topics > Opcodes and Status Codes > JSON Error Codes
UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_MESSAGE = 10008
UNKNOWN_ROLE = 10011
UNKNOWN_USER = 10013
UNKNOWN_WEBHOOK = 10015
UNKNOWN_APPLICATION_COMMAND = 10063
UNKNOWN_INTERACTION = 10062
CANNOT_EDIT_OTHERS_MESSAGE = 50005
EMPTY_MESSAGE = 50006
MISSING_ACCESS = 50001
INVALID_WEBHOOK_TOKEN = 50027
MISSING_PERMISSIONS = 50013
INVALID_FORM_BODY = 50035
INTERACTION_ALREADY_ACKNOWLEDGED = 40060


class DiscordError(Exception):
    """An HTTP error with Discord's JSON body."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        """The JSON body Discord would send."""
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            data["errors"] = self.errors
        return data


def unknown(kind: str) -> DiscordError:
    """404 ``Unknown <kind>`` with its documented code."""
    codes = {
        "Channel": UNKNOWN_CHANNEL,
        "Guild": UNKNOWN_GUILD,
        "Member": UNKNOWN_MEMBER,
        "Message": UNKNOWN_MESSAGE,
        "Role": UNKNOWN_ROLE,
        "User": UNKNOWN_USER,
        "Webhook": UNKNOWN_WEBHOOK,
        "interaction": UNKNOWN_INTERACTION,
        "application command": UNKNOWN_APPLICATION_COMMAND,
    }
    return DiscordError(404, codes[kind], f"Unknown {kind}")


def missing_access() -> DiscordError:
    """403 50001: the bot cannot see the channel at all."""
    return DiscordError(403, MISSING_ACCESS, "Missing Access")


def missing_permissions() -> DiscordError:
    """403 50013: the bot sees the channel but lacks a permission for the action."""
    return DiscordError(403, MISSING_PERMISSIONS, "Missing Permissions")


def invalid_form_body(errors: dict[str, Any]) -> DiscordError:
    """400 50035 with the nested ``errors`` tree."""
    return DiscordError(400, INVALID_FORM_BODY, "Invalid Form Body", errors)
