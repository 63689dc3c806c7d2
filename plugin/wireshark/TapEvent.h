// What the Middlebox post-dissector hands its tap for every SYN, SYN+ACK and
// RST that is part of a handshake, and for every ICMP error quoting its SYN
// (role Syn, the SYN's direction). One tap feeds the -z report, the
// Statistics menu and the Qt dialog. The event stays valid until the tap
// listeners have run for the packet; the correlator it points to, for the
// whole file.
#pragma once

#include "middlebox/Correlator.h"

namespace middlebox_ws {

struct TapEvent {
    const middlebox::Correlator* correlator;
    uint32_t handshake;  // index in correlator->handshake()
    middlebox::Role role;
    middlebox::FlowTuple tuple;  // this segment's direction
};

// Name of the tap: register_tap_listener("middlebox", ...).
constexpr const char* kTapName = "middlebox";
// Private: tells a tapped pass from tshark -2's first pass (PostDissector.cpp).
constexpr const char* kProbeTapName = "middlebox.probe";

}  // namespace middlebox_ws
