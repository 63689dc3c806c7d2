#include "middlebox/EchoEvidence.h"

#include <cstring>

#include "ByteOrder.h"

namespace middlebox {

namespace {

uint32_t tsval(const OptionBlock& b, bool* present) {
    const TcpOption* ts = b.find(kTimestamp);
    *present = ts != nullptr && ts->length == 10;
    if (!*present) return 0;
    return detail::be32(b.data(*ts) + 2);
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
        const uint8_t k = synack.at(i).kind;
        e.synack_unknown = !may_match_legitimately(k) && k != kTimestamp && k != kMptcp;
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
        if (o.kind == kMptcp) {
            note_kind(e, o.kind);
            holds_evidence = true;
        } else if (o.kind == kTimestamp) {
            // Handled through TSval below; an identical TS option is one case of it.
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

    bool syn_ts = false, synack_ts = false;
    const uint32_t syn_tsval = tsval(syn, &syn_ts);
    const uint32_t synack_tsval = tsval(synack, &synack_ts);
    if (syn_ts && synack_ts && syn_tsval != 0 && syn_tsval == synack_tsval) {
        e.tsval_echo = true;
        holds_evidence = true;
        note_kind(e, kTimestamp);
    }

    e.all_options = holds_evidence && synack.count() > 0 && synack.same_bytes(syn);
    return e;
}

Verdict classify(const EchoEvidence& e, bool simultaneous_open) {
    if (simultaneous_open) return Verdict::SimultaneousOpen;
    if (e.unreadable) return Verdict::Truncated;
    if (e.syn_mpc.present) {
        if (!e.synack_mpc.present) return Verdict::MptcpAbsent;
        return e.mpc_echo ? Verdict::MptcpEcho : Verdict::MptcpGenuine;
    }
    if (e.syn_join) return e.join_echo ? Verdict::MptcpEcho : Verdict::MptcpJoin;
    if (e.unknown_echo || e.tsval_echo || e.all_options) return Verdict::OptionEcho;
    return Verdict::Plain;
}

}  // namespace middlebox
