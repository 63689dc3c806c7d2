// A scoped report's rows from a streaming correlator (AnsweredRows.h).
#include "middlebox/AnsweredRows.h"

#include <algorithm>
#include <cstring>

#include "ServerOrder.h"

namespace middlebox {

AnsweredRows::Key AnsweredRows::key_of(const Correlator& c, uint32_t index) {
    const FlowTuple& t = c.endpoints(index);
    const detail::SortKey k(t.destination(), 0);
    return Key{k.hi, k.lo, k.tail};
}

uint64_t AnsweredRows::filter_hash(const FlowTuple& t) {
    uint64_t w[2];
    std::memcpy(w, t.dst.bytes, 16);
    uint64_t h = (w[0] ^ (w[1] * 0x9e3779b97f4a7c15ull) ^ (uint64_t{t.dst_port} << 8 | t.dst.family)) *
                 0xc2b2ae3d27d4eb4full;
    return h >> (64 - kFilterBits);
}

void AnsweredRows::answered(const Correlator& c, uint32_t index) {
    const Handshake& hs = c.handshake(index);
    if (hs.answer_role != Role::SynAck || hs.pair == kNone) return;
    if (request_.form == ReportForm::Pairs) {
        if (in_scope(request_.scope, hs)) pairs_.push_back(pair_line(c, index));
        return;
    }
    const FlowTuple& t = c.endpoints(index);
    const uint64_t bit = filter_hash(t);
    filter_[bit >> 6] |= uint64_t{1} << (bit & 63);
    auto [it, made] = rows_.try_emplace(key_of(c, index));
    ServerSummary& row = it->second;
    if (made) {
        row.address = t.dst;
        row.port = t.dst_port;
    }
    if (hs.facts & bits(HandshakeFact::Evidence)) detail::add_evidence(row, c.pair(hs.pair).evidence, hs.answer_frame);
}

void AnsweredRows::retired(const Correlator& c, uint32_t index) {
    const Handshake& hs = c.handshake(index);
    count_handshake(&counts_, hs);
    if (hs.syn_proxy()) ++syn_proxies_;
    const uint64_t bit = filter_hash(c.endpoints(index));
    if (!(filter_[bit >> 6] & (uint64_t{1} << (bit & 63)))) return;  // its server has no row
    const auto it = rows_.find(key_of(c, index));
    if (it != rows_.end()) detail::add_item(it->second, detail::item_of(c, index, 0));
}

void AnsweredRows::write(std::ostream& out, const Correlator& c, uint64_t expired_early) const {
    Totals t;
    static_cast<StudyCounts&>(t) = counts_;
    t.syn_proxies = syn_proxies_;
    t.evictions = c.evictions();
    t.expired = expired_early;
    t.kernel_drops = request_.kernel_drops;
    t.out_of_order_frames = c.out_of_order();
    if (c.probe() != nullptr) t.probe = c.probe()->text();
    t.servers = static_cast<uint32_t>(rows_.size());  // not written under a scope
    if (request_.form == ReportForm::Pairs) {
        std::vector<PairLine> pairs = pairs_;
        sort_pairs(pairs);
        write_pairs(out, pairs, t, request_);
        out.flush();
        return;
    }
    std::vector<std::pair<Key, const ServerSummary*>> order;
    order.reserve(rows_.size());
    for (const auto& [key, row] : rows_) order.emplace_back(key, &row);
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [key, row] : order)
        if (row->suspect()) ++t.suspect_servers;
    std::unique_ptr<ServerReportWriter> writer = make_report_writer(request_.form, out, request_, t.probe);
    ServerSummary shown;
    for (const auto& [key, row] : order) {
        shown = *row;
        detail::finish_row(shown);
        if (in_scope(request_.scope, shown)) writer->row(shown);
    }
    writer->finish(t);
    out.flush();
}

}  // namespace middlebox
