"""RTCPeerConnection and the W3C objects around it (webrtc-pc)."""
