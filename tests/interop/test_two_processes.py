"""Two rtcpeer agents in two processes on 127.0.0.1: freezing, consent expiry, ICE restart.

The child (``peer_process.py``, controlled) is signalled over its stdin/stdout as JSON lines.
SIGSTOP freezes it, which from the parent's side is a path that silently stops answering;
SIGCONT lets it answer again. Only loopback traffic, and no sleeps: every step waits for the
state (or signalling message) it needs, with a timeout.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from rtcpeer.aio import IceConnection
from rtcpeer.ice import Candidate, IceTransportState

S = IceTransportState
PEER = Path(__file__).with_name("peer_process.py")
LOOPBACK = "127.0.0.1"
UP = (S.CONNECTED, S.COMPLETED)


class Child:
    """The child process and the parent's end of the signalling."""

    def __init__(self, proc: asyncio.subprocess.Process, conn: IceConnection) -> None:
        self.proc = proc
        self.conn = conn
        self.state: str | None = None
        self.generation_count = 0
        self.states: list[tuple[float, str, int]] = []
        self.parameters: list[tuple[str, str, bool]] = []
        #: Loop time at which the child's first parameters were applied (the PAC start).
        self.parameters_applied_at: float | None = None
        self._waiters: list[tuple[frozenset[str], int, asyncio.Future[str]]] = []
        self._info: asyncio.Future[dict[str, Any]] | None = None
        self._echoes: asyncio.Queue[bytes] = asyncio.Queue()
        self._signalled: set[str] = set()
        self._pending: dict[str, list[dict[str, Any]]] = {}
        self._reader = asyncio.ensure_future(self._read())
        conn.on_candidate = self._on_candidate
        conn.on_data = self._echoes.put_nowait

    # ------------------------------------------------------------------ to the child

    def write(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(message) + "\n").encode())

    def send_parameters(self) -> None:
        """Signal the parent's current ufrag/pwd, then its candidates held back for them."""
        ufrag, pwd = self.conn.local_parameters
        self.write({"type": "parameters", "ufrag": ufrag, "pwd": pwd, "restart": False})
        self._signalled.add(ufrag)
        for message in self._pending.pop(ufrag, []):
            self.write(message)

    def _on_candidate(self, candidate: Candidate | None, ufrag: str) -> None:
        if candidate is None:
            message: dict[str, Any] = {"type": "end-of-candidates", "ufrag": ufrag}
        else:
            message = {"type": "candidate", "candidate": candidate.to_sdp(), "ufrag": ufrag}
        if ufrag in self._signalled:
            self.write(message)
        else:  # a restart gathers before its parameters can be signalled
            self._pending.setdefault(ufrag, []).append(message)

    # ------------------------------------------------------------------ from the child

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            self._handle(json.loads(line))

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "parameters":
            self.parameters.append((message["ufrag"], message["pwd"], message["restart"]))
            # The child's parameters never make the parent restart: it restarted first.
            assert not self.conn.set_remote_parameters(message["ufrag"], message["pwd"])
            if self.parameters_applied_at is None:
                self.parameters_applied_at = asyncio.get_running_loop().time()
        elif kind == "candidate":
            self.conn.add_remote_candidate(
                Candidate.from_sdp(message["candidate"]), message["ufrag"]
            )
        elif kind == "end-of-candidates":
            self.conn.add_remote_candidate(None, message["ufrag"])
        elif kind == "state":
            self.state = message["state"]
            self.generation_count = message["generation_count"]
            self.states.append((time.monotonic(), self.state, self.generation_count))
            for states, generation, future in self._waiters:
                wanted = self.state in states and self.generation_count >= generation
                if wanted and not future.done():
                    future.set_result(self.state)
        elif kind == "info":
            assert self._info is not None
            self._info.set_result(message)
        else:
            raise AssertionError(f"unexpected message from the child: {message!r}")

    # ------------------------------------------------------------------ waiting

    async def wait_state(self, *states: str, generation: int = 1, timeout: float) -> str:
        """Wait until the child's latest reported state is one of ``states`` (of at least
        its ``generation``-th generation)."""
        wanted = frozenset(states)
        if self.state in wanted and self.generation_count >= generation:
            return self.state
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        entry = (wanted, generation, future)
        self._waiters.append(entry)
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._waiters.remove(entry)

    async def info(self, timeout: float = 5.0) -> dict[str, Any]:
        self._info = asyncio.get_running_loop().create_future()
        self.write({"type": "info"})
        try:
            return await asyncio.wait_for(self._info, timeout)
        finally:
            self._info = None

    async def echo(self, data: bytes, timeout: float = 2.0) -> None:
        """Send ``data`` to the child and wait for its echo (data passes both ways)."""
        assert self.conn.send(data)
        assert await asyncio.wait_for(self._echoes.get(), timeout) == b"echo:" + data

    async def close(self) -> None:
        """Always ends the child: it may be stopped, so thaw it first, then kill it."""
        self._reader.cancel()
        if self.proc.returncode is None:
            try:
                os.kill(self.proc.pid, signal.SIGCONT)
                self.proc.kill()
            except ProcessLookupError:
                pass
        await self.proc.wait()


