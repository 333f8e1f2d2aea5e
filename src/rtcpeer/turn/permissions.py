"""Permissions of one allocation (RFC 8656 §9).

A permission is per peer IP address (the port is ignored, §9), lasts 300 seconds and is
refreshed by another CreatePermission (or a ChannelBind to an address of that IP, §12.2).
The table only keeps time and state; :class:`~rtcpeer.turn.TurnClient` sends the requests.
While a permission is being created, data for its peers waits in a short queue, since the
server would drop a Send indication to a peer it has no permission for (§10.2).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from rtcpeer.turn.config import TurnConfig

Address = tuple[str, int]


@dataclass(slots=True)
class Permission:
    """The client's view of one permission."""

    peer_ip: str
    #: When the server last confirmed it (None: never).
    installed_at: float | None = None
    #: A CreatePermission for it is in flight.
    pending: bool = False
    #: Data waiting for the permission: (peer, data).
    queue: list[tuple[Address, bytes]] = field(default_factory=list)
    #: The last CreatePermission failed at this time (None: it did not).
    failed_at: float | None = None


class PermissionTable:
    """Permissions by peer IP, with their refresh and expiry times (RFC 8656 §9)."""

    def __init__(self, config: TurnConfig) -> None:
        self._config = config
        self._by_ip: dict[str, Permission] = {}

    def __iter__(self) -> Iterator[Permission]:
        return iter(list(self._by_ip.values()))

    def __len__(self) -> int:
        return len(self._by_ip)

    def get(self, peer_ip: str) -> Permission | None:
        return self._by_ip.get(peer_ip)

    def add(self, peer_ip: str) -> Permission:
        """The permission for ``peer_ip``, created (not yet installed) if unknown."""
        permission = self._by_ip.get(peer_ip)
        if permission is None:
            permission = self._by_ip[peer_ip] = Permission(peer_ip)
        return permission

    def remove(self, peer_ip: str) -> Permission | None:
        return self._by_ip.pop(peer_ip, None)

    def is_installed(self, peer_ip: str, now: float) -> bool:
        """The server holds a permission for ``peer_ip`` at ``now``."""
        permission = self._by_ip.get(peer_ip)
        return (
            permission is not None
            and permission.installed_at is not None
            and now < permission.installed_at + self._config.permission_lifetime
        )

    def installed(self, peer_ip: str, now: float) -> Permission:
        """A CreatePermission (or ChannelBind) for ``peer_ip`` succeeded at ``now``."""
        permission = self.add(peer_ip)
        permission.installed_at = now
        return permission

    def refresh_at(self, permission: Permission) -> float | None:
        if permission.installed_at is None or permission.pending:
            return None
        return permission.installed_at + self._config.permission_refresh

    def expires_at(self, permission: Permission) -> float | None:
        if permission.installed_at is None:
            return None
        return permission.installed_at + self._config.permission_lifetime

    def due_for_refresh(self, now: float) -> list[Permission]:
        """Installed permissions whose refresh time has come and that have none in flight."""
        due: list[Permission] = []
        for permission in self._by_ip.values():
            at = self.refresh_at(permission)
            if at is not None and now >= at:
                due.append(permission)
        return due

    def expired(self, now: float) -> list[Permission]:
        """Remove and return permissions the server no longer holds (§9: 300 s)."""
        gone = [
            p
            for p in self._by_ip.values()
            if (at := self.expires_at(p)) is not None and now >= at and not p.pending
        ]
        for permission in gone:
            del self._by_ip[permission.peer_ip]
        return gone

    def deadline(self) -> float | None:
        times: list[float] = []
        for permission in self._by_ip.values():
            refresh = self.refresh_at(permission)
            if refresh is not None:
                times.append(refresh)
            expiry = self.expires_at(permission)
            if expiry is not None and not permission.pending:
                times.append(expiry)
        return min(times, default=None)
