"""A real coturn (``turnserver``, Debian package coturn) for interop tests.

:func:`running_coturn` is a context manager: it picks free ports on 127.0.0.1, writes a
test CA and a server certificate signed by it (``cryptography``), starts ``turnserver``
with the flags of ``/work/shared/LAB.md`` plus a TLS listener, waits until the UDP, TCP
and TLS ports answer, yields a :class:`Coturn` describing it, and kills it on exit.
Nothing but 127.0.0.1 is ever used. When ``turnserver`` is not installed it raises
:class:`CoturnUnavailable` (fixtures turn that into a skip, which
``RTCPEER_REQUIRE_INTEROP=1`` turns into a failure).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from rtcpeer.stun import MessageClass, Method, StunMessage, is_stun

HOST = "127.0.0.1"
USERNAME = "test"
PASSWORD = "test"
REALM = "lab.test"
START_TIMEOUT = 15.0


class CoturnUnavailable(RuntimeError):
    """``turnserver`` is not installed or did not start."""


@dataclass(frozen=True)
class Coturn:
    """A running coturn: where it listens, its credentials, and the CA that signed it."""

    host: str
    port: int
    tls_port: int
    ca_file: str
    #: A CA that did *not* sign the server's certificate (for "untrusted" tests).
    other_ca_file: str
    log_file: str
    username: str = USERNAME
    password: str = PASSWORD
    realm: str = REALM

    def url(self, scheme: str = "turn", transport: str | None = None) -> str:
        port = self.tls_port if scheme == "turns" else self.port
        query = f"?transport={transport}" if transport else ""
        return f"{scheme}:{self.host}:{port}{query}"

    def log(self) -> str:
        try:
            return Path(self.log_file).read_text(errors="replace")
        except OSError:
            return ""


def _free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (coturn listens on both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind((HOST, 0))
            port = int(tcp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind((HOST, port))
                except OSError:
                    continue
        return port
    raise CoturnUnavailable("no free port on 127.0.0.1")


def _write_ca(directory: Path, name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    (directory / f"{name}.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key, certificate


def write_certificates(directory: Path) -> tuple[Path, Path, Path, Path]:
    """(server cert, server key, CA file, other CA file) in ``directory``.

    The server certificate names ``localhost`` and 127.0.0.1 and is signed by the CA.
    """
    ca_key, ca = _write_ca(directory, "test-ca")
    _write_ca(directory, "other-ca")
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_path = directory / "server.pem"
    key_path = directory / "server.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path, directory / "test-ca.pem", directory / "other-ca.pem"


def _udp_answers(port: int) -> bool:
    request = StunMessage(Method.BINDING, MessageClass.REQUEST, os.urandom(12)).encode()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.2)
        try:
            sock.sendto(request, (HOST, port))
            data, _ = sock.recvfrom(2048)
        except OSError:
            return False
    return is_stun(data)


def _tcp_accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.2):
            return True
    except OSError:
        return False


@contextmanager
def running_coturn(extra_args: Sequence[str] = ()) -> Iterator[Coturn]:
    """Start a private coturn on 127.0.0.1; see the module docstring."""
    binary = shutil.which("turnserver")
    if binary is None:
        raise CoturnUnavailable("turnserver (Debian package coturn) is not installed")
    with tempfile.TemporaryDirectory(prefix="rtcpeer-coturn-") as tmp:
        directory = Path(tmp)
        cert, key, ca_file, other_ca = write_certificates(directory)
        port, tls_port = _free_port(), _free_port()
        while tls_port == port:
            tls_port = _free_port()
        log_file = directory / "turnserver.log"
        output_file = directory / "turnserver.out"
        args = [
            binary,
            "-n",
            "--no-cli",
            f"--log-file={directory / 'turnserver.log'}",
            "--verbose",
            "--simple-log",
            f"--listening-ip={HOST}",
            f"--relay-ip={HOST}",
            f"--listening-port={port}",
            f"--tls-listening-port={tls_port}",
            # coturn also listens on these "alternative" ports unless told otherwise.
            f"--alt-listening-port={port}",
            f"--alt-tls-listening-port={tls_port}",
            "--min-port=49160",
            "--max-port=49260",
            "--lt-cred-mech",
            f"--user={USERNAME}:{PASSWORD}",
            f"--realm={REALM}",
            "--fingerprint",
            "--no-dtls",
            f"--cert={cert}",
            f"--pkey={key}",
            "--allow-loopback-peers",
            f"--pidfile={directory / 'turnserver.pid'}",
            *extra_args,
        ]
        with output_file.open("wb") as log:
            process = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        server = Coturn(HOST, port, tls_port, str(ca_file), str(other_ca), str(log_file))
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not (_udp_answers(port) and _tcp_accepts(port) and _tcp_accepts(tls_port)):
                if process.poll() is not None:
                    output = output_file.read_text(errors="replace")
                    raise CoturnUnavailable(f"turnserver exited early:\n{output}")
                if time.monotonic() > deadline:
                    raise CoturnUnavailable(f"turnserver did not start:\n{server.log()}")
                time.sleep(0.05)  # polling a child process's sockets, not synchronising tests
            yield server
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(5.0)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(5.0)
