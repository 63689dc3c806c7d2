#include "middlebox/PendingTable.h"

#include <algorithm>

#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#endif

namespace middlebox {

namespace {

// Entry storage: ids below 2^(kBaseBits+1) live in chunks of 2^(kBaseBits -
// kFanBits) = 32 entries; above, each power-of-two range [2^k, 2^(k+1)) is cut
// into 2^kFanBits chunks of 2^(k - kFanBits). A chunk is thus at most 1/256
// of the entries before it: the last, partly used one wastes < 0.25 byte per
// entry, and the directory holds 256 pointers per doubling (16 KiB at 1M).
constexpr unsigned kBaseBits = 13;
constexpr unsigned kFanBits = 8;

constexpr size_t kInitialSlots = 64;

inline unsigned floor_log2(uint32_t x) {  // x > 0
#if defined(__GNUC__) || defined(__clang__)
    return 31u - static_cast<unsigned>(__builtin_clz(x));
#elif defined(_MSC_VER)
    unsigned long r;
    _BitScanReverse(&r, x);
    return static_cast<unsigned>(r);
#else
    unsigned r = 0;
    while (x >>= 1) ++r;
    return r;
#endif
}

inline unsigned level_of(uint32_t id) {
    const unsigned k = floor_log2(id | 1u);
    return k < kBaseBits ? kBaseBits : k;
}

inline size_t chunk_first(size_t chunk) {
    const size_t group = chunk >> kFanBits;
    if (group <= 1) return chunk << (kBaseBits - kFanBits);
    const unsigned k = kBaseBits + static_cast<unsigned>(group) - 1;
    return (size_t{1} << k) + ((chunk & ((size_t{1} << kFanBits) - 1)) << (k - kFanBits));
}

inline size_t chunk_nominal(size_t chunk) {
    const size_t group = chunk >> kFanBits;
    const unsigned k = group <= 1 ? kBaseBits : kBaseBits + static_cast<unsigned>(group) - 1;
    return size_t{1} << (k - kFanBits);
}

// The tuple fingerprint is already a mixed hash, but nothing forces callers
// (tests, future keys) to pass one: the murmur3 finaliser spreads every key
// bit over the home (top 32 bits) and the tag (low 32 bits). The lowest key
// bit is left out: keys k and k ^ 1 (a connection's two directions) share
// their home and tag, hence their probe run.
inline uint64_t mix(uint64_t x) {
    x >>= 1;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

inline void prefetch_line(const void* p) {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p);
#else
    (void)p;
#endif
}

}  // namespace

PendingTable::PendingTable(size_t capacity) : capacity_(std::min(std::max<size_t>(capacity, 1), kMaxCapacity)) {
    // id + 1 <= capacity fits the low id_bits of a slot. The spare high bits
    // (12 at the default cap of 1M) hold up to 5 bits of probe distance and
    // a tag: correctness never depends on either, only the speed.
    const unsigned id_bits = floor_log2(static_cast<uint32_t>(capacity_)) + 1;
    id_mask_ = id_bits >= 32 ? ~0u : (1u << id_bits) - 1;
    const unsigned spare = 32 - id_bits;
    const unsigned dist_bits = std::min(5u, spare / 2);
    dist_shift_ = 32 - dist_bits;
    dist_sat_ = (1u << dist_bits) - 1;
    tag_mask_ = ~id_mask_ & static_cast<uint32_t>((uint64_t{1} << dist_shift_) - 1);
    // Linear probing stays short while at most 7/8 of the slots are used.
    max_slots_ = (capacity_ * 8 + 6) / 7;
    rebuild(std::min(kInitialSlots, max_slots_));
}

size_t PendingTable::bytes() const {
    return sizeof(*this) + chunks_.capacity() * sizeof(chunks_[0]) + allocated_ * sizeof(PendingSyn) +
           slot_count_ * sizeof(uint32_t);
}

PendingSyn& PendingTable::at(uint32_t id) const {
    const unsigned k = level_of(id);
    const unsigned shift = k - kFanBits;
    return chunks_[((k - kBaseBits) << kFanBits) + (id >> shift)][id & ((1u << shift) - 1)];
}

void PendingTable::add_chunk() {
    if (chunks_.size() == chunks_.capacity())
        chunks_.reserve(chunks_.size() + std::max<size_t>(16, chunks_.size() / 8));
    const size_t n = std::min(chunk_nominal(chunks_.size()), capacity_ - allocated_);
    chunks_.emplace_back(new PendingSyn[n]);
    allocated_ += n;
}

void PendingTable::release_chunks() {
    // Keep at most one empty chunk past the used ones, so that a table
    // hovering at a chunk boundary does not allocate on every insert.
    while (chunks_.size() >= 2 && chunk_first(chunks_.size() - 2) >= size_) {
        allocated_ -= std::min(chunk_nominal(chunks_.size() - 1), capacity_ - chunk_first(chunks_.size() - 1));
        chunks_.pop_back();
    }
}

void PendingTable::rebuild(size_t slot_count) {
    // Rebuilt from the entries, not from the old index (a slot does not hold
    // enough of the hash to find its new home). The table grows by small
    // steps (the 64-byte bound), so every entry is placed about eight times
    // over the table's life: placing is made cheap by placing in order of
    // home. A counting sort by home (the new index itself holds the counts)
    // puts the entries in that order; each then goes to the first free slot
    // at or after its home, which in home order is the slot after the last
    // one used: no probing, no shifting. Those pushed past the last slot wrap
    // around through the general Robin Hood insertion.
    index_ = std::make_unique<uint32_t[]>(slot_count);  // zeroed
    slot_count_ = slot_count;
    const auto n = static_cast<uint32_t>(size_);
    if (n == 0) return;
    struct Placed {
        uint32_t home;
        uint32_t slot;  // tag | (id + 1), distance still unset
    };
    // Each entry's hash once (entries read in order), its home counted.
    std::unique_ptr<Placed[]> by_id(new Placed[n]);
    uint32_t* count = index_.get();
    for (uint32_t id = 0; id < n; ++id) {
        const uint64_t h = mix(at(id).tuple);
        const size_t hm = home(h);
        by_id[id] = Placed{static_cast<uint32_t>(hm), tag(h) | (id + 1)};
        ++count[hm];
    }
    uint32_t start = 0;  // counts -> first position of each home
    for (size_t i = 0; i < slot_count; ++i) {
        const uint32_t c = count[i];
        count[i] = start;
        start += c;
    }
    std::unique_ptr<Placed[]> sorted(new Placed[n]);
    for (uint32_t id = 0; id < n; ++id) sorted[count[by_id[id].home]++] = by_id[id];
    by_id.reset();
    std::fill(index_.get(), index_.get() + slot_count, 0u);
    size_t next_free = 0;
    uint32_t k = 0;
    for (; k < n; ++k) {
        const size_t pos = std::max<size_t>(sorted[k].home, next_free);
        if (pos >= slot_count) break;
        index_[pos] = with_dist(sorted[k].slot, pos - sorted[k].home);
        next_free = pos + 1;
    }
    for (; k < n; ++k) shift_in(sorted[k].home, 0, sorted[k].slot);
}

size_t PendingTable::dist_at(uint32_t slot, size_t i) const {
    const size_t d = dist_of(slot);
    if (d < dist_sat_) return d;
    const size_t h = home(mix(at((slot & id_mask_) - 1).tuple));
    return i >= h ? i - h : i + slot_count_ - h;
}

void PendingTable::shift_in(size_t i, size_t dist, uint32_t carry) {
    // Robin Hood: whoever is further from home keeps the slot; the other
    // one moves on. A run stays sorted by home.
    for (;; i = next(i), ++dist) {
        const uint32_t s = index_[i];
        if (s == 0) {
            index_[i] = with_dist(carry, dist);
            return;
        }
        const size_t d = dist_at(s, i);
        if (d < dist) {
            index_[i] = with_dist(carry, dist);
            carry = s;
            dist = d;
        }
    }
}

size_t PendingTable::slot_of(uint64_t hash, uint32_t id) const {
    const uint32_t want = tag(hash) | (id + 1), key_mask = tag_mask_ | id_mask_;
    size_t i = home(hash);
    while ((index_[i] & key_mask) != want) i = next(i);
    return i;
}

void PendingTable::remove_slot(size_t hole) {
    // Backward-shift deletion: pull the rest of the run back by one until a
    // member sits at its home (or the run ends), so that no tombstone is
    // needed. Only a saturated distance makes it read an entry.
    for (size_t j = next(hole);; j = next(j)) {
        const uint32_t s = index_[j];
        if (s == 0) break;
        const size_t d = dist_at(s, j);
        if (d == 0) break;
        index_[hole] = with_dist(s, d - 1);
        hole = j;
    }
    index_[hole] = 0;
}

void PendingTable::find_pair(uint64_t tuple, uint64_t partner, PendingSyn** own, PendingSyn** other) {
    *own = *other = nullptr;
    const uint64_t h = mix(tuple);  // == mix(partner)
    const uint32_t want = tag(h);
    for (size_t i = home(h), dist = 0;; i = next(i), ++dist) {
        const uint32_t s = index_[i];
        if (s == 0) return;
        if ((s & tag_mask_) == want) {
            PendingSyn& e = at((s & id_mask_) - 1);
            if (e.tuple == tuple) *own = &e;
            if (e.tuple == partner) *other = &e;
            if (*own != nullptr && *other != nullptr) return;
        }
        // A member nearer its home than `dist` would have been displaced by
        // the tuple: it is not there. (A saturated distance proves nothing.)
        if (dist_of(s) < std::min<size_t>(dist, dist_sat_)) return;
    }
}

PendingSyn* PendingTable::find(uint64_t tuple) {
    PendingSyn *e, *same;
    find_pair(tuple, tuple, &e, &same);
    return e;
}

uint32_t PendingTable::pick_victim() {
    // Among the next few entries the hand passes, an answered handshake
    // (kept only to pair SYN+ACK retransmissions) goes first, then the oldest
    // unanswered SYN: an approximation of LRU that costs O(1). The entries
    // are contiguous, so this reads a few cache lines.
    const size_t n = std::min<size_t>(8, size_);
    uint32_t victim = 0;
    for (size_t k = 0; k < n; ++k) {
        if (hand_ >= size_) hand_ = 0;
        const auto id = static_cast<uint32_t>(hand_++);
        if (k == 0) {
            victim = id;
            continue;
        }
        const PendingSyn& s = at(id);
        const PendingSyn& v = at(victim);
        const bool s_done = s.has(bits(PendingState::Answered)), v_done = v.has(bits(PendingState::Answered));
        if ((s_done && !v_done) || (s_done == v_done && s.handshake < v.handshake)) victim = id;
    }
    // The next window, for the next eviction of a flood.
    for (size_t k = 0, i = hand_; k < n; ++k, ++i) prefetch_line(&at(static_cast<uint32_t>(i < size_ ? i : i - size_)));
    return victim;
}

PendingSyn* PendingTable::insert(uint64_t tuple) {
    const uint64_t h = mix(tuple);
    const uint32_t want = tag(h);
    size_t pos = home(h), dist = 0;
    for (;; pos = next(pos), ++dist) {
        const uint32_t s = index_[pos];
        if (s == 0) break;
        if ((s & tag_mask_) == want) {
            PendingSyn& e = at((s & id_mask_) - 1);
            if (e.tuple == tuple) return &e;
        }
        if (dist_at(s, pos) < dist) break;  // where Robin Hood puts it
    }

    if (size_ >= capacity_) {
        // The newcomer takes the victim's id: no entry moves.
        const uint32_t id = pick_victim();
        PendingSyn& e = at(id);
        // An answered one loses nothing but the pairing of a very late
        // SYN+ACK retransmission: not counted.
        if (!e.has(bits(PendingState::Answered))) ++evictions_;
        remove_slot(slot_of(mix(e.tuple), id));
        e = PendingSyn{};
        e.tuple = tuple;
        place(h, id);  // the deletion may have shifted the probe run
        return &e;
    }

    const auto id = static_cast<uint32_t>(size_);
    if ((size_ + 1) * 8 > slot_count_ * 7 && slot_count_ < max_slots_) {
        // Growth costs a rebuild (reading every entry), so the step is as
        // large as the 64-byte bound allows: just grown, the index costs
        // 4 / (7/8) * (1 + step) bytes per entry, next to the entry (58), the
        // slack of the last chunk (< 0.23 past 2^14 entries, < 1856 bytes
        // below) and the chunk directory (< 0.28, < 0.15 past 2^16 entries):
        // a step of 1/8 (5.14 bytes) while small, 1/5 (5.49) past 2^16.
        const size_t divisor = size_ < (size_t{1} << 16) ? 8 : 5;
        size_t n = slot_count_;
        while ((size_ + 1) * 8 > n * 7 && n < max_slots_)
            n = std::min(max_slots_, n + std::max<size_t>(n / divisor, 1));
        rebuild(n);
        place(h, id);
    } else {
        shift_in(pos, dist, want | (id + 1));
    }
    if (id == allocated_) add_chunk();
    PendingSyn& e = at(id);
    e = PendingSyn{};
    e.tuple = tuple;
    ++size_;
    return &e;
}

void PendingTable::erase(PendingSyn* entry) {
    const uint64_t h = mix(entry->tuple);
    const uint32_t want = tag(h);
    size_t pos = home(h);
    uint32_t id;
    for (;; pos = next(pos)) {
        const uint32_t s = index_[pos];
        id = (s & id_mask_) - 1;
        // Compare addresses: no other entry is read.
        if (s != 0 && (s & tag_mask_) == want && &at(id) == entry) break;
    }
    // Keep the ids dense: the last entry moves into the erased one's place
    // and its slot (found by value, no entry read) is repointed.
    const auto last = static_cast<uint32_t>(size_ - 1);
    if (id != last) {
        const PendingSyn& moved = at(last);
        const size_t p = slot_of(mix(moved.tuple), last);
        index_[p] = (index_[p] & ~id_mask_) | (id + 1);
        at(id) = moved;
    }
    remove_slot(pos);
    --size_;
    if (hand_ > size_) hand_ = size_;
    release_chunks();
}

void PendingTable::prefetch(uint64_t tuple) const { prefetch_line(&index_[home(mix(tuple))]); }

void PendingTable::prefetch_entry(uint64_t tuple) const {
    // The first slot of the run with the key's tag: in a table at most 7/8
    // full it is nearly always the entry a lookup will read.
    const uint64_t h = mix(tuple);
    const uint32_t want = tag(h);
    for (size_t i = home(h), dist = 0; dist <= dist_sat_; i = next(i), ++dist) {
        const uint32_t s = index_[i];
        if (s == 0 || dist_of(s) < std::min<size_t>(dist, dist_sat_)) return;
        if ((s & tag_mask_) == want) {
            // 58 bytes at 2-byte alignment may span two cache lines.
            const auto* e = reinterpret_cast<const char*>(&at((s & id_mask_) - 1));
            prefetch_line(e);
            prefetch_line(e + sizeof(PendingSyn) - 1);
            return;
        }
    }
}

void PendingTable::reserve(size_t entries) {
    const size_t slots = std::min(entries, capacity_) * kReservedSlotsNum / kReservedSlotsDen;
    if (slots > slot_count_) rebuild(slots);
}

void PendingTable::clear() {
    chunks_.clear();
    chunks_.shrink_to_fit();
    allocated_ = 0;
    size_ = 0;
    hand_ = 0;
    rebuild(std::min(kInitialSlots, max_slots_));
}

}  // namespace middlebox
