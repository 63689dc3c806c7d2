// What a handshake's record tells the views: its SYN+ACK's facts, the
// estimated hops, the SYN+ACK's distance against the server's.
#include "middlebox/Correlator.h"

namespace middlebox {

uint8_t estimated_hops(uint8_t ttl) {
    if (ttl == 0) return 0;
    for (unsigned initial : {32u, 64u, 128u, 255u})
        if (ttl <= initial) return static_cast<uint8_t>(initial - ttl);
    return 0;
}

uint8_t handshake_facts(const EchoEvidence& e, Verdict v) {
    const bool comparable = v != Verdict::SimultaneousOpen;
    const bool mpc = e.synack_mpc.present;
    return static_cast<uint8_t>(
        bits(HandshakeFact::SynAck) | (mpc ? bits(HandshakeFact::Mpc) : 0) |
        (mpc && v == Verdict::MptcpGenuine ? bits(HandshakeFact::MpcGenuine) : 0) |
        (mpc && e.mpc_echo && v == Verdict::MptcpEcho ? bits(HandshakeFact::MpcEcho) : 0) |
        (e.synack_unknown ? bits(HandshakeFact::Unknown) : 0) |
        (e.synack_unknown && e.unknown_echo && comparable ? bits(HandshakeFact::UnknownEcho) : 0) |
        (e.any_echo() && comparable ? bits(HandshakeFact::Evidence) : 0) |
        (e.flags_echo && comparable ? bits(HandshakeFact::FlagEcho) : 0));
}

Distance Handshake::distance() const {
    if (answer_role != Role::SynAck) return Distance::Unknown;
    if (flags & bits(HandshakeFlag::ServerAtAnswerTtl)) return Distance::Same;
    if (answer_ttl == kLinkLocalTtl || (flags & bits(HandshakeFlag::ServerTtlSet))) return Distance::TtlSet;
    if (server_samples() < kServerSamplesForMismatch) return Distance::Unknown;
    const uint8_t answer = estimated_hops(answer_ttl), server = estimated_hops(server_ttl);
    if (answer == server) return Distance::OtherInitialTtl;
    return answer < server ? Distance::SynAckNearer : Distance::SynAckFarther;
}

}  // namespace middlebox
