"""Settings, read from the environment (and ``.env``) when the program starts, never at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_API_BASE = "https://discord.com/api/v10"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GLOSSARY = PROJECT_ROOT / "data" / "genai"
DEFAULT_DATABASE = PROJECT_ROOT / "var" / "glossary.sqlite3"
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and what to set."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the operator can configure. See ``.env.example`` for the documentation of each field."""

    token: str = ""
    glossary_path: Path = DEFAULT_GLOSSARY
    database_path: Path = DEFAULT_DATABASE
    dev_guild_id: int | None = None
    api_base: str = DEFAULT_API_BASE
    log_level: str = "INFO"

    def __repr__(self) -> str:
        # The token must never reach a log line, even through a debug print of the settings.
        hidden = "set" if self.token else "unset"
        return (
            f"Settings(token=<{hidden}>, glossary_path={str(self.glossary_path)!r}, "
            f"database_path={str(self.database_path)!r}, dev_guild_id={self.dev_guild_id!r}, "
            f"api_base={self.api_base!r}, log_level={self.log_level!r})"
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, require_token: bool = True) -> Settings:
        """Build settings from ``env`` (default: ``os.environ``). Raises SettingsError with a one-line fix."""
        env = os.environ if env is None else env

        def get(name: str) -> str:
            return env.get(name, "").strip()

        token = get("DISCORD_TOKEN")
        if require_token and not token:
            raise SettingsError("DISCORD_TOKEN is not set: put your bot token in .env (see .env.example).")
        guild = get("DEV_GUILD_ID")
        if guild and not guild.isdigit():
            raise SettingsError(f"DEV_GUILD_ID must be a server id (digits only), got {guild!r}.")
        level = (get("LOG_LEVEL") or "INFO").upper()
        if level not in LOG_LEVELS:
            raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {level!r}.")
        api_base = (get("DISCORD_API_BASE") or DEFAULT_API_BASE).rstrip("/")
        if not api_base.startswith(("http://", "https://")):
            raise SettingsError(f"DISCORD_API_BASE must be an http(s) URL, got {api_base!r}.")
        return cls(
            token=token,
            glossary_path=Path(get("GLOSSARY_PATH") or DEFAULT_GLOSSARY),
            database_path=Path(get("DATABASE_PATH") or DEFAULT_DATABASE),
            dev_guild_id=int(guild) if guild else None,
            api_base=api_base,
            log_level=level,
        )
