// The path report's model: probes grouped into sweeps per target, their
// quotes, answers and copies (PathReport.h). The writers are
// ReportPathText.cpp and ReportPathJson.cpp.
#include "middlebox/PathReport.h"

#include <algorithm>
#include <map>

#include "middlebox/OptionDiff.h"

namespace middlebox {

namespace {

// By client, then server, in the endpoints' order (the client's port is
// not part of it: each probe has its own).
struct Target {
    Address client;
    Endpoint server;
    bool operator<(const Target& o) const {
        if (const int c = Endpoint::compare(client, 0, o.client, 0)) return c < 0;
        return server < o.server;
    }
};

// The names of a SYN's options, "MSS,SACK_PERM,TS,WS,MP_CAPABLE".
std::string option_names(const OptionBlock& b) {
    std::string s;
    for (size_t i = 0; i < b.count(); ++i) {
        const TcpOption& o = b.at(i);
        if (!s.empty()) s += ',';
        s += option_name(o.kind, b.data(o), o.length);
    }
    return s;
}

PathQuote quote_of(const Quote& q) {
    PathQuote pq;
    pq.frame = q.frame;
    pq.router = q.router;
    const OptionBlock syn = q.syn.block(), quoted = q.quoted.block();
    pq.partial = !q.options_visible || !syn.ok() || !quoted.ok();
    if (!pq.partial) pq.changes = changed_items(syn, quoted);
    pq.first.assign(pq.changes.size(), false);
    return pq;
}

PathCopy copy_of(const Copy& c) {
    PathCopy pc;
    pc.frame = c.frame();
    pc.first_frame = c.first_frame();
    pc.role = c.role;
    pc.ttl_delta = c.ttl_delta();
    pc.first_ttl = c.first.ttl;
    pc.diff = c.diff();
    pc.changes = c.changes();
    pc.changed = c.changed();
    pc.rewritten_on_path = c.rewritten_on_path;
    pc.first_verdict = c.first_verdict;
    pc.verdict_here = c.verdict_here;
    return pc;
}

// Marks, in hop order, the first quote of the sweep that shows each change.
void mark_first_changes(PathSweep& sweep) {
    std::vector<std::string> seen;
    for (PathProbe& p : sweep.probes)
        for (PathQuote& q : p.quotes)
            for (size_t i = 0; i < q.changes.size(); ++i) {
                const std::string key = change_key(q.changes[i]);
                if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
                seen.push_back(key);
                q.first[i] = true;
                sweep.changes.push_back(PathChange{q.changes[i], p.hop, q.router, q.frame});
            }
}

}  // namespace

std::string change_key(const std::string& item) {
    const size_t space = item.find(' ');
    return space == std::string::npos ? item : item.substr(0, space);
}

std::vector<PathSweep> path_sweeps(const Correlator& c, const Registry& seen) {
    std::map<uint32_t, std::vector<PathCopy>> copies;  // by handshake: copies are few
    for (const Copy& copy : c.copies().all()) copies[copy.handshake].push_back(copy_of(copy));

    // Per target, its handshakes with a SYN, by first frame.
    std::map<Target, std::vector<std::pair<uint32_t, uint32_t>>> targets;  // (first SYN frame, handshake)
    for (uint32_t h : seen.handshakes()) {
        if (h >= c.handshake_count()) continue;
        const Handshake& hs = c.handshake(h);
        if (hs.verdict == Verdict::NoSyn || hs.first_syn_frame == 0) continue;
        const FlowTuple& e = c.endpoints(h);
        targets[Target{e.src, e.destination()}].emplace_back(hs.first_syn_frame, h);
    }

    std::vector<PathSweep> sweeps;
    for (auto& [target, handshakes] : targets) {
        std::sort(handshakes.begin(), handshakes.end());
        PathSweep* sweep = nullptr;
        for (const auto& [frame, h] : handshakes) {
            const Handshake& hs = c.handshake(h);
            PathProbe p;
            // The TTL the first copy left with: hs.syn_ttl follows the copies.
            p.hop = hs.syn_ttl;
            p.syn_frame = frame;
            p.handshake = h;
            // What was sent: the SYN as first seen (before any box on the captured path changed it).
            std::string names;
            if (const SeenSegment* first = c.copies().first_syn(h)) names = option_names(first->block());
            for (uint32_t qf : c.quote_frames(h)) {
                const Quote* q = c.lookup_quote(qf);
                if (q == nullptr) continue;
                p.quotes.push_back(quote_of(*q));
                if (names.empty()) names = option_names(q->syn.block());
            }
            if (hs.answered()) {
                p.answer = hs.answer_role;
                p.answer_frame = hs.answer_frame;
                p.verdict = hs.verdict;
                p.answer_hops = estimated_hops(hs.answer_ttl);
                if (names.empty() && hs.pair != kNone && c.pair(hs.pair).has_syn)
                    names = option_names(c.pair(hs.pair).syn.block());
            }
            if (auto it = copies.find(h); it != copies.end()) {
                p.copies = it->second;
                for (const PathCopy& pc : p.copies)
                    if (pc.role == Role::Syn && pc.first_frame == frame) p.hop = pc.first_ttl;
            }
            // TTL rising frame to frame: the same sweep.
            if (sweep == nullptr || p.hop <= sweep->probes.back().hop) {
                sweeps.push_back(PathSweep{target.client, target.server, {}, {}, {}});
                sweep = &sweeps.back();
            }
            if (sweep->probe.empty()) sweep->probe = names;
            sweep->probes.push_back(std::move(p));
        }
    }
    for (PathSweep& s : sweeps) mark_first_changes(s);
    return sweeps;
}

}  // namespace middlebox
