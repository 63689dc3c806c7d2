#include "middlebox/Registry.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <tuple>

namespace middlebox {

std::string address_text(const Address& a) {
    char buf[64];
    if (a.family == 4) {
        std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a.bytes[0], a.bytes[1], a.bytes[2], a.bytes[3]);
        return buf;
    }
    // RFC 5952: lower case, the longest run (>= 2) of zero groups as "::".
    uint16_t g[8];
    for (int i = 0; i < 8; ++i) g[i] = static_cast<uint16_t>((a.bytes[2 * i] << 8) | a.bytes[2 * i + 1]);
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (g[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0) ++j;
        if (j - i > best_len && j - i >= 2) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    std::string out;
    for (int i = 0; i < 8; ++i) {
        if (i == best) {
            out += "::";
            i += best_len - 1;
            continue;
        }
        if (!out.empty() && out.back() != ':') out += ':';
        std::snprintf(buf, sizeof buf, "%x", g[i]);
        out += buf;
    }
    return out;
}

void Registry::add(uint32_t handshake, Role role, const FlowTuple& tuple, uint32_t frame) {
    frames_seen_.push_back(frame);
    if (by_handshake_.count(handshake)) return;
    // The server is the SYN's destination: the answer's source.
    const bool syn_direction = role == Role::Syn;
    Entry e{syn_direction ? tuple.dst : tuple.src, syn_direction ? tuple.dst_port : tuple.src_port};
    by_handshake_.emplace(handshake, e);
    order_.push_back(handshake);
}

void Registry::clear() {
    by_handshake_.clear();
    order_.clear();
    frames_seen_.clear();
}

bool Registry::saw_frame(uint32_t frame) const {
    return std::binary_search(frames_seen_.begin(), frames_seen_.end(), frame);
}

std::vector<ServerSummary> Registry::summarize(const Correlator& c) const {
    // Group by (family, address bytes, port); the ordered key sorts the rows.
    using Key = std::tuple<uint8_t, std::string, uint16_t>;
    std::map<Key, ServerSummary> rows;
    for (uint32_t index : order_) {
        const Entry& e = by_handshake_.at(index);
        Key key{e.address.family, std::string(reinterpret_cast<const char*>(e.address.bytes), 16), e.port};
        ServerSummary& row = rows[key];
        row.address = e.address;
        row.port = e.port;
        row.handshake_indices.push_back(index);

        const Handshake& hs = c.handshake(index);
        ++row.handshakes;
        ++row.verdicts[static_cast<int>(hs.verdict)];
        if (hs.answer_role != Role::SynAck) continue;
        ++row.synacks;
        if (row.first_synack_frame == 0) row.first_synack_frame = hs.answer_frame;
        const uint8_t hops = estimated_hops(hs.answer_ttl);
        row.min_hops = std::min(row.min_hops, hops);
        row.max_hops = std::max(row.max_hops, hops);
        if (hs.hop_mismatch()) ++row.hop_mismatches;
        if (hs.pair == kNone) continue;
        const EchoEvidence& ev = c.pair(hs.pair).evidence;
        if (is_echo(hs.verdict) && row.first_evidence_frame == 0) row.first_evidence_frame = hs.answer_frame;
        if (is_echo(hs.verdict)) {
            for (uint8_t i = 0; i < ev.echoed_count; ++i) row.echoed_kinds[ev.echoed_kinds[i]] = true;
            if (ev.mpc_echo) {
                if (ev.synack_mpc.has_key) {
                    if (std::find(row.echoed_keys.begin(), row.echoed_keys.end(), ev.synack_mpc.key) ==
                        row.echoed_keys.end())
                        row.echoed_keys.push_back(ev.synack_mpc.key);
                } else {
                    row.echoed_keyless = true;
                }
            }
        }
    }
    std::vector<ServerSummary> out;
    out.reserve(rows.size());
    for (auto& kv : rows) {
        ServerSummary& r = kv.second;
        if (r.synacks == 0) r.min_hops = 0;
        out.push_back(std::move(r));
    }
    return out;
}

Totals Registry::totals(const Correlator& c, const std::vector<ServerSummary>& rows, const Registry& seen) {
    Totals t;
    t.servers = static_cast<uint32_t>(rows.size());
    t.evictions = c.evictions();
    for (const ServerSummary& r : rows) {
        if (r.suspect()) ++t.suspect_servers;
        t.handshakes += r.handshakes;
        t.synacks += r.synacks;
        for (int v = 0; v < kVerdictCount; ++v) t.verdicts[v] += r.verdicts[v];
        for (uint32_t index : r.handshake_indices) {
            const Handshake& hs = c.handshake(index);
            // Frames of this handshake that exist but never reached the listener.
            for (uint32_t f : {hs.first_syn_frame, hs.answer_frame})
                if (f != 0 && !seen.saw_frame(f)) ++t.hidden_frames;
            if (hs.pair == kNone) continue;
            const Pair& p = c.pair(hs.pair);
            const EchoEvidence& ev = p.evidence;
            if (ev.synack_mpc.present) {
                ++t.synacks_with_mp_capable;
                if (hs.verdict == Verdict::MptcpGenuine) ++t.mp_capable_genuine;
                if (ev.mpc_echo) ++t.mp_capable_echoed;
            }
            const OptionBlock synack = p.synack_block();
            bool unknown = false;
            for (size_t i = 0; i < synack.count(); ++i) {
                const uint8_t k = synack.at(i).kind;
                if (!may_match_legitimately(k) && k != kTimestamp && k != kMptcp) unknown = true;
            }
            if (unknown) {
                ++t.synacks_with_unknown_option;
                if (ev.unknown_echo) ++t.unknown_option_echoed;
            }
        }
    }
    return t;
}

}  // namespace middlebox
