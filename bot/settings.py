"""Settings, read from the environment (and ``.env``) when the program starts, never at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.shards import Shards

DEFAULT_API_BASE = "https://discord.com/api/v10"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GLOSSARY = PROJECT_ROOT / "data" / "genai"
DEFAULT_DATABASE = PROJECT_ROOT / "var" / "glossary.sqlite3"
MAX_SHARDS = 65_536
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and what to set."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the operator can configure. See ``.env.example`` for the documentation of each field."""

    token: str = ""
    glossary_path: Path = DEFAULT_GLOSSARY
    database_path: Path = DEFAULT_DATABASE
    database_url: str = ""
    shards: Shards = field(default_factory=Shards)
    dev_guild_id: int | None = None
    api_base: str = DEFAULT_API_BASE
    log_level: str = "INFO"

    def __repr__(self) -> str:
        # The token must never reach a log line, even through a debug print of the settings.
        hidden = "set" if self.token else "unset"
        return (
            f"Settings(token=<{hidden}>, glossary_path={str(self.glossary_path)!r}, "
            f"database_path={str(self.database_path)!r}, database_url=<{'set' if self.database_url else 'unset'}>, "
            f"shards={self.shards!r}, dev_guild_id={self.dev_guild_id!r}, "
            f"api_base={self.api_base!r}, log_level={self.log_level!r})"
        )

    @property
    def database(self) -> str | Path:
        """What to open: the PostgreSQL URL when there is one, else the SQLite file."""
        return self.database_url or self.database_path

    def with_shards(self, count: str | None, ids: str | None) -> Settings:
        """These settings with the shards given on the command line (which win over the environment)."""
        if count is None and ids is None:
            return self
        current = self.shards
        return replace(self, shards=parse_shards(count or str(current.count), ids or _ranges(current.ids)))

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
        url = get("DATABASE_URL")
        if url and not url.startswith(("postgresql://", "postgres://")):
            raise SettingsError(f"DATABASE_URL must start with postgresql://, got {url.split(':', 1)[0]!r}:…")
        return cls(
            token=token,
            database_url=url,
            shards=parse_shards(get("SHARD_COUNT"), get("SHARD_IDS")),
            glossary_path=Path(get("GLOSSARY_PATH") or DEFAULT_GLOSSARY),
            database_path=Path(get("DATABASE_PATH") or DEFAULT_DATABASE),
            dev_guild_id=int(guild) if guild else None,
            api_base=api_base,
            log_level=level,
        )


def parse_shards(count: str, ids: str) -> Shards:
    """``SHARD_COUNT`` and ``SHARD_IDS`` ("0-7", "0,2,4-5"; empty: every shard). Raises SettingsError."""
    if not count:
        if ids:
            raise SettingsError("SHARD_IDS needs SHARD_COUNT: the number of shards in all processes together.")
        return Shards()
    if not count.isdigit() or not 1 <= int(count) <= MAX_SHARDS:
        raise SettingsError(f"SHARD_COUNT must be a number of shards from 1 to {MAX_SHARDS}, got {count[:20]!r}.")
    total = int(count)
    chosen: set[int] = set()
    for part in filter(None, (p.strip() for p in ids.split(","))):
        first, _, last = part.partition("-")
        if not first.isdigit() or not (last or first).isdigit() or int(first) > int(last or first):
            raise SettingsError(f"SHARD_IDS must be shard numbers or ranges like 0-7 or 0,2,4-5; got {part[:20]!r}.")
        if int(last or first) >= total:
            raise SettingsError(f"SHARD_IDS must lie between 0 and {total - 1} (SHARD_COUNT={total}).")
        chosen.update(range(int(first), int(last or first) + 1))
    return Shards.of(total, chosen or None)


def _ranges(ids: frozenset[int] | None) -> str:
    """Shard ids back as "0-3,6" (empty for all)."""
    if ids is None:
        return ""
    ordered, parts = sorted(ids), []
    start = prev = ordered[0]
    for i in [*ordered[1:], None]:
        if i is not None and i == prev + 1:
            prev = i
            continue
        parts.append(f"{start}-{prev}" if prev > start else str(start))
        if i is not None:
            start = prev = i
    return ",".join(parts)
