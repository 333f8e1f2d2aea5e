"""Network-namespace topologies with NAT routers, for the NAT interop tests (issue 6).

A :class:`Lab` builds, and always removes, a small internet inside network namespaces
whose names are unique to the test run (``rtcpeer-nat-<pid>-<n>-<role>``)::

    internet namespace: bridge br0 203.0.113.1/24 (and .254), coturn (STUN + TURN) on
      |                 203.0.113.1:3478; a blackhole default route, no forwarding
      |-- public host       eth0 203.0.113.x/24, default route via 203.0.113.1
      |-- router            wan 203.0.113.y/24, default route via 203.0.113.1,
      |                     MASQUERADE (--random: symmetric-like),
      |                     unsolicited inbound on wan dropped (conntrack state NEW)
      |     `-- host        eth0 10.0.n.2/24, default route via the router's lan 10.0.n.1

Every interface is created directly inside its namespace (``ip link add ... netns``), so
nothing is ever added to, routed through or filtered in the machine's own namespace. Like
the real internet, the lab silently drops packets to addresses that are not on it (a
private host candidate of another LAN). IPv6 is disabled in every namespace, so a host's
only addresses are ``lo`` and its veth's IPv4 address (rtcpeer gathers the latter;
``RTCPEER_ICE_ADDRESSES`` stays unset).

Sockets for probes are opened *inside* a namespace by a short-lived thread that enters it
with ``setns(2)`` (a socket keeps the namespace it was created in), so the pytest process
itself never changes namespace. :meth:`Lab.close` kills the processes started in the lab
(coturn, peers) and deletes its namespaces; namespaces left behind by a killed test run
(whose pid is gone) are deleted by the next one. ``RTCPEER_NAT_KEEP_LOGS=1`` keeps the
lab's directory (coturn's log, the peers' stderr) for debugging.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

from rtcpeer.stun import MessageClass, Method, StunMessage, is_stun, parse_message

CLONE_NEWNET = 0x40000000
PREFIX = "rtcpeer-nat-"
INTERNET = "203.0.113"  # TEST-NET-3: never a real address of this machine
SERVER = f"{INTERNET}.1"
#: coturn's second listening address: NAT mappings are compared across the two.
SERVER2 = f"{INTERNET}.254"
STUN_PORT = 3478
TURN_USER = "test"
TURN_PASSWORD = "test"
TURN_REALM = "lab.test"
_serial = count(1)


class LabUnavailable(RuntimeError):
    """A prerequisite of the lab is missing (the tests skip only for :func:`unavailable`'s
    reasons: not root, no ``ip`` or ``iptables``; a missing coturn is a failure)."""


def tool(name: str) -> str | None:
    found = shutil.which(name)
    if found is None:
        for directory in ("/usr/sbin", "/sbin", "/usr/bin", "/bin"):
            if os.path.exists(os.path.join(directory, name)):
                return os.path.join(directory, name)
    return found


def unavailable() -> str | None:
    """None when the lab can be built, else why not (a reason to skip)."""
    if not os.path.exists("/proc/self/ns/net"):
        return "network namespaces need Linux"
    if os.geteuid() != 0:
        return "network namespaces and iptables need root"
    for name in ("ip", "iptables"):
        if tool(name) is None:
            return f"{name} is not installed (apt-get install iproute2 iptables)"
    return None


def _run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result


PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """A ``preexec_fn``: the child is killed when the test process dies, even by SIGKILL
    (kept across exec; ``ip netns exec`` execs its command in the same process)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def sweep_stale_namespaces() -> None:
    """Delete namespaces (and log directories) of earlier runs whose process is gone."""
    ip = tool("ip")
    if ip is None:
        return
    listing = _run(ip, "netns", "list", check=False).stdout
    for line in listing.splitlines():
        name = line.split()[0] if line.split() else ""
        match = re.match(rf"{PREFIX}(\d+)-", name)
        if match and not Path(f"/proc/{match.group(1)}").exists():
            _run(ip, "netns", "del", name, check=False)
    for directory in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        match = re.match(rf"{PREFIX}(\d+)-", directory.name)
        if match and not Path(f"/proc/{match.group(1)}").exists():
            shutil.rmtree(directory, ignore_errors=True)


