"""The rtcpeer deviations the WPT port found, one reason string each, shared by the
``xfail`` markers of every test that trips over the same deviation."""

BUG_EARLY_EVENTS = (
    "BUG: gathering runs inside setLocalDescription's operation, and its queued tasks "
    "(icegatheringstatechange, icecandidate, the null candidate) run before the awaiting "
    "caller sees sLD resolve; webrtc-pc §4.4.1.4/§5.7: sLD resolves in the task that "
    "applied the description, gathering's state changes and surfaced candidates come in "
    "later tasks ([[EarlyCandidates]] are released by tasks queued after it), "
    "checklist 32-35"
)

BUG_REMOTE_SDP_NOT_UPDATED = (
    "BUG: addIceCandidate never adds the candidate (or a=end-of-candidates) to "
    "pendingRemoteDescription/currentRemoteDescription: _add_ice_candidate hands it to the "
    "ICE agent only; webrtc-pc §4.4.2.2 addIceCandidate: on success add it to the remote "
    "description(s) representing its generation, in the m-section it names, checklist 92"
)

BUG_SECOND_UFRAG = (
    "BUG: addIceCandidate checks usernameFragment against one set of remote ufrags taken "
    "from the first usable m-section (_remote_ufrags), not against the m-section the "
    "candidate names: the second m-section's own ufrag is rejected with OperationError "
    "and the first m-section's ufrag is accepted for the second; webrtc-pc §4.4.2.2 "
    "addIceCandidate: the ufrag must be one of that m-section's in an applied remote "
    "description, checklist 88"
)

BUG_UNKNOWN_MEMBERS = (
    "BUG: RTCIceCandidate.from_init raises TypeError for members RTCIceCandidateInit does "
    "not define (relayProtocol, url, a misspelt usernameFragement); WebIDL §3.2.17 "
    "(dictionary conversion) ignores unknown members, checklist 84"
)

CANDIDATES_LOST = (
    "; consequence here: each side's candidates fire while the other side has no remote "
    "description yet (WPT relies on the caller's next sRD/sLD being chained first), so "
    "every addIceCandidate rejects with InvalidStateError and, with no candidate on either "
    "side, ICE never starts checking"
)

CANDIDATES_IN_SLD_RESULT = (
    "; consequence here: when sLD resolves, localDescription already carries the caller's "
    "a=candidate lines, so the callee that applies caller.localDescription gets remote "
    "candidates nobody trickled and leaves 'new'"
)

CANDIDATES_BEFORE_DESCRIPTION = (
    "; consequence here: the candidates of a new offer (or restart) are sent before the "
    "offer itself, so the peer rejects them (InvalidStateError without a remote "
    "description, OperationError for a ufrag it has not seen yet); WPT's perfect "
    "negotiation helper treats such rejections as failures"
)

BUG_NULL_ICE_SERVER = (
    "BUG: an iceServers entry that is not an RTCIceServer (None, the Python spelling of "
    "JS null/undefined) makes validate_configuration fail with AttributeError "
    "('NoneType' object has no attribute 'url_list'); WebIDL converts it to a dictionary "
    "whose required urls member is missing, a TypeError (webrtc-pc §4.2.2), checklist 103"
)

BUG_URL_VALIDATION = (
    "BUG (minor): ICE server URLs are validated with the WHATWG URL parser (ada, as webrtc-pc "
    "§4.4.1.5 asks), but WPT's expectations for these eight URLs follow an older URL "
    "Standard (IDNA xn-- checks, hex IPv4 parts, control characters, trailing-space "
    "trimming), checklist 103"
)
