"""Keys for the message-integrity HMACs (RFC 8489 §9.1.1, §9.2.2, §14.4, §18.5.1).

RFC 8489 prepares strings with the PRECIS OpaqueString profile (RFC 8265 §4.2). Its enforcement
is: map non-ASCII spaces to U+0020, no case mapping, NFC normalisation; the result must be
non-empty and made only of FreeformClass code points. :func:`opaque_string` does the mapping and
normalisation and rejects control characters; it does not carry Unicode's full
Default_Ignorable / unassigned tables, so a few other code points that PRECIS disallows get
through unchanged.

RFC 5389 (and RFC 5769's test vectors) used SASLprep (RFC 4013) instead, which also applies
NFKC; :func:`saslprep` is provided for interoperating with such peers: pass
``saslprep(password)`` in as the password. For ASCII credentials all of this is the identity.
"""

from __future__ import annotations

import hashlib
import stringprep
import unicodedata

from .constants import PASSWORD_ALGORITHM_MD5, PASSWORD_ALGORITHM_SHA256
from .errors import StunCredentialError


def opaque_string(text: str) -> str:
    """Apply the (partial, see module docs) OpaqueString profile of RFC 8265 §4.2.2."""
    mapped = "".join(
        " " if char != " " and unicodedata.category(char) == "Zs" else char for char in text
    )
    normalised = unicodedata.normalize("NFC", mapped)
    for char in normalised:
        if unicodedata.category(char) == "Cc":
            raise StunCredentialError(f"control character U+{ord(char):04X} in credential")
    return normalised


def saslprep(text: str, *, allow_unassigned: bool = False) -> str:
    """SASLprep (RFC 4013), the preparation RFC 5389 used for STUN credentials.

    §2.1 map non-ASCII spaces (C.1.2) to U+0020 and "commonly mapped to nothing" (B.1) to
    nothing; §2.2 NFKC; §2.3 prohibit C.1.2, C.2.1, C.2.2, C.3-C.9; §2.4 RFC 3454 §6 bidi
    rules; §2.5 unassigned code points (A.1) are an error unless ``allow_unassigned``.
    """
    mapped = "".join(
        " " if stringprep.in_table_c12(char) else char
        for char in text
        if not stringprep.in_table_b1(char)
    )
    normalised = unicodedata.normalize("NFKC", mapped)
    prohibited = (
        stringprep.in_table_c12,
        stringprep.in_table_c21,
        stringprep.in_table_c22,
        stringprep.in_table_c3,
        stringprep.in_table_c4,
        stringprep.in_table_c5,
        stringprep.in_table_c6,
        stringprep.in_table_c7,
        stringprep.in_table_c8,
        stringprep.in_table_c9,
    )
    for char in normalised:
        if any(check(char) for check in prohibited):
            raise StunCredentialError(f"SASLprep prohibits U+{ord(char):04X}")
        if not allow_unassigned and stringprep.in_table_a1(char):
            raise StunCredentialError(f"SASLprep: unassigned code point U+{ord(char):04X}")
    if any(stringprep.in_table_d1(char) for char in normalised):
        if any(stringprep.in_table_d2(char) for char in normalised):
            raise StunCredentialError("SASLprep: mixed right-to-left and left-to-right text")
        if not (stringprep.in_table_d1(normalised[0]) and stringprep.in_table_d1(normalised[-1])):
            raise StunCredentialError("SASLprep: right-to-left text must start and end RTL")
    return normalised


def short_term_key(password: str) -> bytes:
    """RFC 8489 §9.1.1: key = OpaqueString(password), UTF-8 encoded.

    For ICE (RFC 8445 §7.2.2) the password is the peer's ice-pwd for requests it receives,
    and one's own for the responses.
    """
    return opaque_string(password).encode("utf-8")


def long_term_key(
    username: str, realm: str, password: str, algorithm: int = PASSWORD_ALGORITHM_MD5
) -> bytes:
    """RFC 8489 §9.2.2 / §18.5.1: the long-term credential key.

    ``MD5(username ":" OpaqueString(realm) ":" OpaqueString(password))`` (16 bytes) for
    algorithm 1, SHA-256 of the same string (32 bytes) for algorithm 2. The username is used as
    sent in USERNAME (already prepared, §9.2.2); trailing NULs are removed from all three.
    """
    text = ":".join(
        (
            username.rstrip("\x00"),
            opaque_string(realm.rstrip("\x00")),
            opaque_string(password.rstrip("\x00")),
        )
    ).encode("utf-8")
    if algorithm == PASSWORD_ALGORITHM_MD5:
        return hashlib.md5(text, usedforsecurity=False).digest()
    if algorithm == PASSWORD_ALGORITHM_SHA256:
        return hashlib.sha256(text).digest()
    raise StunCredentialError(f"unsupported password algorithm {algorithm}")


def userhash(username: str, realm: str) -> bytes:
    """RFC 8489 §14.4: SHA-256(OpaqueString(username) ":" OpaqueString(realm))."""
    text = f"{opaque_string(username)}:{opaque_string(realm)}"
    return hashlib.sha256(text.encode("utf-8")).digest()