def socket_in(namespace: str, kind: int = socket.SOCK_DGRAM) -> socket.socket:
    """A socket that lives in ``namespace`` (created by a thread that entered it)."""
    made: list[socket.socket] = []
    errors: list[BaseException] = []

    def enter_and_create() -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = os.open(f"/run/netns/{namespace}", os.O_RDONLY)
            try:
                if libc.setns(fd, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns failed")
            finally:
                os.close(fd)
            made.append(socket.socket(socket.AF_INET, kind))
        except BaseException as exc:  # handed to the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=enter_and_create)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return made[0]


def stun_mapping(
    sock: socket.socket, server: tuple[str, int], timeout: float = 1.0
) -> tuple[str, int]:
    """The XOR-MAPPED-ADDRESS a STUN server reports for ``sock``."""
    request = StunMessage(Method.BINDING, MessageClass.REQUEST, os.urandom(12))
    sock.settimeout(0.2)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.sendto(request.encode(), server)
        try:
            data, _ = sock.recvfrom(2048)
        except TimeoutError:
            continue
        if is_stun(data):
            response = parse_message(data)
            if response.transaction_id == request.transaction_id:
                mapped = response.xor_mapped_address
                assert mapped is not None
                return str(mapped[0]), int(mapped[1])
    raise TimeoutError(f"no STUN answer from {server}")


@dataclass
class Router:
    namespace: str
    wan: str
    lan_prefix: str  # "10.0.n": the router is .1, its host .2
    symmetric: bool

    @property
    def lan(self) -> str:
        return f"{self.lan_prefix}.1"


@dataclass
class Host:
    namespace: str
    address: str
    router: Router | None = None
    interface: str = "eth0"


@dataclass
class Lab:
    """One test's namespaces and processes; see the module docstring."""

    serial: int = field(default_factory=lambda: next(_serial))
    namespaces: list[str] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    #: Processes started by the tests in the lab's namespaces (asyncio's), killed at the end
    #: if they still run (a reaped one has its returncode: its pid is never signalled).
    children: list[asyncio.subprocess.Process] = field(default_factory=list)
    directory: Path = field(
        default_factory=lambda: Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
    )
    internet: str | None = None
    coturn_log: Path | None = None

    def __post_init__(self) -> None:
        reason = unavailable()
        if reason is not None:
            raise LabUnavailable(reason)
        ip = tool("ip")
        iptables = tool("iptables")
        assert ip is not None and iptables is not None
        self.ip, self.iptables = ip, iptables

    # ------------------------------------------------------------------ commands

    def run(self, namespace: str, *command: str, check: bool = True) -> str:
        """Run ``command`` inside ``namespace``; its stdout."""
        return _run(self.ip, "netns", "exec", namespace, *command, check=check).stdout

    def ipn(self, namespace: str, *args: str) -> None:
        _run(self.ip, "-n", namespace, *args)

    def iptables_in(self, namespace: str, *args: str) -> None:
        self.run(namespace, self.iptables, "-w", *args)

    def name(self, role: str) -> str:
        return f"{PREFIX}{os.getpid()}-{self.serial}-{role}"

    def namespace(self, role: str) -> str:
        """A new namespace with ``lo`` up and IPv6 off."""
        name = self.name(role)
        _run(self.ip, "netns", "add", name)
        self.namespaces.append(name)
        self.ipn(name, "link", "set", "lo", "up")
        self.run(name, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
        self.run(name, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
        return name

    def veth(self, one: str, one_name: str, other: str, other_name: str) -> None:
        """A veth pair between two namespaces, both ends up."""
        self.ipn(one, "link", "add", one_name, "type", "veth", "peer", "name", other_name,
                 "netns", other)  # fmt: skip
        self.ipn(one, "link", "set", one_name, "up")
        self.ipn(other, "link", "set", other_name, "up")

    # ------------------------------------------------------------------ building

    def build_internet(self) -> str:
        """The "internet" namespace: a bridge with 203.0.113.1/24 and .254/24."""
        ns = self.namespace("inet")
        self.ipn(ns, "link", "add", "br0", "type", "bridge")
        self.ipn(ns, "addr", "add", f"{SERVER}/24", "dev", "br0")
        self.ipn(ns, "addr", "add", f"{SERVER2}/24", "dev", "br0")
        self.ipn(ns, "link", "set", "br0", "up")
        # Packets to addresses that are not on the bridge (private ones: host candidates)
        # vanish, as on the internet. Without a route, coturn's sendto() from a relayed
        # address fails (ENETUNREACH; EINVAL with a blackhole route) and coturn then closes
        # the whole allocation. So the default route leads to a gateway that does not
        # exist, on a veth of its own: sendto() succeeds, the frames are dropped.
        self.veth(ns, "sink", ns, "sink-end")
        self.ipn(ns, "addr", "add", "198.18.0.1/30", "dev", "sink")
        self.ipn(ns, "neigh", "add", "198.18.0.2", "lladdr", "02:00:00:00:00:02", "dev", "sink",
                 "nud", "permanent")  # fmt: skip
        self.ipn(ns, "route", "add", "default", "via", "198.18.0.2")
        self.internet = ns
        return ns

    def _attach(self, namespace: str, role: str, address: str, interface: str) -> None:
        """Plug ``namespace`` into the internet's bridge as ``interface`` with ``address``."""
        assert self.internet is not None, "build_internet() first"
        port = f"p-{role}"[:15]
        self.veth(namespace, interface, self.internet, port)
        self.ipn(self.internet, "link", "set", port, "master", "br0")
        self.ipn(namespace, "addr", "add", f"{address}/24", "dev", interface)

    def public_host(self, role: str, address: str) -> Host:
        ns = self.namespace(role)
        self._attach(ns, role, address, "eth0")
        self.ipn(ns, "route", "add", "default", "via", SERVER)  # the rest of the internet
        return Host(ns, address)

    def router(self, role: str, wan: str, lan_prefix: str, *, symmetric: bool = False) -> Router:
        """A NAT router: MASQUERADE on wan (``--random`` when ``symmetric``), inbound NEW
        connections on wan dropped (port-restricted filtering)."""
        ns = self.namespace(role)
        self._attach(ns, role, wan, "wan")
        self.ipn(ns, "route", "add", "default", "via", SERVER)  # the ISP's side
        self.run(ns, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        masquerade = ["-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "MASQUERADE"]
        self.iptables_in(ns, *masquerade, *(["--random"] if symmetric else []))
        for chain in ("INPUT", "FORWARD"):
            self.iptables_in(ns, "-A", chain, "-i", "wan", "-m", "conntrack", "--ctstate",
                             "NEW", "-j", "DROP")  # fmt: skip
        return Router(ns, wan, lan_prefix, symmetric)

    def host_behind(self, router: Router, role: str, interface: str = "eth0") -> Host:
        """A host on the router's LAN (10.0.n.2), default route via the router."""
        ns = self.namespace(role)
        host = Host(ns, f"{router.lan_prefix}.2", router, interface)
        self.connect(host, router)
        return host

    def connect(self, host: Host, router: Router, interface: str | None = None) -> None:
        """(Re)plug ``host`` into ``router``'s LAN: a new veth, address and default route."""
        if interface is not None:
            host.interface = interface
        host.router, host.address = router, f"{router.lan_prefix}.2"
        self.veth(host.namespace, host.interface, router.namespace, "lan")
        self.ipn(router.namespace, "addr", "add", f"{router.lan}/24", "dev", "lan")
        self.ipn(host.namespace, "addr", "add", f"{host.address}/24", "dev", host.interface)
        self.ipn(host.namespace, "route", "add", "default", "via", router.lan)

    def unplug(self, host: Host) -> None:
        """Remove the host's link (the veth pair, its address and routes go with it)."""
        self.ipn(host.namespace, "link", "del", host.interface)

    def darken(self, router: Router) -> None:
        """The router forwards nothing any more (a path that goes dark)."""
        self.iptables_in(router.namespace, "-I", "FORWARD", "1", "-j", "DROP")

    def heal(self, router: Router) -> None:
        self.iptables_in(router.namespace, "-D", "FORWARD", "-j", "DROP")

    # ------------------------------------------------------------------ coturn

    def start_coturn(self, timeout: float = 10.0) -> tuple[str, int]:
        """coturn on 203.0.113.1:3478 in the internet namespace, as STUN and TURN server
        (long-term credentials test/test); returns its address once it answers STUN."""
        assert self.internet is not None, "build_internet() first"
        binary = tool("turnserver")
        if binary is None:
            raise LabUnavailable("turnserver (Debian package coturn) is not installed")
        self.coturn_log = self.directory / "turnserver.log"
        args = [
            self.ip, "netns", "exec", self.internet, binary, "-n", "--no-cli",
            f"--log-file={self.coturn_log}", "--simple-log", "--verbose",
            f"--listening-ip={SERVER}", f"--listening-ip={SERVER2}", f"--relay-ip={SERVER}",
            f"--listening-port={STUN_PORT}", "--min-port=49160", "--max-port=49260",
            "--lt-cred-mech", f"--user={TURN_USER}:{TURN_PASSWORD}", f"--realm={TURN_REALM}",
            "--fingerprint", "--no-tls", "--no-dtls",
            f"--pidfile={self.directory / 'turnserver.pid'}",
        ]  # fmt: skip
        output = (self.directory / "turnserver.out").open("wb")
        process = subprocess.Popen(
            args,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        output.close()
        self.processes.append(process)
        probe = socket_in(self.internet)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    stun_mapping(probe, (SERVER, STUN_PORT), timeout=0.3)
                    break
                except (TimeoutError, OSError):
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise LabUnavailable(
                            "coturn did not start: "
                            + (self.directory / "turnserver.out").read_text(errors="replace")
                        ) from None
        finally:
            probe.close()
        return SERVER, STUN_PORT

    def coturn_lines(self, needle: str) -> list[str]:
        if self.coturn_log is None or not self.coturn_log.exists():
            return []
        return [line for line in self.coturn_log.read_text(errors="replace").splitlines()
                if needle in line]  # fmt: skip

    def mappings(self, host: Host) -> tuple[tuple[str, int], tuple[str, int]]:
        """(mapping seen by coturn on 203.0.113.1, on 203.0.113.254) for one socket of
        ``host``: equal behind a cone NAT, different behind a symmetric one."""
        sock = socket_in(host.namespace)
        try:
            sock.bind((host.address, 0))
            return (
                stun_mapping(sock, (SERVER, STUN_PORT)),
                stun_mapping(sock, (SERVER2, STUN_PORT)),
            )
        finally:
            sock.close()

    # ------------------------------------------------------------------ cleaning up

    def close(self) -> None:
        """Kill what runs in the lab, delete its namespaces; never raises."""
        for child in self.children:
            if child.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGKILL)
        for process in self.processes:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(3.0)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait(3.0)
        for name in reversed(self.namespaces):
            _run(self.ip, "netns", "del", name, check=False)
        self.namespaces.clear()
        if os.environ.get("RTCPEER_NAT_KEEP_LOGS") == "1":
            print(f"lab logs kept in {self.directory}")
        else:
            shutil.rmtree(self.directory, ignore_errors=True)
