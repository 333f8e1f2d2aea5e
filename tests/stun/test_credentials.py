"""Credential keys (RFC 8489 §9.1.1, §9.2.2, §14.4) and string preparation."""

from __future__ import annotations

import hashlib

import pytest

from rtcpeer.stun import (
    PASSWORD_ALGORITHM_MD5,
    PASSWORD_ALGORITHM_SHA256,
    StunCredentialError,
    StunError,
    long_term_key,
    opaque_string,
    saslprep,
    short_term_key,
    userhash,
)


def test_long_term_key_example_of_rfc8489_9_2_2() -> None:
    # "if the username is 'user', the realm is 'realm', and the password is 'pass', then the
    # 16-byte HMAC key would be ... 0x8493fbc53ba582fb4c044c456bdc40eb"
    assert long_term_key("user", "realm", "pass") == bytes.fromhex(
        "8493fbc53ba582fb4c044c456bdc40eb"
    )
    assert long_term_key("user", "realm", "pass", PASSWORD_ALGORITHM_MD5) == bytes.fromhex(
        "8493fbc53ba582fb4c044c456bdc40eb"
    )


def test_long_term_key_sha256() -> None:
    key = long_term_key("user", "realm", "pass", PASSWORD_ALGORITHM_SHA256)
    assert key == hashlib.sha256(b"user:realm:pass").digest()
    assert len(key) == 32


def test_long_term_key_strips_trailing_nuls() -> None:
    assert long_term_key("user\x00", "realm\x00\x00", "pass\x00") == long_term_key(
        "user", "realm", "pass"
    )


def test_long_term_key_unknown_algorithm() -> None:
    with pytest.raises(StunCredentialError):
        long_term_key("u", "r", "p", 3)


def test_short_term_key_is_the_utf8_password() -> None:
    assert short_term_key("VOkJxbRl1RmTxUk/WvJxBt") == b"VOkJxbRl1RmTxUk/WvJxBt"
    assert short_term_key("caf\u00e9") == "caf\u00e9".encode()


def test_opaque_string_nfc_and_space_mapping() -> None:
    assert opaque_string("cafe\u0301") == "caf\u00e9"  # NFC composes
    assert opaque_string("a\u00a0b\u3000c") == "a b c"  # non-ASCII spaces -> U+0020
    assert opaque_string("\u2168") == "\u2168"  # no compatibility mapping (that is NFKC)
    assert opaque_string("MiXeD") == "MiXeD"  # no case mapping
    assert short_term_key("cafe\u0301") == short_term_key("caf\u00e9")


@pytest.mark.parametrize("bad", ["a\x00b", "tab\there", "\x7f", "\u0085"])
def test_opaque_string_rejects_controls(bad: str) -> None:
    with pytest.raises(StunCredentialError):
        opaque_string(bad)
    with pytest.raises(StunError):
        short_term_key(bad)


def test_userhash() -> None:
    assert userhash("user", "realm") == hashlib.sha256(b"user:realm").digest()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        # RFC 4013 §3 examples.
        ("I\u00adX", "IX"),
        ("user", "user"),
        ("USER", "USER"),
        ("\u00aa", "a"),
        ("\u2168", "IX"),
        # RFC 5769 §2.4's password.
        ("The\u00adM\u00aatr\u2168", "TheMatrIX"),
        ("a\u00a0b", "a b"),
    ],
)
def test_saslprep(given: str, expected: str) -> None:
    assert saslprep(given) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "\u0007",  # RFC 4013 §3: prohibited character
        "\u0627\u0031",  # RFC 4013 §3: bidi check (RandALCat must start and end the string)
        "\u0627a\u0627",  # RandALCat and LCat mixed
        "\ue000",  # private use
        "\U000e0001",  # tagging character
    ],
)
def test_saslprep_rejects(bad: str) -> None:
    with pytest.raises(StunCredentialError):
        saslprep(bad)


def test_saslprep_unassigned() -> None:
    unassigned = "\u0221"  # unassigned in Unicode 3.2 (RFC 3454 table A.1)
    with pytest.raises(StunCredentialError):
        saslprep(unassigned)
    assert saslprep(unassigned, allow_unassigned=True) == unassigned
