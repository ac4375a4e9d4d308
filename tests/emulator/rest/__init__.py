"""REST v10, by resource: the route table the server registers under ``/api/v10``.

- :mod:`.application`: gateway discovery, the application, commands
- :mod:`.interactions`: the interaction callback and the token's webhook messages
- :mod:`.channels`: channels and messages
- :mod:`.guilds`: guilds and users
- :mod:`.base`: what the resources share; :mod:`.middleware`: faults, auth, errors, the request log
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .application import ApplicationRoutes
from .base import FILES_KEY, INFO_KEY, Resource, Route
from .channels import ChannelRoutes
from .guilds import GuildRoutes
from .interactions import InteractionRoutes
from .middleware import RestMiddleware

if TYPE_CHECKING:
    from ..server import Emulator

__all__ = ["FILES_KEY", "INFO_KEY", "RestApi", "RestMiddleware"]


class RestApi:
    """The resources, and their routes in registration order."""

    def __init__(self, emu: Emulator) -> None:
        self.application = ApplicationRoutes(emu)
        self.interactions = InteractionRoutes(emu)
        self.channels = ChannelRoutes(emu)
        self.guilds = GuildRoutes(emu)

    @property
    def resources(self) -> list[Resource]:
        """Every resource group."""
        return [self.application, self.interactions, self.channels, self.guilds]

    def routes(self) -> list[Route]:
        """(method, path, handler) for every emulated endpoint."""
        return [route for resource in self.resources for route in resource.routes()]
