#include "Snapshot.h"

#include <algorithm>

#include "middlebox/Describe.h"
#include "middlebox/OptionDiff.h"

namespace middlebox_qt {

using middlebox::Address;

namespace {

// Wireshark 4.0 wants commas between string set members.
const char* kEchoSet = "middlebox.verdict in {\"mptcp-echo\", \"option-echo\", \"flag-echo\"}";

void append(std::string& out, const std::string& item, const char* sep) {
    if (item.empty()) return;
    if (!out.empty()) out += sep;
    out += item;
}

std::string block_text(const middlebox::OptionBlock& b) {
    if (!b.ok()) return std::string("(") + middlebox::status_name(b.status()) + ")";
    std::string out;
    for (size_t i = 0; i < b.count(); ++i) append(out, middlebox::describe_option(b, b.at(i)), ", ");
    return out.empty() ? "(none)" : out;
}

}  // namespace

std::string ServerRow::hops_text() const {
    if (min_hops < 0) return "";
    return middlebox::hops_text(static_cast<unsigned>(min_hops), static_cast<unsigned>(max_hops));
}

std::string ServerRow::evidence_text(size_t limit) const {
    std::string out;
    for (size_t i = 0; i < evidence_frames.size() && i < limit; ++i)
        append(out, std::to_string(evidence_frames[i]), ", ");
    if (evidence_frames.size() > limit) out += ", ...";
    return out;
}

Snapshot build_snapshot(const middlebox::Correlator& c, const middlebox::Registry& r, bool all_servers) {
    Snapshot snap;
    // One server at a time (no vector of summaries next to the rows).
    r.visit(
        c,
        [&](const middlebox::ServerSummary& s) {
            middlebox::Registry::add_row(&snap.totals, s);
            if (!all_servers && !s.suspect()) return;
            ServerRow row;
            row.server = s.server;
            row.handshakes = s.handshakes;
            row.synacks = s.synacks;
            std::copy(std::begin(s.verdicts), std::end(s.verdicts), std::begin(row.verdicts));
            row.echoed = middlebox::echoed_text(s);
            if (s.synacks > 0) {
                row.min_hops = s.min_hops;
                row.max_hops = s.max_hops;
            }
            row.hop_mismatches = s.hop_mismatches;
            row.syn_proxies = s.syn_proxies;
            row.first_synack_frame = s.first_synack_frame;
            row.handshake_indices.reserve(s.handshake_indices.size());
            for (uint32_t index : s.handshake_indices) {
                if (index >= c.handshake_count()) continue;  // never: the registry is cleared with the file
                row.handshake_indices.push_back(index);
                const middlebox::Handshake& hs = c.handshake(index);
                if (hs.pair != middlebox::kNone && middlebox::is_echo(hs.verdict))
                    row.evidence_frames.push_back(hs.answer_frame);
            }
            std::sort(row.evidence_frames.begin(), row.evidence_frames.end());
            const uint32_t target = row.target_frame();
            if (target != 0)
                for (uint32_t index : row.handshake_indices)
                    if (c.handshake(index).answer_frame == target) {
                        row.target_handshake = index;
                        break;
                    }
            snap.servers.push_back(std::move(row));
        },
        true);
    middlebox::Registry::finish_totals(&snap.totals, c, r);
    return snap;
}

HandshakeRow build_handshake_row(const middlebox::Correlator& c, uint32_t index) {
    HandshakeRow p;
    p.handshake = index;
    if (index >= c.handshake_count()) return p;
    const middlebox::Handshake& hs = c.handshake(index);
    p.verdict = hs.verdict;
    p.syn_frame = hs.syn_frame != 0 ? hs.syn_frame : hs.first_syn_frame;
    p.answer_frame = hs.answer_frame;
    p.answer_is_synack = hs.answer_role == middlebox::Role::SynAck;
    p.syn_copies = hs.syn_copies;
    p.against_probe = hs.against_probe();
    if (p.answer_is_synack) {
        p.ttl = hs.answer_ttl;
        p.hops = middlebox::estimated_hops(hs.answer_ttl);
        p.hop_mismatch = hs.hop_mismatch();
        p.syn_proxy = hs.syn_proxy();
    }
    // The handshake table knows every client, answered or not.
    const middlebox::FlowTuple& t = c.endpoints(index);
    p.client_known = true;
    p.client = t.src;
    p.client_port = t.src_port;
    p.client_text = middlebox::address_text(t.src);
    if (hs.pair != middlebox::kNone) {
        const middlebox::PairedOptions& pr = c.pair(hs.pair);
        const middlebox::OptionBlock synack = pr.synack.block();
        const middlebox::OptionBlock syn = pr.syn.block();
        p.diff = pr.diff();
        p.synack_options = block_text(synack);
        if (pr.has_syn) p.syn_options = block_text(syn);
        if (middlebox::is_echo(hs.verdict)) p.echoed = middlebox::echoed_text(pr.evidence);
    }
    return p;
}

namespace {
bool goes_to(const middlebox::Correlator& c, uint32_t index, const ServerRow& s) {
    if (index >= c.handshake_count()) return false;
    const middlebox::FlowTuple& t = c.endpoints(index);
    return t.destination() == s.server;
}
}  // namespace

std::vector<HandshakeRow> build_handshake_rows(const middlebox::Correlator& c, const ServerRow& s) {
    std::vector<HandshakeRow> out;
    out.reserve(s.handshake_indices.size());
    for (uint32_t index : s.handshake_indices) {
        if (goes_to(c, index, s)) {
            out.push_back(build_handshake_row(c, index));
        } else {
            HandshakeRow p;
            p.handshake = index;
            p.verdict = middlebox::Verdict::None;
            out.push_back(std::move(p));
        }
    }
    return out;
}

std::string target_diff(const middlebox::Correlator& c, const ServerRow& s) {
    if (s.target_handshake == ServerRow::kNoHandshake || !goes_to(c, s.target_handshake, s)) return "";
    const middlebox::Handshake& hs = c.handshake(s.target_handshake);
    if (hs.pair == middlebox::kNone) return "";
    return c.pair(hs.pair).diff();
}

std::string address_filter(const Address& a, const char* direction) {
    return std::string(a.family == 6 ? "ipv6." : "ip.") + direction + " == " + middlebox::address_text(a);
}

std::string server_filter(const ServerRow& s) {
    const std::string port = std::to_string(s.server.port);
    if (s.suspect())
        return std::string(kEchoSet) + " && " + address_filter(s.server.address, "src") + " && tcp.srcport == " + port;
    return "middlebox.verdict && ((" + address_filter(s.server.address, "src") + " && tcp.srcport == " + port +
           ") || (" + address_filter(s.server.address, "dst") + " && tcp.dstport == " + port + "))";
}

std::string pair_filter(const ServerRow& s, const HandshakeRow& p) {
    if (!p.client_known) return server_filter(s);
    return address_filter(p.client, "addr") + " && tcp.port == " + std::to_string(p.client_port) + " && " +
           address_filter(s.server.address, "addr") + " && tcp.port == " + std::to_string(s.server.port);
}

std::string suspects_filter(const std::vector<const ServerRow*>& shown, size_t all_suspects) {
    std::vector<const ServerRow*> suspects;
    for (const ServerRow* s : shown)
        if (s->suspect()) suspects.push_back(s);
    if (suspects.size() == all_suspects || suspects.empty())
        return std::string(kEchoSet) + " && tcp.flags.syn == 1 && tcp.flags.ack == 1";
    std::string any;
    for (const ServerRow* s : suspects) {
        const std::string one =
            address_filter(s->server.address, "src") + " && tcp.srcport == " + std::to_string(s->server.port);
        append(any, suspects.size() == 1 ? one : "(" + one + ")", " || ");
    }
    return std::string(kEchoSet) + " && " + (suspects.size() == 1 ? any : "(" + any + ")");
}

}  // namespace middlebox_qt
