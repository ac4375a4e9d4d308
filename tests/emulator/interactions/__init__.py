"""Interactions: payload builders, the senders a test calls, the server-side records and the test-side handles.

- :mod:`.types`: interaction, callback, option and component type numbers
- :mod:`.commands`: the registered command a user picks, options typed and resolved
- :mod:`.payloads`: INTERACTION_CREATE bodies, component and modal-submit data
- :mod:`.records`: :class:`InteractionRecord` (server side: token, deadline, every callback and followup)
- :mod:`.handle`: :class:`InteractionHandle` (test side: awaitables over the event stream)
- :mod:`.send`: :class:`Interactions`, the senders (``slash``, ``click``, ...) and the registry
"""

from .commands import CommandUnavailable
from .handle import InteractionHandle
from .records import Callback, Followup, InteractionRecord
from .send import Interactions

__all__ = ["Callback", "CommandUnavailable", "Followup", "InteractionHandle", "InteractionRecord", "Interactions"]
