#include "Annotate.h"

#include <cinttypes>
#include <string>

#include "Fields.h"
#include "middlebox/Describe.h"
#include "middlebox/FastOpen.h"
#include "middlebox/OptionDiff.h"

namespace middlebox_ws {

using namespace middlebox;

namespace {

proto_item* add_bool(proto_tree* t, int hf, tvbuff_t* tvb, bool value) {
    // Boolean flags are added only when true: "-Y middlebox.echo.unknown"
    // without a comparison would otherwise match false values too.
    if (!value) return nullptr;
    proto_item* it = proto_tree_add_boolean(t, hf, tvb, 0, 0, TRUE);
    proto_item_set_generated(it);
    return it;
}

proto_item* add_uint(proto_tree* t, int hf, tvbuff_t* tvb, guint32 v) {
    proto_item* it = proto_tree_add_uint(t, hf, tvb, 0, 0, v);
    proto_item_set_generated(it);
    return it;
}

std::string kinds_text(const EchoEvidence& e) {
    std::string s;
    for (uint8_t i = 0; i < e.echoed_count; ++i) {
        if (!s.empty()) s += ", ";
        const uint8_t k = e.echoed_kinds[i];
        s += "kind " + std::to_string(k) + " (" + option_name(k) + ")";
    }
    return s;
}

// The SYN+ACK's distance against the server's, and what it can tell
// (docs/verdicts.md). Expert info also without a tree (tshark -q -z
// expert): the items may be null.
void add_distance(tvbuff_t* tvb, packet_info* pinfo, proto_tree* pt, const Handshake& hs) {
    Fields& f = fields;
    const Distance d = hs.distance();
    if (const char* name = distance_name(d))
        proto_item_set_generated(proto_tree_add_string(pt, f.distance, tvb, 0, 0, name));
    proto_item* mismatch = add_bool(pt, f.hop_mismatch, tvb, hs.hop_mismatch());
    proto_item* ipid = add_bool(pt, f.ipid_returned, tvb, (hs.flags & bits(HandshakeFlag::IpIdReturned)) != 0);
    const unsigned answer_hops = estimated_hops(hs.answer_ttl), server_hops = estimated_hops(hs.server_ttl);
    if (hs.syn_proxy() && d == Distance::SynAckNearer)
        expert_add_info_format(pinfo, add_bool(pt, f.syn_proxy, tvb, true), &f.ei_syn_proxy,
                               "SYN+ACK from about %u hops (TTL %u), the server's data from about %u (TTL %u), none "
                               "at the SYN+ACK's TTL: a box nearer than the server answered the SYN (a SYN proxy); "
                               "these options are the box's, not the server's",
                               answer_hops, hs.answer_ttl, server_hops, hs.server_ttl);
    else if (hs.syn_proxy())
        expert_add_info_format(pinfo, add_bool(pt, f.syn_proxy, tvb, true), &f.ei_syn_proxy,
                               "SYN+ACK with the SYN's IP ID (%u) and from another distance than the server's data "
                               "(TTL %u against %u): a box built it from the SYN; these options are the box's, not "
                               "the server's",
                               hs.syn_ip_id, hs.answer_ttl, hs.server_ttl);
    else if (hs.hop_mismatch())
        expert_add_info_format(pinfo, mismatch, &f.ei_hop_mismatch,
                               "SYN+ACK from about %u hops (TTL %u), farther than the server's data (about %u, TTL "
                               "%u): no box nearer than the server answered; the SYN+ACK took a path of its own",
                               answer_hops, hs.answer_ttl, server_hops, hs.server_ttl);
    else if (hs.flags & bits(HandshakeFlag::IpIdReturned))
        expert_add_info_format(pinfo, ipid, &f.ei_ipid_returned,
                               "SYN+ACK with the SYN's IP ID (%u): a box may have built it from the SYN (a stack "
                               "numbers its own; 1 in 65536 by chance)",
                               hs.syn_ip_id);
    if (d == Distance::TtlSet)
        expert_add_info_format(pinfo, mismatch, &f.ei_ttl_set,
                               "The server %s at TTL 1, a TTL its application set (eBGP sends at 1, RFC 4271): not "
                               "a distance, so nothing is concluded from the SYN+ACK's TTL %u",
                               hs.answer_ttl == kLinkLocalTtl ? "answers" : "sends", hs.answer_ttl);
    else if (d == Distance::OtherInitialTtl)
        expert_add_info_format(pinfo, mismatch, &f.ei_other_initial_ttl,
                               "SYN+ACK TTL %u and the server's data TTL %u: two initial TTLs at one distance (about "
                               "%u hops): one host with two stacks, or a box beside the server",
                               hs.answer_ttl, hs.server_ttl, answer_hops);
}

// An RST answered the SYN before this SYN+ACK: both distances shown, since
// the bytes do not say whose the RST was (a box's, the server's).
void add_rst_before(tvbuff_t* tvb, packet_info* pinfo, proto_tree* mt, const Handshake& hs, const PairedOptions& p) {
    Fields& f = fields;
    expert_add_info_format(pinfo, add_uint(mt, f.rst_frame, tvb, p.rst_frame), &f.ei_rst_before_synack,
                           "The SYN (frame %u) was answered first by an RST (frame %u, TTL %u, about %u hops); this "
                           "SYN+ACK comes with TTL %u (about %u hops)%s",
                           hs.syn_frame, p.rst_frame, p.rst_ttl, estimated_hops(p.rst_ttl), hs.answer_ttl,
                           estimated_hops(hs.answer_ttl),
                           p.rst_ttl == hs.answer_ttl ? ", the same TTL" : ": another TTL, another sender or path");
}

// What the SYN+ACK copied from the SYN.
void add_echo_evidence(tvbuff_t* tvb, proto_tree* mt, const EchoEvidence& e) {
    if (!e.any_echo()) return;
    Fields& f = fields;
    proto_tree* et = proto_tree_add_subtree(mt, tvb, 0, 0, f.ett_echo, nullptr, "Echo evidence");
    add_bool(et, f.echo_mp_capable, tvb, e.mpc_echo);
    add_bool(et, f.echo_mp_join, tvb, e.join_echo);
    add_bool(et, f.echo_unknown, tvb, e.unknown_echo);
    add_bool(et, f.echo_tsval, tvb, e.ts_echo);
    add_bool(et, f.echo_tfo_request, tvb, e.tfo_request_echo);
    add_bool(et, f.echo_all_options, tvb, e.all_options);
    add_bool(et, f.echo_flags, tvb, e.flags_echo);
    for (uint8_t i = 0; i < e.echoed_count; ++i) add_uint(et, f.echo_kind, tvb, e.echoed_kinds[i]);
}

// Both MP_CAPABLE options, version and key.
void add_mptcp_keys(tvbuff_t* tvb, proto_tree* mt, const EchoEvidence& e) {
    if (!e.syn_mpc.present && !e.synack_mpc.present) return;
    Fields& f = fields;
    proto_tree* mpt = proto_tree_add_subtree(mt, tvb, 0, 0, f.ett_mptcp, nullptr, "MP_CAPABLE compared");
    if (e.syn_mpc.present) {
        add_uint(mpt, f.mptcp_syn_version, tvb, e.syn_mpc.version);
        if (e.syn_mpc.has_key)
            proto_item_set_generated(proto_tree_add_uint64(mpt, f.mptcp_syn_key, tvb, 0, 0, e.syn_mpc.key));
    }
    if (e.synack_mpc.present) {
        add_uint(mpt, f.mptcp_synack_version, tvb, e.synack_mpc.version);
        if (e.synack_mpc.has_key)
            proto_item_set_generated(proto_tree_add_uint64(mpt, f.mptcp_synack_key, tvb, 0, 0, e.synack_mpc.key));
        add_bool(mpt, f.mptcp_keyless, tvb, !e.synack_mpc.has_key);
    }
}

// TCP Fast Open: what was asked, given, and whether the SYN's data was taken.
void add_fast_open(tvbuff_t* tvb, proto_tree* mt, const Handshake& hs, const PairedOptions& p, const OptionBlock& syn,
                   const OptionBlock& synack) {
    const FastOpen syn_tfo = FastOpen::find(syn), synack_tfo = FastOpen::find(synack);
    if (!syn_tfo.present && !synack_tfo.present && hs.syn_data == 0) return;
    Fields& f = fields;
    proto_item* ti = nullptr;
    proto_tree* tt = proto_tree_add_subtree(mt, tvb, 0, 0, f.ett_tfo, &ti, "TCP Fast Open");
    add_bool(tt, f.tfo_cookie_request, tvb, syn_tfo.request());
    auto add_cookie = [&](int hf, const FastOpen& t) {
        if (t.cookie_length > 0)
            proto_item_set_generated(proto_tree_add_bytes_with_length(tt, hf, tvb, 0, 0, t.cookie, t.cookie_length));
    };
    add_cookie(f.tfo_syn_cookie, syn_tfo);
    add_cookie(f.tfo_synack_cookie, synack_tfo);
    add_bool(tt, f.tfo_experimental, tvb, syn_tfo.experimental || synack_tfo.experimental);
    if (hs.syn_data > 0) {
        add_uint(tt, f.tfo_syn_data, tvb, hs.syn_data);
        add_uint(tt, f.tfo_data_acked, tvb, p.data_acked);
        proto_item_append_text(ti, ": %u of the SYN's %u bytes of data acknowledged", p.data_acked, hs.syn_data);
    }
}

// The SYN+ACK's distance against the server's data.
void add_path(tvbuff_t* tvb, packet_info* pinfo, proto_tree* mt, const Handshake& hs) {
    Fields& f = fields;
    proto_tree* pt = proto_tree_add_subtree(mt, tvb, 0, 0, f.ett_path, nullptr, "Path");
    add_uint(pt, f.hops, tvb, estimated_hops(hs.answer_ttl));
    if (hs.server_ttl != 0) {
        add_uint(pt, f.server_ttl, tvb, hs.server_ttl);
        add_uint(pt, f.server_hops, tvb, estimated_hops(hs.server_ttl));
    }
    add_distance(tvb, pinfo, pt, hs);
}

// A block that could not be read in full was not compared: says which and
// why, and returns true.
bool add_unreadable(tvbuff_t* tvb, packet_info* pinfo, proto_tree* mt, proto_item* anchor, bool has_syn,
                    const OptionBlock& syn, const OptionBlock& synack) {
    if (synack.ok() && (!has_syn || syn.ok())) return false;
    Fields& f = fields;
    const bool cut = !synack.ok() ? synack.status() == OptionBlock::Status::Truncated
                                  : syn.status() == OptionBlock::Status::Truncated;
    const char* who = !synack.ok() ? "this SYN+ACK" : "the SYN";
    proto_item_set_generated(proto_tree_add_string(mt, f.options_status, tvb, 0, 0, cut ? "truncated" : "malformed"));
    if (cut)
        expert_add_info_format(pinfo, anchor, &f.ei_truncated,
                               "TCP options of %s cut by the capture (snaplen): not compared", who);
    else
        expert_add_info_format(pinfo, anchor, &f.ei_malformed, "Invalid TCP option length in %s: options not compared",
                               who);
    return true;
}

// The expert info of the MPTCP and option-echo verdicts, naming what was
// echoed and where the SYN is.
void add_verdict_info(packet_info* pinfo, proto_item* anchor, const Handshake& hs, const EchoEvidence& e) {
    Fields& f = fields;
    const unsigned syn_frame = hs.syn_frame;
    switch (hs.verdict) {
        case Verdict::MptcpEcho:
            if (e.mpc_echo && e.synack_mpc.has_key)
                expert_add_info_format(pinfo, anchor, &f.ei_mptcp_echo,
                                       "MP_CAPABLE echoed: key %s is the SYN's (frame %u): a middlebox answered, "
                                       "not an MPTCP server",
                                       key_text(e.synack_mpc.key).c_str(), syn_frame);
            else if (e.mpc_echo)
                expert_add_info_format(pinfo, anchor, &f.ei_mptcp_echo,
                                       "MP_CAPABLE echoed: the keyless v%u form of the SYN (frame %u) came back; "
                                       "an MPTCP server sends its own key: a middlebox answered",
                                       e.synack_mpc.version, syn_frame);
            else
                expert_add_info_format(pinfo, anchor, &f.ei_mptcp_echo,
                                       "MP_JOIN echoed byte for byte from the SYN (frame %u): a middlebox answered",
                                       syn_frame);
            break;
        case Verdict::OptionEcho:
            expert_add_info_format(pinfo, anchor, &f.ei_option_echo,
                                   "Options echoed from the SYN (frame %u): %s%s: a middlebox answered", syn_frame,
                                   kinds_text(e).c_str(), e.all_options ? "; the whole option block is the SYN's" : "");
            break;
        case Verdict::MptcpGenuine:
            if (hs.syn_proxy())
                expert_add_info_format(pinfo, anchor, &f.ei_mptcp_genuine,
                                       "MP_CAPABLE v%u with a key of its own %s (SYN in frame %u), from a box "
                                       "nearer than the server",
                                       e.synack_mpc.version, key_text(e.synack_mpc.key).c_str(), syn_frame);
            else
                expert_add_info_format(pinfo, anchor, &f.ei_mptcp_genuine,
                                       "Genuine MPTCP v%u server: its own key %s (SYN in frame %u)",
                                       e.synack_mpc.version, key_text(e.synack_mpc.key).c_str(), syn_frame);
            break;
        case Verdict::MptcpAbsent:
            if (hs.syn_proxy())
                expert_add_info_format(pinfo, anchor, &f.ei_mptcp_absent,
                                       "MP_CAPABLE offered in frame %u, not returned by the box that answered for the "
                                       "server (SYN proxy): whether the server uses MPTCP is unknown",
                                       syn_frame);
            else
                // Not "the server does not use MPTCP": a box on the way may
                // have stripped the option (TCPOPTSTRIP), and a SYN proxy is
                // known only once the server's data was seen.
                expert_add_info_format(pinfo, anchor, &f.ei_mptcp_absent,
                                       "MP_CAPABLE offered in frame %u, not returned: the host that answered does not "
                                       "use MPTCP, or a box on the way removed the option",
                                       syn_frame);
            break;
        default: break;
    }
}

// What the evidence shows beside the verdict: ECN flags returned, the
// same clock on both sides, an MP_CAPABLE nobody asked for.
void add_signs(tvbuff_t* tvb, packet_info* pinfo, proto_tree* mt, proto_item* anchor, const Handshake& hs,
               const EchoEvidence& e) {
    Fields& f = fields;
    const unsigned syn_frame = hs.syn_frame;
    if (e.flags_echo && hs.verdict != Verdict::SimultaneousOpen) {
        const uint16_t fl = hs.syn_ecn_flags();
        expert_add_info_format(pinfo, anchor, &f.ei_flag_echo,
                               "ECN flags echoed from the SYN (frame %u): AE %u, CWR %u, ECE %u as the SYN set them; "
                               "a correct stack answers ECE alone (RFC 3168) or an AccECN code (RFC 9768): a "
                               "middlebox answered",
                               syn_frame, (fl & kAe) ? 1u : 0u, (fl & kCwr) ? 1u : 0u, (fl & kEce) ? 1u : 0u);
    }
    if (e.tsval_equal)
        expert_add_info_format(pinfo, add_bool(mt, f.tsval_equal, tvb, true), &f.ei_tsval_equal,
                               "TSval equals the SYN's (frame %u) and TSecr acknowledges it: the same clock on both "
                               "sides (loopback, one host) or a TS-aware proxy; not an echo",
                               syn_frame);
    if (e.unsolicited_mpc)
        expert_add_info_format(pinfo, anchor, &f.ei_unsolicited_mpc,
                               "MP_CAPABLE in a SYN+ACK although the SYN (frame %u) offered none", syn_frame);
}

// A SYN+ACK's details in the tree, in this order. `seg` is this SYN+ACK
// frame: a retransmission carries options of its own (a newer TSval) and
// its diff shows them; the evidence is the first's.
void add_pair_details(tvbuff_t* tvb, packet_info* pinfo, proto_tree* mt, proto_item* anchor, const Segment& seg,
                      const Handshake& hs, const PairedOptions& p) {
    const EchoEvidence& e = p.evidence;
    add_echo_evidence(tvb, mt, e);
    add_mptcp_keys(tvb, mt, e);
    const OptionBlock synack = p.synack.block();
    const OptionBlock syn = p.syn.block();
    add_fast_open(tvb, mt, hs, p, syn, synack);
    // The diff is text built per packet: only when someone looks at it.
    if (proto_field_is_referenced(mt, fields.diff))
        proto_item_set_generated(proto_tree_add_string(
            mt, fields.diff, tvb, 0, 0, option_diff(p.has_syn ? &syn : nullptr, seg.option_block()).c_str()));
    add_path(tvb, pinfo, mt, hs);
    if (add_unreadable(tvb, pinfo, mt, anchor, p.has_syn, syn, synack)) return;
    add_verdict_info(pinfo, anchor, hs, e);
    add_signs(tvb, pinfo, mt, anchor, hs, e);
}

}  // namespace

void annotate(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, const Correlator& c, const FrameRecord& r,
              const Segment& seg, bool first_sight) {
    const uint8_t ttl = seg.ttl;
    Fields& f = fields;
    const Handshake& hs = c.handshake(r.handshake);

    proto_item* ti = proto_tree_add_item(tree, f.proto, tvb, 0, 0, ENC_NA);
    proto_tree* mt = proto_item_add_subtree(ti, f.ett);
    proto_item* vi = nullptr;
    // A SYN's fate is decided by later frames: on first sight (the only pass
    // of a one-pass tshark) it has no verdict yet, rather than a guessed one.
    if (r.role != Role::Syn || !first_sight) {
        // An RST stays rst when a SYN+ACK answered the SYN after it: one
        // pass shows the same as two.
        const char* verdict = verdict_name(r.role == Role::Rst ? Verdict::Rst : hs.verdict);
        proto_item_append_text(ti, ": %s", verdict);
        vi = proto_tree_add_string(mt, f.verdict, tvb, 0, 0, verdict);
        proto_item_set_generated(vi);
    } else {
        proto_item_append_text(ti, ": SYN, answer not seen yet");
    }

    switch (r.role) {
        case Role::Syn:
            if (hs.answered() && hs.answer_frame != 0)
                add_uint(mt, hs.answer_role == Role::Rst ? f.rst_frame : f.synack_frame, tvb, hs.answer_frame);
            if (hs.pair != kNone && c.pair(hs.pair).rst_frame != 0)
                add_uint(mt, f.rst_frame, tvb, c.pair(hs.pair).rst_frame);
            // Later frames decide these: not on first sight.
            if (!first_sight)
                for (uint32_t frame : c.quote_frames(r.handshake)) add_uint(mt, f.icmp_frame, tvb, frame);
            add_bool(mt, f.syn_retransmission, tvb, (r.flags & bits(RecordFlag::Retransmission)) != 0);
            add_uint(mt, f.syn_copies, tvb, hs.syn_copies);
            add_uint(mt, f.ttl, tvb, ttl);
            if (seg.payload > 0) add_uint(mt, f.tfo_syn_data, tvb, seg.payload);
            break;
        case Role::Rst:
            add_uint(mt, f.syn_frame, tvb, hs.syn_frame);
            add_uint(mt, f.ttl, tvb, ttl);
            break;
        case Role::SynAck:
            if (hs.syn_frame != 0) add_uint(mt, f.syn_frame, tvb, hs.syn_frame);
            if (hs.against_probe() && c.probe() != nullptr)
                expert_add_info_format(pinfo, add_bool(mt, f.against_probe, tvb, true), &f.ei_against_probe,
                                       "No SYN in the capture: compared against the probe template %s (preference "
                                       "middlebox.probe_options)",
                                       c.probe()->text().c_str());
            add_bool(mt, f.synack_retransmission, tvb, (r.flags & bits(RecordFlag::Retransmission)) != 0);
            add_uint(mt, f.ttl, tvb, ttl);
            if (hs.syn_frame == 0 && (hs.flags & bits(HandshakeFlag::EvictedBefore))) {
                proto_item* ev = proto_tree_add_uint64(mt, f.evictions, tvb, 0, 0, c.evictions());
                proto_item_set_generated(ev);
                expert_add_info_format(pinfo, ev, &f.ei_no_syn_evicted,
                                       "%" PRIu64
                                       " pending SYNs were dropped at the cap "
                                       "(Middlebox preference \"max_pending\"): this SYN+ACK's SYN may be one of them",
                                       c.evictions());
            }
            if (hs.pair != kNone) {
                const PairedOptions& p = c.pair(hs.pair);
                if (p.rst_frame != 0) add_rst_before(tvb, pinfo, mt, hs, p);
                add_pair_details(tvb, pinfo, mt, vi, seg, hs, p);
            }
            break;
    }
    if (r.flags & bits(RecordFlag::Copy))
        if (const Copy* copy = c.copies().lookup(r.frame)) annotate_copy(tvb, pinfo, mt, *copy);
}

}  // namespace middlebox_ws

