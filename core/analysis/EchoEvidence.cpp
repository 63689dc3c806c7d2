#include "middlebox/EchoEvidence.h"

#include <cstring>

#include "decode/ByteOrder.h"
#include "middlebox/FastOpen.h"
#include "middlebox/Segment.h"

namespace middlebox {

namespace {

// The TS option (kind 8, length 10), or nullptr.
const TcpOption* timestamp(const OptionBlock& b) {
    const TcpOption* ts = b.find(kTimestamp);
    return ts != nullptr && ts->length == 10 ? ts : nullptr;
}

void note_kind(EchoEvidence& e, uint8_t kind) {
    for (uint8_t i = 0; i < e.echoed_count; ++i)
        if (e.echoed_kinds[i] == kind) return;
    e.echoed_kinds[e.echoed_count++] = kind;
}

}  // namespace

EchoEvidence compare_options(const OptionBlock& syn, const OptionBlock& synack) {
    EchoEvidence e;
    if (const TcpOption* o = syn.find_mptcp(kMpCapable)) e.syn_mpc = MpCapable::decode(syn.data(*o), o->length);
    if (const TcpOption* o = synack.find_mptcp(kMpCapable))
        e.synack_mpc = MpCapable::decode(synack.data(*o), o->length);
    const TcpOption* syn_join = syn.find_mptcp(kMpJoin);
    const TcpOption* synack_join = synack.find_mptcp(kMpJoin);
    e.syn_join = syn_join != nullptr;
    e.synack_join = synack_join != nullptr;
    for (size_t i = 0; i < synack.count() && !e.synack_unknown; ++i) {
        const TcpOption& o = synack.at(i);
        e.synack_unknown = is_unknown_option(synack.data(o), o.length);
    }

    // Nothing read past a cut or a bad length byte can prove anything, and a
    // block that ends early might have hidden the option that would.
    e.unreadable = !syn.ok() || !synack.ok();
    if (e.unreadable) return e;

    // Byte-for-byte copies, in SYN+ACK order.
    bool holds_evidence = false;
    for (size_t i = 0; i < synack.count(); ++i) {
        const TcpOption& o = synack.at(i);
        if (!synack.has_identical(syn, o)) continue;
        const FastOpen tfo = FastOpen::decode(synack.data(o), o.length);
        if (o.kind == kMptcp) {
            note_kind(e, o.kind);
            holds_evidence = true;
        } else if (o.kind == kTimestamp) {
            // Handled below: whether an identical TS option is a copy depends on its TSecr.
        } else if (tfo.present) {
            if (tfo.request()) {  // a server answers a request with a cookie or not at all
                e.tfo_request_echo = true;
                holds_evidence = true;
                note_kind(e, o.kind);
            }
        } else if (!may_match_legitimately(o.kind)) {
            e.unknown_echo = true;
            holds_evidence = true;
            note_kind(e, o.kind);
        }
    }

    if (e.synack_mpc.present) {
        if (!e.syn_mpc.present) {
            e.unsolicited_mpc = true;
        } else if (!e.synack_mpc.has_key) {
            // RFC 8684 v1: only the SYN is keyless; a SYN+ACK must carry the
            // server's key. Returning the keyless form is returning the SYN.
            e.mpc_echo = true;
        } else if (e.syn_mpc.has_key && e.synack_mpc.key == e.syn_mpc.key) {
            e.mpc_echo = true;  // v0: the client's own key came back
        }
        if (e.mpc_echo) note_kind(e, kMptcp);
    }
    if (syn_join != nullptr && synack_join != nullptr && synack.has_identical(syn, *synack_join)) e.join_echo = true;

    // RFC 7323: a SYN+ACK's TSecr echoes the SYN's TSval. A copied option
    // carries the SYN's TSecr instead (0 from most stacks); only where the
    // two differ does an identical option prove a copy. An equal TSval alone
    // is what two stacks on one clock produce in the same millisecond.
    const TcpOption* syn_ts = timestamp(syn);
    const TcpOption* synack_ts = timestamp(synack);
    if (syn_ts != nullptr && synack_ts != nullptr) {
        const uint32_t syn_tsval = detail::be32(syn.data(*syn_ts) + 2);
        const uint32_t syn_tsecr = detail::be32(syn.data(*syn_ts) + 6);
        const uint32_t synack_tsval = detail::be32(synack.data(*synack_ts) + 2);
        if (syn_tsecr != syn_tsval && synack.has_identical(syn, *synack_ts)) {
            e.ts_echo = true;
            holds_evidence = true;
            note_kind(e, kTimestamp);
        } else if (synack_tsval == syn_tsval) {
            e.tsval_equal = true;
        }
    }

    e.all_options = holds_evidence && synack.count() > 0 && synack.same_bytes(syn);
    return e;
}

bool flags_reflected(uint16_t syn_flags, uint16_t synack_flags) {
    constexpr uint16_t kSetup = kEce | kCwr;
    return (syn_flags & kSetup) == kSetup && (synack_flags & kEcnFlags) == (syn_flags & kEcnFlags);
}

Verdict classify(const EchoEvidence& e, bool simultaneous_open) {
    if (simultaneous_open) return Verdict::SimultaneousOpen;
    if (e.unreadable) return Verdict::Truncated;
    if (e.syn_mpc.present) {
        if (!e.synack_mpc.present) return Verdict::MptcpAbsent;
        return e.mpc_echo ? Verdict::MptcpEcho : Verdict::MptcpGenuine;
    }
    if (e.syn_join) return e.join_echo ? Verdict::MptcpEcho : Verdict::MptcpJoin;
    if (e.unknown_echo || e.ts_echo || e.tfo_request_echo || e.all_options) return Verdict::OptionEcho;
    if (e.flags_echo) return Verdict::FlagEcho;
    return Verdict::Plain;
}

}  // namespace middlebox
