"""The long-term credential mechanism as a TURN client uses it (RFC 8489 §9.2).

The first request goes out without credentials; the server answers 401 (Unauthenticated)
with REALM and NONCE (§9.2.4). Every later request carries USERNAME, REALM, NONCE and
MESSAGE-INTEGRITY keyed with ``MD5(username ":" realm ":" password)`` (§9.2.2, §18.5.1.1);
a 438 (Stale Nonce) answer carries a new NONCE to retry with (§9.2.5).

The credentials are secrets: nothing here puts them, or the key, in a ``repr`` or a log.
RFC 8489's security-feature bits (password algorithms, USERHASH) are not implemented: the
key is always MD5, which is what RFC 5389 servers such as coturn use.
"""

from __future__ import annotations

from rtcpeer.stun import AttrType, StunMessage, long_term_key


class TurnCredentials:
    """A TURN username and password; ``repr`` shows neither."""

    __slots__ = ("_password", "_username")

    def __init__(self, username: str, password: str) -> None:
        if not isinstance(username, str) or not isinstance(password, str):
            raise TypeError("TURN username and password must be str")
        self._username = username
        self._password = password

    @property
    def username(self) -> str:
        return self._username

    def key(self, realm: str) -> bytes:
        """The long-term key for ``realm`` (RFC 8489 §9.2.2)."""
        return long_term_key(self._username, realm, self._password)

    def __repr__(self) -> str:
        return "TurnCredentials(<redacted>)"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TurnCredentials):
            return NotImplemented
        return (self._username, self._password) == (other._username, other._password)

    def __hash__(self) -> int:
        return hash((self._username, self._password))


class LongTermAuth:
    """Realm, nonce and key learnt from the server (RFC 8489 §9.2.3-§9.2.5)."""

    __slots__ = ("_credentials", "key", "nonce", "realm")

    def __init__(self, credentials: TurnCredentials) -> None:
        self._credentials = credentials
        self.realm: str | None = None
        self.nonce: str | None = None
        #: The HMAC key once the realm is known; never logged.
        self.key: bytes | None = None

    @property
    def ready(self) -> bool:
        """Realm and nonce are known: requests can be authenticated."""
        return self.key is not None and self.nonce is not None

    def challenge(self, response: StunMessage) -> bool:
        """Learn REALM and NONCE from a 401 or 438 response (§9.2.5); False when they are
        missing (the response then cannot be followed)."""
        realm, nonce = response.realm, response.nonce
        if nonce is None or (realm is None and self.realm is None):
            return False
        if realm is not None and realm != self.realm:
            self.realm = realm
            self.key = self._credentials.key(realm)
        self.nonce = nonce
        return True

    def attributes(self) -> dict[int, object]:
        """USERNAME, REALM and NONCE for an authenticated request (§9.2.3.2)."""
        if self.realm is None or self.nonce is None:
            return {}
        return {
            AttrType.USERNAME: self._credentials.username,
            AttrType.REALM: self.realm,
            AttrType.NONCE: self.nonce,
        }

    def __repr__(self) -> str:
        return f"LongTermAuth(realm={self.realm!r}, ready={self.ready})"