namespace middlebox_ws {

namespace {
// " of frame N", or nothing when that frame is not in the output.
std::string syn_ref(const Quote& q) { return q.syn_frame != 0 ? " of frame " + std::to_string(q.syn_frame) : ""; }
}  // namespace

void annotate_quote(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, const Quote& q) {
    Fields& f = fields;
    proto_item* ti = proto_tree_add_item(tree, f.proto, tvb, 0, 0, ENC_NA);
    proto_tree* mt = proto_item_add_subtree(ti, f.ett_quote);
    if (q.handshake == kNone) {
        proto_item_append_text(ti, ": quotes a SYN that is not in the capture");
        return;
    }
    // syn_frame is 0 when tshark -2 -R dropped that SYN from the output: the
    // comparison still holds, there is just no frame to link to.
    proto_item* link = ti;
    if (q.syn_frame != 0) {
        proto_item_append_text(ti, ": quotes the SYN in frame %u", q.syn_frame);
        link = add_uint(mt, f.quote_syn_frame, tvb, q.syn_frame);
    } else {
        proto_item_append_text(ti, ": quotes a SYN the read filter dropped");
    }
    if (!q.options_visible) {
        proto_item_append_text(ti, " (the quote ends before its options)");
        return;
    }
    if (proto_field_is_referenced(mt, f.quote_diff))
        proto_item_set_generated(proto_tree_add_string(mt, f.quote_diff, tvb, 0, 0, q.quoted.diff(&q.syn).c_str()));
    add_bool(mt, f.quote_changed, tvb, q.changed());
    if (q.stripped()) {
        add_bool(mt, f.quote_stripped, tvb, true);
        expert_add_info_format(pinfo, link, &f.ei_quote_stripped,
                               "This hop received the SYN%s without an option it was sent with (%s): a box before "
                               "it stripped it",
                               syn_ref(q).c_str(), q.quoted.diff(&q.syn).c_str());
    } else if (q.changed()) {
        expert_add_info_format(pinfo, link, &f.ei_quote_changed,
                               "The options of the SYN%s were rewritten before this hop (%s)", syn_ref(q).c_str(),
                               q.quoted.diff(&q.syn).c_str());
    }
}

}  // namespace middlebox_ws
