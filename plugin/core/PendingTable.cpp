#include "middlebox/PendingTable.h"

#include <algorithm>

namespace middlebox {

namespace {
constexpr size_t kInitialSlots = 1024;
}

PendingTable::PendingTable(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {
    // Linear probing stays short while at most 3/4 of the slots are used.
    max_slots_ = 16;
    while (max_slots_ * 3 < capacity_ * 4) max_slots_ <<= 1;
    const size_t n = std::min(kInitialSlots, max_slots_);
    slots_.assign(n, PendingSyn{});
    mask_ = n - 1;
}

void PendingTable::grow() {
    std::vector<PendingSyn> old(slots_.size() * 2);
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    hand_ = 0;
    for (const PendingSyn& s : old) {
        if (s.tuple == 0) continue;
        size_t i = index_of(s.tuple);
        while (slots_[i].tuple != 0) i = (i + 1) & mask_;
        slots_[i] = s;
    }
}

PendingSyn* PendingTable::find(uint64_t tuple) {
    for (size_t i = index_of(tuple);; i = (i + 1) & mask_) {
        PendingSyn& s = slots_[i];
        if (s.tuple == tuple) return &s;
        if (s.tuple == 0) return nullptr;
    }
}

PendingSyn* PendingTable::pick_victim() {
    // Among the next few occupied slots the hand passes, an answered
    // handshake (kept only to pair SYN+ACK retransmissions) goes first, then
    // the oldest unanswered SYN: an approximation of LRU that costs O(1).
    PendingSyn* victim = nullptr;
    int seen = 0;
    for (size_t n = 0; n < slots_.size() && seen < 8; ++n) {
        PendingSyn& s = slots_[hand_];
        hand_ = (hand_ + 1) & mask_;
        if (s.tuple == 0) continue;
        ++seen;
        if (victim == nullptr) {
            victim = &s;
            continue;
        }
        const bool s_done = (s.state & kAnswered) != 0, v_done = (victim->state & kAnswered) != 0;
        if ((s_done && !v_done) || (s_done == v_done && s.frame < victim->frame)) victim = &s;
    }
    return victim;
}

PendingSyn* PendingTable::insert(uint64_t tuple, PendingSyn* evicted, bool* did_evict) {
    if (did_evict != nullptr) *did_evict = false;
    if (PendingSyn* s = find(tuple)) return s;
    if (size_ >= capacity_) {
        PendingSyn* victim = pick_victim();
        if (evicted != nullptr) *evicted = *victim;
        if (did_evict != nullptr) *did_evict = true;
        if (victim->state & kAnswered)
            ++reclaimed_;
        else
            ++evictions_;
        erase(victim);
    } else if ((size_ + 1) * 4 > slots_.size() * 3 && slots_.size() < max_slots_) {
        grow();
    }
    size_t i = index_of(tuple);
    while (slots_[i].tuple != 0) i = (i + 1) & mask_;
    slots_[i] = PendingSyn{};
    slots_[i].tuple = tuple;
    ++size_;
    return &slots_[i];
}

void PendingTable::erase(PendingSyn* entry) {
    // Backward-shift deletion: pull later members of the probe run back so
    // that find() never stops early at the hole.
    size_t hole = static_cast<size_t>(entry - slots_.data());
    size_t j = hole;
    for (;;) {
        j = (j + 1) & mask_;
        if (slots_[j].tuple == 0) break;
        const size_t home = index_of(slots_[j].tuple);
        // Move j into the hole unless its home lies cyclically in (hole, j].
        const bool home_in_range = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!home_in_range) {
            slots_[hole] = slots_[j];
            hole = j;
        }
    }
    slots_[hole] = PendingSyn{};
    --size_;
}

void PendingTable::clear() {
    slots_.assign(std::min(kInitialSlots, max_slots_), PendingSyn{});
    mask_ = slots_.size() - 1;
    size_ = 0;
    hand_ = 0;
}

}  // namespace middlebox
