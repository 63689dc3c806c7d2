// What a SYN+ACK's options prove when set against the options of the SYN it
// answers, and the verdict that follows (docs/verdicts.md).
//
// The comparison is byte for byte: an echoing box copies; a genuine stack
// writes its own MSS, its own timestamp, its own MPTCP key. Options that two
// honest stacks may send with equal bytes (MSS 1460 on both sides, SACK
// permitted, window scale 7, a TFO cookie) never count as evidence on their
// own, and neither does anything two stacks that share a clock produce (a
// TSval equal to the SYN's, with a TSecr that acknowledges it).
#pragma once

#include <cstdint>

#include "middlebox/Mptcp.h"
#include "middlebox/TcpOptions.h"
#include "middlebox/Verdict.h"

namespace middlebox {

struct EchoEvidence {
    // MP_CAPABLE on each side.
    MpCapable syn_mpc;
    MpCapable synack_mpc;
    bool syn_join = false;     // the SYN carried MP_JOIN
    bool synack_join = false;  // the SYN+ACK carried MP_JOIN
    // The SYN+ACK carried a kind no genuine server copies (not one two
    // stacks may send alike, nor TS or MPTCP), read as far as it goes.
    bool synack_unknown = false;

    // Evidence of copying.
    bool mpc_echo = false;      // the SYN+ACK's MP_CAPABLE holds no key of the server's own
    bool join_echo = false;     // the SYN's MP_JOIN returned byte for byte
    bool unknown_echo = false;  // an unknown/experimental option returned byte for byte
    // The SYN's TS option returned byte for byte where a correct stack's
    // would differ: its TSecr is the SYN's TSecr, not the SYN's TSval.
    bool ts_echo = false;
    bool tfo_request_echo = false;  // the SYN's TFO cookie request returned unchanged
    bool all_options = false;       // the whole block is the SYN's, and it holds evidence
    // The SYN's ECN-setup flags returned (compare_flags): AE, CWR and ECE
    // as the SYN had them, which no correct stack answers.
    bool flags_echo = false;
    bool unsolicited_mpc = false;  // MP_CAPABLE on a SYN+ACK to a SYN that offered none

    // A weak sign, never evidence: the SYN+ACK's TSval is the SYN's, but not
    // as a copy (its TSecr acknowledges the SYN's TSval). Two stacks reading
    // one clock do that (loopback, namespaces of one host, no per-connection
    // offsets), and so does a TS-aware proxy.
    bool tsval_equal = false;

    // Could not compare: one of the blocks is truncated or malformed.
    bool unreadable = false;

    // Kinds copied byte for byte that count as evidence, in SYN+ACK order.
    uint8_t echoed_kinds[kMaxOptionBytes / 2] = {};
    uint8_t echoed_count = 0;

    bool any_echo() const {
        return mpc_echo || join_echo || unknown_echo || ts_echo || tfo_request_echo || all_options || flags_echo;
    }
};

// The ECN flags of a SYN (AE, CWR, ECE; Segment.h's kAe, kCwr, kEce).
constexpr uint16_t kEcnFlags = 0x1c0;
// Whether a SYN+ACK with `synack_flags` returns the ECN setup of a SYN with
// `syn_flags`: the SYN asked for ECN (ECE and CWR, RFC 3168 6.1.1; AE too
// for AccECN, RFC 9768 3.1.1) and the SYN+ACK's AE, CWR and ECE are the
// SYN's. RFC 3168 has an ECN-setup SYN+ACK set ECE alone so that a
// reflection is never taken for one; RFC 9768 lists (1,1,1) answering
// (1,1,1) as a broken host's reflection, and its valid answers all differ.
bool flags_reflected(uint16_t syn_flags, uint16_t synack_flags);

// Compares the options of a SYN+ACK with those of the SYN it answers.
EchoEvidence compare_options(const OptionBlock& syn, const OptionBlock& synack);

// The verdict of a paired handshake (precedence in docs/verdicts.md).
Verdict classify(const EchoEvidence& e, bool simultaneous_open);

}  // namespace middlebox