def assert_loopback_pair(conn: IceConnection) -> None:
    selected = conn.agent.selected_pair
    assert selected is not None
    assert selected[0].address == LOOPBACK
    assert selected[1].address == LOOPBACK


@pytest.mark.interop
@pytest.mark.timeout(120)
async def test_freeze_thaw_consent_expiry_and_restart_across_processes() -> None:
    conn = IceConnection(controlling=True, addresses=[LOOPBACK])
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(PEER),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "RTCPEER_ICE_ADDRESSES": LOOPBACK},
    )
    child = Child(proc, conn)
    try:
        # -- connect ------------------------------------------------------------------
        await conn.gather()
        child.send_parameters()
        await conn.connect(timeout=10.0)
        await child.wait_state(*UP, timeout=10.0)
        assert_loopback_pair(conn)
        parent_ufrag = conn.local_parameters[0]
        child_ufrag = child.parameters[0][0]
        assert conn.agent.remote_ufrag == child_ufrag
        for i in range(3):
            await child.echo(b"before freeze %d" % i)

        # -- SIGSTOP: the parent reports disconnected within 3 s ------------------------
        os.kill(proc.pid, signal.SIGSTOP)
        stopped_at = time.monotonic()
        await conn.wait_for_state(S.DISCONNECTED, timeout=5.0)
        disconnected_after = time.monotonic() - stopped_at
        print(f"SIGSTOP -> disconnected in {disconnected_after:.2f} s")
        assert disconnected_after < 3.0

        # -- SIGCONT: connectivity returns without a restart ----------------------------
        os.kill(proc.pid, signal.SIGCONT)
        continued_at = time.monotonic()
        await conn.wait_for_state(*UP, timeout=5.0)
        print(f"SIGCONT -> {conn.state} in {time.monotonic() - continued_at:.3f} s")
        await child.wait_state(*UP, timeout=5.0)
        assert conn.agent.generation_count == 1
        info = await child.info()
        assert info["generation_count"] == 1
        assert info["ufrag"] == child_ufrag
        assert conn.local_parameters[0] == parent_ufrag
        await child.echo(b"after thaw")

        # -- frozen for 35 s: consent expires 30 s after the last response: failed -------
        # webrtc-pc §5.7.6 also wants the PAC timer (RFC 8863, 39.5 s from the remote
        # parameters) expired before "failed": freeze late enough that consent expiry comes
        # after it. Meanwhile the idle connection must stay up (liveness checks answered).
        cfg = conn.agent.config
        loop = asyncio.get_running_loop()
        assert child.parameters_applied_at is not None
        idle = child.parameters_applied_at + cfg.pac_timeout - cfg.consent_timeout + 1.0
        if idle > loop.time():
            with pytest.raises(TimeoutError):
                await conn.wait_for_state(S.DISCONNECTED, S.FAILED, timeout=idle - loop.time())
        assert conn.state in UP
        await child.echo(b"before the long freeze")
        os.kill(proc.pid, signal.SIGSTOP)
        stopped_at = time.monotonic()
        await conn.wait_for_state(S.DISCONNECTED, timeout=5.0)
        await conn.wait_for_state(S.FAILED, timeout=35.0)
        failed_after = time.monotonic() - stopped_at
        print(f"SIGSTOP -> failed in {failed_after:.2f} s")
        # The last response came at most liveness_idle (1.5 s) + a probe interval + an RTT
        # before SIGSTOP, and timers only ever fire late.
        assert 27.0 < failed_after <= 35.0, failed_after
        assert not conn.send(b"no consent")  # RFC 7675: sending stops

        # -- SIGCONT and an ICE restart: new credentials on both sides ------------------
        os.kill(proc.pid, signal.SIGCONT)
        await child.info()  # the child runs again (it has seen its own consent expire)
        assert conn.state is S.FAILED  # failed leaves only through a restart
        restart_at = time.monotonic()
        await conn.restart()
        child.send_parameters()
        await conn.connect(timeout=10.0)
        await child.wait_state(*UP, generation=2, timeout=10.0)
        print(f"restart -> both connected in {time.monotonic() - restart_at:.3f} s")
        new_parent_ufrag = conn.local_parameters[0]
        new_child_ufrag, _, restarted = child.parameters[-1]
        assert restarted
        assert len(child.parameters) == 2
        assert new_parent_ufrag != parent_ufrag
        assert new_child_ufrag != child_ufrag
        assert conn.agent.remote_ufrag == new_child_ufrag
        assert conn.agent.generation_count == 2
        info = await child.info()
        assert info["generation_count"] == 2
        assert info["ufrag"] == new_child_ufrag
        assert info["remote_ufrag"] == new_parent_ufrag
        assert info["state"] in ("connected", "completed")
        assert_loopback_pair(conn)
        for i in range(3):
            await child.echo(b"after restart %d" % i)
        assert conn.state in UP

        print("child states:", [(state, gen) for _, state, gen in child.states])
        child.write({"type": "close"})
        assert await asyncio.wait_for(proc.wait(), 5.0) == 0
    finally:
        await child.close()
        await conn.close()
