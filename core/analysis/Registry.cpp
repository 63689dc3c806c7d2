#include "middlebox/Registry.h"

#include <algorithm>

#include "report/ServerOrder.h"

namespace middlebox {

using detail::Item;
using detail::SortKey;

void Registry::add(uint32_t handshake, uint32_t frame) {
    if (any_frame_ && frame <= last_frame_) {
        if (frame == last_frame_) return;  // the same frame handed over twice
        frames_sorted_ = false;
    }
    any_frame_ = true;
    last_frame_ = frame;
    if (pending_.capacity() == 0) pending_.reserve(kBatch);
    pending_.push_back(Event{handshake, frame});
    if (pending_.size() >= kBatch) settle();
}

void Registry::settle() const {
    for (const Event& ev : pending_) {
        frames_seen_.push_back(ev.frame);
        // resize() grows the capacity geometrically but writes (pages in)
        // only the entries it adds: a little past this handshake, so that a
        // scan's new handshake, one per SYN, does not call it each time.
        if (ev.handshake >= seen_.size())
            seen_.resize(std::max<size_t>(ev.handshake + 1, std::min(seen_.capacity(), size_t{ev.handshake} + 256)));
        if (seen_[ev.handshake]) continue;
        seen_[ev.handshake] = true;
        order_.push_back(ev.handshake);
    }
    pending_.clear();
}

void Registry::clear() {
    pending_.clear();
    any_frame_ = false;
    last_frame_ = 0;
    seen_.clear();
    order_.clear();
    frames_seen_.clear();
    frames_sorted_ = true;
    inconsistent_ = 0;
}

const std::vector<uint32_t>& Registry::frames_seen() const {
    settle();
    if (!frames_sorted_) {
        std::sort(frames_seen_.begin(), frames_seen_.end());
        frames_seen_.erase(std::unique(frames_seen_.begin(), frames_seen_.end()), frames_seen_.end());
        frames_sorted_ = true;
    }
    return frames_seen_;
}

std::vector<ServerSummary> Registry::summarize(const Correlator& c, bool with_handshakes) const {
    std::vector<ServerSummary> out;
    visit(
        c, [&out](const ServerSummary& row) { out.push_back(row); }, with_handshakes);
    return out;
}

namespace detail {

Item item_of(const Correlator& c, uint32_t index, uint32_t position) {
    const Handshake& hs = c.handshake(index);
    const FlowTuple& t = c.endpoints(index);
    const bool synack = hs.facts & bits(HandshakeFact::SynAck);
    const uint8_t path =
        static_cast<uint8_t>((hs.hop_mismatch() ? Item::kHopMismatch : 0) | (hs.syn_proxy() ? Item::kSynProxy : 0));
    return Item(SortKey(t.destination(), position), synack ? hs.answer_frame : 0, static_cast<uint8_t>(hs.verdict),
                synack ? estimated_hops(hs.answer_ttl) : 0, hs.facts, path);
}

void add_item(ServerSummary& row, const Item& it) {
    ++row.handshakes;
    ++row.verdicts[it.verdict];
    if (!(it.facts & bits(HandshakeFact::SynAck))) return;
    ++row.synacks;
    if (row.first_synack_frame == 0 || it.answer_frame < row.first_synack_frame)
        row.first_synack_frame = it.answer_frame;
    row.min_hops = std::min(row.min_hops, it.hops);
    row.max_hops = std::max(row.max_hops, it.hops);
    if (it.path & Item::kHopMismatch) ++row.hop_mismatches;
    if (it.path & Item::kSynProxy) ++row.syn_proxies;
    if (it.facts & bits(HandshakeFact::FlagEcho)) row.echoed_flags = true;
}

void add_evidence(ServerSummary& row, const EchoEvidence& ev, uint32_t answer_frame) {
    if (row.first_evidence_frame == 0 || answer_frame < row.first_evidence_frame)
        row.first_evidence_frame = answer_frame;
    for (uint8_t i = 0; i < ev.echoed_count; ++i) row.echoed_kinds.set(ev.echoed_kinds[i]);
    if (!ev.mpc_echo) return;
    if (!ev.synack_mpc.has_key) {
        row.echoed_keyless = true;
    } else if (std::find(row.echoed_keys.begin(), row.echoed_keys.end(), ev.synack_mpc.key) == row.echoed_keys.end()) {
        row.echoed_keys.push_back(ev.synack_mpc.key);
    }
}

void finish_row(ServerSummary& row) {
    if (row.synacks == 0) row.min_hops = 0;
    std::sort(row.echoed_keys.begin(), row.echoed_keys.end());
}

}  // namespace detail

void Registry::visit(const Correlator& c, const std::function<void(const ServerSummary&)>& fn,
                     bool with_handshakes) const {
    settle();
    std::vector<Item> items;
    items.reserve(order_.size());
    for (uint32_t pos = 0; pos < order_.size(); ++pos) {
        const uint32_t index = order_[pos];
        if (index >= c.handshake_count()) continue;  // a registry from another file
        items.push_back(detail::item_of(c, index, pos));
    }
    detail::sort_items(items);  // items are in position order: equal endpoints stay so

    ServerSummary row;
    auto emit = [&] {
        detail::finish_row(row);
        fn(row);
    };
    for (size_t k = 0; k < items.size(); ++k) {
        const Item& it = items[k];
        if (k == 0 || !it.key.same_server(items[k - 1].key)) {
            if (k > 0) emit();
            row = ServerSummary{};
            row.server = it.key.endpoint();
        }
        if (with_handshakes) row.handshake_indices.push_back(order_[it.key.position]);
        detail::add_item(row, it);
        if ((it.facts & bits(HandshakeFact::SynAck)) && (it.facts & bits(HandshakeFact::Evidence)))
            detail::add_evidence(row, c.pair(c.handshake(order_[it.key.position]).pair).evidence, it.answer_frame);
    }
    if (!items.empty()) emit();
}

}  // namespace middlebox
