"""rtcpeer: WebRTC's RTCPeerConnection for Python asyncio.

The sans-IO cores live in :mod:`rtcpeer.stun` and :mod:`rtcpeer.ice`; the deterministic
network simulator that drives them in tests is :mod:`rtcpeer.testing`.
"""

__version__ = "0.1.0.dev0"
