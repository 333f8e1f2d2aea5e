"""Fixtures of the WPT port: loopback-only ICE and WPT's ``t.add_cleanup(() => pc.close())``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from rtcpeer import RTCConfiguration, RTCPeerConnection
from tests.wpt import helper


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every socket of the suite binds 127.0.0.1 and nothing else."""
    monkeypatch.setenv("RTCPEER_ICE_ADDRESSES", "127.0.0.1")


@pytest.fixture
async def make_pc() -> AsyncIterator[Callable[..., RTCPeerConnection]]:
    """``make_pc(configuration=None)`` creates an RTCPeerConnection that is closed after the
    test, like WPT's ``createPeerConnectionWithCleanup``. Background tasks the helpers
    started (trickled addIceCandidate calls, perfect-negotiation handlers) are cancelled."""
    created: list[RTCPeerConnection] = []

    def factory(configuration: RTCConfiguration | None = None) -> RTCPeerConnection:
        pc = RTCPeerConnection(configuration)
        created.append(pc)
        return pc

    yield factory
    for pc in created:
        await pc.close()
    await helper.cancel_background_tasks()
