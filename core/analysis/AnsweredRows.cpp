// A scoped report's rows from a streaming correlator (AnsweredRows.h).
#include "middlebox/AnsweredRows.h"

#include <algorithm>
#include <cstring>

#include "report/ServerOrder.h"

namespace middlebox {

AnsweredRows::Key AnsweredRows::key_of(const Correlator& c, uint32_t index) {
    const FlowTuple& t = c.endpoints(index);
    const detail::SortKey k(t.destination(), 0);
    return Key{k.hi, k.lo, k.tail};
}

uint64_t AnsweredRows::filter_hash(const Endpoint& server) {
    uint64_t w[2];
    std::memcpy(w, server.address.bytes, 16);
    return (w[0] ^ (w[1] * 0x9e3779b97f4a7c15ull) ^ (uint64_t{server.port} << 8 | server.address.family)) *
           0xc2b2ae3d27d4eb4full;
}

void AnsweredRows::grow_filter() {
    while (rows_.size() * 32 > (size_t{1} << filter_bits_)) ++filter_bits_;
    filter_.assign(size_t{1} << (filter_bits_ - 6), 0);
    for (const auto& [key, row] : rows_) {
        const uint64_t h = filter_hash(row.server);
        filter_[filter_word(h)] |= filter_mask(h);
    }
}

uint64_t AnsweredRows::look_ahead(const Correlator& c, uint32_t index) {
    if (ahead_end_ <= index) ahead_end_ = index;
    const uint32_t end = static_cast<uint32_t>(std::min<size_t>(size_t{index} + kAhead, c.handshake_count()));
    for (; ahead_end_ < end; ++ahead_end_) {
        const uint64_t h = filter_hash(c.endpoints(ahead_end_).destination());
        ahead_[ahead_end_ % kAhead] = h;
        __builtin_prefetch(&filter_[filter_word(h)]);
    }
    return ahead_[index % kAhead];
}

void AnsweredRows::answered(const Correlator& c, uint32_t index) {
    const Handshake& hs = c.handshake(index);
    if (hs.answer_role != Role::SynAck || hs.pair == kNone) return;
    if (request_.form == ReportForm::Pairs) {
        if (in_scope(request_.scope, hs)) pairs_.push_back(pair_line(c, index));
        return;
    }
    auto [it, made] = rows_.try_emplace(key_of(c, index));
    ServerSummary& row = it->second;
    if (made) {
        row.server = c.endpoints(index).destination();
        if (rows_.size() * 32 > (size_t{1} << filter_bits_)) grow_filter();
        const uint64_t h = filter_hash(row.server);
        filter_[filter_word(h)] |= filter_mask(h);
    }
    if (hs.facts & bits(HandshakeFact::Evidence)) detail::add_evidence(row, c.pair(hs.pair).evidence, hs.answer_frame);
    if (index < base_) return;  // (not retired yet: never so)
    if (index - base_ >= answered_rows_.size()) answered_rows_.resize(index - base_ + 1, nullptr);
    answered_rows_[index - base_] = &row;
}

ServerSummary* AnsweredRows::take_answered_row(uint32_t index) {
    ServerSummary* row = nullptr;
    if (index >= base_ && index - base_ < answered_rows_.size()) row = answered_rows_[index - base_];
    while (base_ <= index && !answered_rows_.empty()) {
        answered_rows_.pop_front();
        ++base_;
    }
    if (base_ <= index) base_ = index + 1;
    return row;
}

void AnsweredRows::retired(const Correlator& c, uint32_t index) {
    const Handshake& hs = c.handshake(index);
    count_handshake(&counts_, hs);
    if (hs.syn_proxy()) ++syn_proxies_;
    const uint64_t h = look_ahead(c, index);
    ServerSummary* row = take_answered_row(index);
    if (row == nullptr) {  // another handshake of its server may have been answered
        if (!(filter_[filter_word(h)] & filter_mask(h))) return;  // its server has no row
        const auto it = rows_.find(key_of(c, index));
        if (it == rows_.end()) return;
        row = &it->second;
    }
    detail::add_item(*row, detail::item_of(c, index, 0));
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
