"""An ICE generation: one set of local credentials, with its candidates and check list.

An ICE restart (RFC 8445 §9) starts a new generation with new ufrag/pwd. The previous
generation lives on only while its selected pair carries data, so nothing is interrupted
until the new generation has selected a pair (webrtc-pc §4.4.2.2 restartIce, MDN).
"""

from __future__ import annotations

import random
import string

from rtcpeer.ice.candidate import Candidate
from rtcpeer.ice.checklist import CheckList
from rtcpeer.ice.states import IceGatheringState

#: ice-char, RFC 8839 §5.4: ALPHA / DIGIT / "+" / "/".
ICE_CHARS = string.ascii_letters + string.digits + "+/"


def random_credentials(rng: random.Random) -> tuple[str, str]:
    """A fresh ufrag (8 ice-chars; >= 24 bits of randomness) and pwd (24 ice-chars; >= 128 bits),
    RFC 8445 §5.3 and RFC 8839 §5.4."""
    ufrag = "".join(rng.choice(ICE_CHARS) for _ in range(8))
    pwd = "".join(rng.choice(ICE_CHARS) for _ in range(24))
    return ufrag, pwd


class Generation:
    """Local and remote credentials, candidates and check list of one ICE generation."""

    def __init__(
        self, index: int, ufrag: str, pwd: str, *, controlling: bool, max_pairs: int
    ) -> None:
        self.index = index
        self.local_ufrag = ufrag
        self.local_pwd = pwd
        self.remote_ufrag: str | None = None
        self.remote_pwd: str | None = None
        self.local_candidates: list[Candidate] = []
        #: Peer-reflexive local candidates learned from checks (RFC 8445 §7.2.5.3.1).
        self.local_prflx: list[Candidate] = []
        #: Server-reflexive candidate address -> the STUN server that reported it (stats'
        #: ``url``).
        self.reflexive_servers: dict[tuple[str, int], tuple[str, int]] = {}
        #: Bases that checks are sent from (host, later relay), by transport address.
        self.bases: dict[tuple[str, int], Candidate] = {}
        self.remote_candidates: list[Candidate] = []
        self.remote_end_of_candidates = False
        self.gathering_state = IceGatheringState.NEW
        self.checklist = CheckList(controlling=controlling, max_pairs=max_pairs)
        #: RFC 8863: when the PAC timer started (remote parameters known), or None.
        self.pac_started_at: float | None = None
        #: When the first pair of this generation succeeded (for the nomination timeout).
        self.first_valid_at: float | None = None
        #: Controlling side: a pair was nominated (RFC 8445 §8.1.1 allows only one).
        self.nominated = False
        #: This generation replaced one that had begun checking (webrtc-pc §5.7.6: a restart
        #: goes to "checking", never back to "new").
        self.after_activity = False
        #: A pair of this generation was selected at some point.
        self.connected_once = False
        #: Checks of this generation ended: its pair is selected, or it was superseded.
        self.checks_stopped = False

    @property
    def has_remote_parameters(self) -> bool:
        return self.remote_pwd is not None

    @property
    def gathering_complete(self) -> bool:
        return self.gathering_state is IceGatheringState.COMPLETE

    def pac_expired(self, now: float, pac_timeout: float) -> bool:
        """RFC 8863 §4: the patiently-awaiting-connectivity timer has run out.

        webrtc-pc §5.7.6 asks for it before "failed" even when consent was lost after a
        connection (item 100), so a path that dies soon after connecting is reported
        "disconnected" until the timer runs out.
        """
        return self.pac_started_at is not None and now >= self.pac_started_at + pac_timeout

    def remote_by_address(self, address: tuple[str, int]) -> Candidate | None:
        for candidate in self.remote_candidates:
            if candidate.transport_address == address:
                return candidate
        return None
