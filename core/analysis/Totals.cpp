// The end-of-file totals of the report: the rows summed, and what the rows
// do not hold (option facts, hidden frames, evictions) from the handshake
// table.
#include "middlebox/Registry.h"

namespace middlebox {

namespace {

void bump(uint32_t& v, int sign) { v = static_cast<uint32_t>(static_cast<int64_t>(v) + sign); }

}  // namespace

void count_facts(StudyCounts* n, uint8_t facts, bool against_probe, int sign) {
    if (facts & bits(HandshakeFact::Mpc)) bump(n->synacks_with_mp_capable, sign);
    if (facts & bits(HandshakeFact::MpcGenuine)) bump(n->mp_capable_genuine, sign);
    if (facts & bits(HandshakeFact::MpcEcho)) bump(n->mp_capable_echoed, sign);
    if (facts & bits(HandshakeFact::Unknown)) bump(n->synacks_with_unknown_option, sign);
    if (facts & bits(HandshakeFact::UnknownEcho)) bump(n->unknown_option_echoed, sign);
    if (against_probe) bump(n->against_probe, sign);
}

void count_handshake(StudyCounts* n, Verdict verdict, uint8_t facts, bool against_probe, int sign) {
    bump(n->handshakes, sign);
    bump(n->verdicts[static_cast<int>(verdict)], sign);
    if (facts & bits(HandshakeFact::SynAck)) bump(n->synacks, sign);
    count_facts(n, facts, against_probe, sign);
}

Totals Registry::totals(const Correlator& c, const std::vector<ServerSummary>& rows, const Registry& seen) {
    Totals t;
    for (const ServerSummary& r : rows) add_row(&t, r);
    finish_totals(&t, c, seen);
    return t;
}

void Registry::add_row(Totals* t, const ServerSummary& r) {
    ++t->servers;
    if (r.suspect()) ++t->suspect_servers;
    t->handshakes += r.handshakes;
    t->synacks += r.synacks;
    t->syn_proxies += r.syn_proxies;
    for (int v = 0; v < kVerdictCount; ++v) t->verdicts[v] += r.verdicts[v];
}

void Registry::finish_totals(Totals* out, const Correlator& c, const Registry& seen) {
    Totals& t = *out;
    t.evictions = c.evictions();
    t.out_of_order_frames = c.out_of_order();
    t.read_filtered_frames = c.filtered_out();
    t.inconsistent_events = seen.inconsistent_events();
    if (c.probe() != nullptr) t.probe = c.probe()->text();
    // The handshakes in the rows are those the listener saw a frame of; their
    // facts are read in index order, i.e. in memory order.
    std::vector<bool> counted(c.handshake_count(), false);
    for (uint32_t index : seen.handshakes())
        if (index < counted.size()) counted[index] = true;
    for (uint32_t index = 0; index < counted.size(); ++index) {
        if (!counted[index]) continue;
        const Handshake& hs = c.handshake(index);
        count_facts(&t, hs.facts, hs.against_probe());
    }
    // Every frame the analysis gave a record (SYN, SYN+ACK, RST and their
    // copies) of a counted handshake that never reached the listener.
    // Both lists are sorted by frame: one merge walk.
    const std::vector<uint32_t>& frames = seen.frames_seen();
    auto next = frames.begin();
    for (const FrameRecord& r : c.records()) {
        while (next != frames.end() && *next < r.frame) ++next;
        const bool saw = next != frames.end() && *next == r.frame;
        if (r.handshake < counted.size() && counted[r.handshake] && !saw) ++t.hidden_frames;
    }
    for (bool b : counted)
        if (!b) ++t.hidden_handshakes;
}

}  // namespace middlebox
