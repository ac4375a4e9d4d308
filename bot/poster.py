"""The term-of-the-day poster: sends a card to a channel through discord.py and classifies failures.

Discord errors map to the scheduler's two kinds: 403 and 404 are permanent (retrying a 403 only counts toward
Discord's invalid-request ban) and disable the schedule with a reason an admin can act on; 429, 5xx, timeouts
and connection errors are transient and retried the same day with the same nonce.
"""

from __future__ import annotations

import logging
from datetime import date

import aiohttp
import discord

from bot.replies import Replies
from bot.tod.ports import PermanentPostError, TransientPostError
from bot.tod.replies import heading_for
from bot.views import message_kwargs

log = logging.getLogger(__name__)


class DiscordPoster:
    """Posts term-of-the-day cards with a nonce and ``enforce_nonce`` (discord.py sets it with the nonce)."""

    def __init__(self, client: discord.Client, replies: Replies) -> None:
        self.client = client
        self.replies = replies

    async def post(self, guild_id: int, channel_id: int, term_id: int, local_date: date, nonce: str) -> int:
        reply = await self.replies.card(term_id, heading=heading_for(local_date), guild_id=guild_id)
        if reply is None:
            raise TransientPostError(f"term {term_id} is no longer in the glossary")
        channel = self.client.get_partial_messageable(channel_id, guild_id=guild_id)
        try:
            message = await channel.send(**message_kwargs(reply), nonce=nonce)
        except discord.Forbidden as exc:
            raise PermanentPostError(
                f"Missing permission to post in <#{channel_id}> (needs View Channel, Send Messages and "
                f"Embed Links; Discord said: {exc.text or exc.status})"
            ) from exc
        except discord.NotFound as exc:
            raise PermanentPostError(f"Channel <#{channel_id}> was deleted or the bot can no longer see it") from exc
        except discord.HTTPException as exc:
            if exc.status == 429:
                raise TransientPostError("Discord rate limit (429)") from exc
            if exc.status >= 500:
                raise TransientPostError(f"Discord error {exc.status}", refused=False) from exc
            raise PermanentPostError(f"Discord refused the post ({exc.status}: {exc.text})") from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise TransientPostError(f"network error: {exc!r}", refused=False) from exc
        except (KeyError, TypeError) as exc:  # discord.py reads retry_after from every 429 body; some have none
            raise TransientPostError("Discord rate limit (429 without retry_after)") from exc
        return message.id
