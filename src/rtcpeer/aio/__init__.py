"""asyncio adapters: sockets, timers and resolvers around the sans-IO cores."""

from rtcpeer.aio.addresses import ENVIRONMENT_VARIABLE, host_addresses
from rtcpeer.aio.connection import IceConnection

__all__ = ["ENVIRONMENT_VARIABLE", "IceConnection", "host_addresses"]
