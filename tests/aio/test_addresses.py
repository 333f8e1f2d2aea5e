"""Host address selection (issue 3): defaults, loopback fallback, RTCPEER_ICE_ADDRESSES."""

from __future__ import annotations

import pytest

from rtcpeer.aio import addresses
from rtcpeer.aio.addresses import ENVIRONMENT_VARIABLE, host_addresses


@pytest.fixture
def interfaces(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    found = [
        ("lo", "127.0.0.1"),
        ("lo", "::1"),
        ("eth0", "192.0.2.10"),
        ("eth0", "fe80::1"),
        ("eth0", "2001:db8::10"),
        ("wlan0", "169.254.3.4"),
        ("wlan0", "198.51.100.7"),
    ]
    monkeypatch.setattr(addresses, "_interfaces", lambda: found)
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)
    return found


def test_default_excludes_loopback_and_link_local(interfaces: list[tuple[str, str]]) -> None:
    assert host_addresses() == ["192.0.2.10", "2001:db8::10", "198.51.100.7"]


def test_loopback_on_request(interfaces: list[tuple[str, str]]) -> None:
    assert host_addresses(include_loopback=True)[-2:] == ["127.0.0.1", "::1"]


def test_loopback_when_it_is_all_there_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(addresses, "_interfaces", lambda: [("lo", "127.0.0.1"), ("lo", "::1")])
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)
    assert host_addresses() == ["127.0.0.1", "::1"]


def test_environment_restricts_to_addresses_and_interface_names(
    interfaces: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "127.0.0.1, wlan0")
    assert host_addresses() == ["127.0.0.1", "169.254.3.4", "198.51.100.7"]


def test_argument_beats_environment(
    interfaces: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "eth0")
    assert host_addresses(["::1"]) == ["::1"]


def test_unknown_interface_is_an_error(interfaces: list[tuple[str, str]]) -> None:
    with pytest.raises(ValueError, match="no interface or address 'eth9'"):
        host_addresses(["eth9"])
