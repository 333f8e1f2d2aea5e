"""Issue 8, security: no response larger than the request goes to an unauthenticated source.

The agent is stricter than that: an unauthenticated source gets nothing at all, whatever
the request's size (RFC 8445 §7.3 lets it drop what fails authentication; no 400/401 is
sent, so a forged source address cannot be used to reflect traffic). A request is
authenticated only with USERNAME "ourUfrag:..." of a live generation, MESSAGE-INTEGRITY
with our password and FINGERPRINT.

For authenticated sources, the answers that exist (success, 420, 487) are bounded too:
against a request that carries what RFC 8445 §7.2.2 requires (USERNAME, PRIORITY,
ICE-CONTROLLING/ICE-CONTROLLED, MESSAGE-INTEGRITY, FINGERPRINT), no answer is larger than
the request, for IPv4 and IPv6 sources.

See also tests/ice/test_agent_properties.py (hostile datagrams never answered) and
tests/security/test_stun_authentication.py (over real sockets).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rtcpeer.stun import AttrType, MessageClass, Method, StunMessage
from tests.ice.agent_helpers import REMOTE_PWD, REMOTE_UFRAG, Driver, make_agent

Address = tuple[str, int]

sources = st.one_of(
    st.tuples(
        st.ip_addresses(v=4).map(str).filter(lambda a: a != "10.0.0.2"),
        st.integers(1, 65535),
    ),
    st.tuples(st.ip_addresses(v=6).map(str), st.integers(1, 65535)),
)

#: Comprehension-optional attributes an attacker may pad a request with (SOFTWARE and
#: unknown ones); comprehension-required unknown ones (0x0000-0x7FFF) would get a 420,
#: but only after authentication.
PADDING_TYPES = [AttrType.SOFTWARE, 0x8055, 0xC0DE, 0x7F00, 0x0031]

FAULTS = [
    "no-username",
    "unknown-ufrag",
    "no-integrity",
    "wrong-key",
    "peer-key",
    "no-fingerprint",
    "ufrag-of-nobody-with-our-key",
]


@st.composite
def unauthenticated_requests(draw: st.DrawFn, ufrag: str, pwd: str) -> tuple[bytes, str]:
    """A Binding request of random size (about 20 bytes to 2.4 KB) with one fault that
    makes it unauthenticated."""
    fault = draw(st.sampled_from(FAULTS))
    attributes: dict[int, object] = {}
    if fault == "unknown-ufrag":
        attributes[AttrType.USERNAME] = f"{draw(st.text('abcdefXYZ', min_size=4))}:{ufrag}"
    elif fault == "ufrag-of-nobody-with-our-key":
        attributes[AttrType.USERNAME] = "nobody:home"
    elif fault != "no-username":
        attributes[AttrType.USERNAME] = f"{ufrag}:{REMOTE_UFRAG}"
    if draw(st.booleans()):
        attributes[AttrType.PRIORITY] = draw(st.integers(0, 2**32 - 1))
    role = draw(st.sampled_from([None, AttrType.ICE_CONTROLLING, AttrType.ICE_CONTROLLED]))
    if role is not None:
        attributes[role] = draw(st.integers(0, 2**64 - 1))
    if draw(st.booleans()):
        attributes[AttrType.USE_CANDIDATE] = None
    for attr_type in draw(st.lists(st.sampled_from(PADDING_TYPES), max_size=3, unique=True)):
        size = draw(st.integers(0, 760))
        attributes[attr_type] = "x" * size if attr_type == AttrType.SOFTWARE else bytes(size)
    key = {
        "no-integrity": None,
        "wrong-key": draw(st.binary(min_size=1, max_size=32)),
        "peer-key": REMOTE_PWD.encode(),
    }.get(fault, pwd.encode())
    if key == pwd.encode() and fault in ("wrong-key", "peer-key"):
        key = b"!" + key
    data = StunMessage(
        method=Method.BINDING,
        message_class=MessageClass.REQUEST,
        transaction_id=draw(st.binary(min_size=12, max_size=12)),
        attributes=attributes,
    ).encode(key, fingerprint=fault != "no-fingerprint")
    return data, fault


#: One host candidate of each family, so sources of both families reach a base.
HOSTS: list[Address] = [("10.0.0.1", 5000), ("fd00::1", 5000)]


def _agent(controlling: bool) -> Driver:
    driver = Driver(make_agent(controlling=controlling, hosts=HOSTS))
    driver.advance(0.2)  # the first checks are in flight
    return driver


def _base_for(source: Address) -> Address:
    return HOSTS[1] if ":" in source[0] else HOSTS[0]


@settings(max_examples=400, deadline=None, database=None)
@given(data=st.data(), controlling=st.booleans(), source=sources, count=st.integers(1, 5))
def test_an_unauthenticated_source_gets_nothing_whatever_the_request_size(
    data: st.DataObject, controlling: bool, source: Address, count: int
) -> None:
    driver = _agent(controlling)
    agent = driver.agent
    sent_before = len(driver.sent)
    for _ in range(count):
        request, _fault = data.draw(unauthenticated_requests(agent.local_ufrag, agent.local_pwd))
        agent.handle_datagram(driver.now, request, _base_for(source), source)
        assert driver.collect() == []  # nothing at all, to anyone
    # Nor later: no check, retransmission or consent probe ever goes to the source.
    driver.advance(driver.now + 10.0)
    assert [s for s in driver.sent[sent_before:] if s.remote == source] == []
    assert all(c.transport_address != source for c in agent.remote_candidates)


@settings(max_examples=300, deadline=None, database=None)
@given(
    controlling=st.booleans(),
    source=sources,
    peer_ufrag=st.text("ab", min_size=4, max_size=8),
    peer_controlling=st.booleans(),
    tie_breaker=st.integers(0, 2**64 - 1),
    unknown=st.lists(st.integers(0x0040, 0x7FFF), max_size=3, unique=True),
    tid=st.binary(min_size=12, max_size=12),
)
def test_answers_to_an_authenticated_source_are_never_larger_than_its_request(
    controlling: bool,
    source: Address,
    peer_ufrag: str,
    peer_controlling: bool,
    tie_breaker: int,
    unknown: list[int],
    tid: bytes,
) -> None:
    """Success responses, 487 Role Conflict and 420 Unknown Attribute: none is larger than
    the request that provoked it, when that request carries what RFC 8445 §7.2.2 requires
    (the smallest such request: 4-character ufrags, no optional attribute)."""
    driver = _agent(controlling)
    agent = driver.agent
    attributes: dict[int, object] = {
        AttrType.USERNAME: f"{agent.local_ufrag}:{peer_ufrag}",
        AttrType.PRIORITY: 1,
        AttrType.ICE_CONTROLLING if peer_controlling else AttrType.ICE_CONTROLLED: tie_breaker,
    }
    for attr_type in unknown:
        attributes[attr_type] = b""  # comprehension-required and unknown: a 420
    request = StunMessage(
        method=Method.BINDING,
        message_class=MessageClass.REQUEST,
        transaction_id=tid,
        attributes=attributes,
    ).encode(agent.local_pwd.encode(), fingerprint=True)
    agent.handle_datagram(driver.now, request, _base_for(source), source)
    answers = [
        s
        for s in driver.collect()
        if s.remote == source and s.is_stun and s.message.message_class is not MessageClass.REQUEST
    ]
    assert len(answers) == 1
    assert len(answers[0].data) <= len(request), (answers[0].message, len(request))
