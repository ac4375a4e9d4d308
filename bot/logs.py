"""Logging, configured once by the entry point; every module logs through ``logging.getLogger(__name__)``."""

from __future__ import annotations

import logging
import re
import sys

# Discord bot tokens: three dot-separated base64url parts. Nothing should log one, but if a library ever did,
# the formatter hides it.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}")


class RedactingFormatter(logging.Formatter):
    """A formatter that replaces anything shaped like a bot token (and the configured token) with [token]."""

    def __init__(self, fmt: str, secret: str = "") -> None:
        super().__init__(fmt, datefmt="%Y-%m-%d %H:%M:%S")
        self.secret = secret

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if self.secret:
            text = text.replace(self.secret, "[token]")
        return _TOKEN.sub("[token]", text)


def configure(level: str, secret: str = "") -> None:
    """Send logs to stderr at ``level``; discord.py's own chatter stays at WARNING unless DEBUG is asked for."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", secret))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # The bot has no voice features: discord.py's warnings about missing voice libraries are only noise.
    logging.getLogger("discord.client").addFilter(lambda record: "voice will NOT be supported" not in record.msg)
    # aiosqlite logs every statement with its parameters at DEBUG: a glossary load would be megabytes of it.
    logging.getLogger("aiosqlite").setLevel(max(root.level, logging.INFO))
    if level != "DEBUG":
        logging.getLogger("discord").setLevel(logging.WARNING)
        logging.getLogger("discord.client").setLevel(logging.INFO)
