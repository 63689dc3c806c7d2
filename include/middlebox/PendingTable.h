// Handshakes waiting for (or just given) their answer, keyed by the SYN's
// direction. A scan of millions of servers keeps up to the cap of them, so
// the table is built to cost at most 64 bytes per pending handshake, index
// included, at every size from 4096 entries up to the cap (bytes() <= 64 *
// size() while it grows; about 62.6 bytes at the cap), whatever the capture
// holds:
//
//  - An entry is 58 bytes (packed, 2-byte aligned): only what the pending
//    state alone knows. The SYN's frame and TTL live in the Correlator's
//    Handshake record, which the entry names.
//  - Entries are stored densely, ids 0..size()-1, in chunks allocated as the
//    table grows and freed as it shrinks. A chunk holds 32 entries below 2^14
//    entries and 1/256 of the entries before it above, so the one partly
//    used chunk wastes little (< 1856 bytes, then < 0.23 byte per entry) and
//    the chunk directory stays a few KiB. erase() moves the last entry into
//    the hole.
//  - An index of 32-bit slots maps a tuple to its entry id (hashed without
//    its lowest bit, so that both directions of a connection share a probe
//    run: find_pair()): Robin Hood
//    linear probing with backward-shift deletion (no tombstones). A slot
//    holds id + 1 in its low bits; the bits the cap leaves free (12 at the
//    default 1M) hold the probe distance (up to 5 bits, saturating) and a tag
//    of the tuple's hash. The tag rejects other tuples without reading their
//    entry; the distance ends a failed lookup early and lets a deletion
//    shift the run back without reading entries. The index is kept at most
//    7/8 full and grows by 1/8 (1/5 past 2^16 entries), rebuilt from the
//    dense entries: 4.6 to 5.5 bytes per entry. A bigger step would break
//    the 64-byte bound right after a growth; a smaller one rebuilds more.
//
// When the cap is reached, one of the next 8 entries (by id) a clock hand
// passes is dropped: an answered one first, else the oldest (smallest
// handshake index), and counted; the newcomer takes its id. Pointers from
// find() or insert() do not survive a later insert() or erase(): entries move.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "middlebox/Flags.h"
#include "middlebox/TcpOptions.h"

namespace middlebox {

// PendingSyn's state (bits()).
enum class PendingState : uint8_t {
    Answered = 0x01,      // a SYN+ACK or RST answered it
    Simultaneous = 0x02,  // a SYN crossed it in the other direction
    ServerSeen = 0x04,    // the server's data segments were sampled (Handshake::kServerSamples)
    RstAnswered = 0x08,   // ... an RST: a SYN+ACK that acknowledges the SYN still pairs with it
};

// Packed to 2-byte alignment so that an entry is 58 bytes, not 64: never take
// the address of (or bind a reference to) `tuple`, `seq` or `handshake`.
#pragma pack(push, 2)
struct PendingSyn {
    static constexpr unsigned kStateMask = 0xfu;

    uint64_t tuple = 0;      // FlowTuple::fingerprint() of the SYN
    uint32_t seq = 0;        // the SYN's sequence number
    uint32_t handshake = 0;  // index of its Handshake record (frame and TTL are there)
    uint16_t bits = 0;       // state (4 bits) | options captured << 4 | declared << 10
    // The SYN's options, raw: a StoredOptions (its lengths in two more
    // bytes, which `bits` holds here) would make the entry 60 bytes and
    // break the 64-byte bound. stored_options() is the value the core uses.
    uint8_t options[kMaxOptionBytes] = {};

    uint8_t state() const { return static_cast<uint8_t>(bits & kStateMask); }
    bool has(uint8_t state_bits) const { return (bits & state_bits & kStateMask) != 0; }
    void set_state(uint8_t state_bits) {
        bits = static_cast<uint16_t>((bits & ~kStateMask) | (state_bits & kStateMask));
    }
    void add_state(uint8_t state_bits) { bits = static_cast<uint16_t>(bits | (state_bits & kStateMask)); }
    void clear_state(uint8_t state_bits) { bits = static_cast<uint16_t>(bits & ~(state_bits & kStateMask)); }
    uint8_t options_captured() const { return static_cast<uint8_t>((bits >> 4) & 0x3fu); }
    uint8_t options_declared() const { return static_cast<uint8_t>((bits >> 10) & 0x3fu); }
    // Both at most kMaxOptionBytes (40), which 6 bits hold.
    void set_options_length(size_t captured, size_t declared) {
        if (declared > kMaxOptionBytes) declared = kMaxOptionBytes;
        if (captured > declared) captured = declared;
        bits = static_cast<uint16_t>((bits & kStateMask) | (captured << 4) | (declared << 10));
    }
    StoredOptions stored_options() const { return StoredOptions::raw(options, options_captured(), options_declared()); }
};
#pragma pack(pop)
static_assert(sizeof(PendingSyn) == 58, "a pending handshake is 58 bytes, so that with its index slot it fits 64");

class PendingTable {
public:
    // The index slot keeps id + 1 in 31 bits at most.
    static constexpr size_t kMaxCapacity = 0x7fffffff;
    // reserve()'s index slots per entry: 58 + 4 * 23 / 16 = 63.75 bytes,
    // the rest of the 64 left to the chunk directory.
    static constexpr size_t kReservedSlotsNum = 23, kReservedSlotsDen = 16;

    explicit PendingTable(size_t capacity);  // clamped to 1..kMaxCapacity

    size_t size() const { return size_; }
    size_t capacity() const { return capacity_; }
    size_t slots() const { return slot_count_; }
    // Everything the table holds allocated: entry chunks, chunk directory,
    // index, and the object itself (not the allocator's own headers).
    size_t bytes() const;
    // Unanswered SYNs dropped at the cap (they end no-answer: counted, reported).
    uint64_t evictions() const { return evictions_; }

    PendingSyn* find(uint64_t tuple);
    // Keys that differ only in their lowest bit (a connection's two
    // directions, FlowTuple::fingerprint()) share a probe run, so one probe
    // finds both: the entry of `tuple` and that of `partner`, which must be
    // `tuple` or `tuple ^ 1`. Either may be null.
    void find_pair(uint64_t tuple, uint64_t partner, PendingSyn** own, PendingSyn** other);
    // Inserts or returns the existing entry for `tuple`; a new entry is zero
    // but for its tuple. When the table is at capacity an old entry is
    // dropped first (counted in evictions() if it was unanswered).
    PendingSyn* insert(uint64_t tuple);
    // `entry` must come from find() or insert() with no insert() or erase() since.
    void erase(PendingSyn* entry);

    // Hints for a caller that knows its next keys a few lookups ahead (the
    // scanner's ring of decoded frames): each lookup costs a cache miss on
    // the index slot and another on the entry, and issued early they
    // overlap instead of queueing. prefetch() fetches the slot of `tuple`
    // (both directions share it); prefetch_entry(), issued once that slot
    // has arrived, reads it and fetches the entry its tag points at. Neither
    // changes anything a lookup sees.
    void prefetch(uint64_t tuple) const;
    void prefetch_entry(uint64_t tuple) const;
    // Sizes the index for `entries` (clamped to the cap) at once, so that
    // filling the table rebuilds nothing, and as large as the 64-byte bound
    // allows at that size (kReservedSlotsNum / kReservedSlotsDen slots per
    // entry: 70% full at most). A table kept full, as a scan keeps it, spends
    // its time shifting probe runs on every insert and erase, and with
    // linear probing a run grows as 1 / (1 - load)^2: about 32 slots at 7/8
    // full, 6 at 70%. The bound then holds only from about that many entries
    // on. For a caller that expects to fill the table (a scan).
    void reserve(size_t entries);
    void clear();

private:
    PendingSyn& at(uint32_t id) const;
    size_t home(uint64_t hash) const {
        // Fast range reduction: the top 32 hash bits scaled to the slot
        // count (below 2^32), no power-of-two size needed.
        return static_cast<size_t>(((hash >> 32) * static_cast<uint64_t>(slot_count_)) >> 32);
    }
    uint32_t tag(uint64_t hash) const { return static_cast<uint32_t>(hash) & tag_mask_; }
    size_t next(size_t i) const { return i + 1 == slot_count_ ? 0 : i + 1; }
    // Probe distance kept in a slot's top bits, saturated: dist_sat_ means
    // "at least that, read the entry".
    size_t dist_of(uint32_t slot) const { return static_cast<size_t>(uint64_t{slot} >> dist_shift_); }
    uint32_t with_dist(uint32_t slot, size_t dist) const {
        const uint64_t d = dist < dist_sat_ ? dist : dist_sat_;
        return static_cast<uint32_t>((slot & (tag_mask_ | id_mask_)) | (d << dist_shift_));
    }
    // The exact probe distance of the member in slot i (reads its entry
    // only when the slot's distance is saturated).
    size_t dist_at(uint32_t slot, size_t i) const;
    void shift_in(size_t i, size_t dist, uint32_t carry);
    void place(uint64_t hash, uint32_t id) { shift_in(home(hash), 0, tag(hash) | (id + 1)); }
    size_t slot_of(uint64_t hash, uint32_t id) const;
    void remove_slot(size_t pos);
    uint32_t pick_victim();
    void rebuild(size_t slot_count);
    void add_chunk();
    void release_chunks();

    std::vector<std::unique_ptr<PendingSyn[]>> chunks_;  // entry storage, by id
    size_t allocated_ = 0;                               // entries the chunks hold room for
    std::unique_ptr<uint32_t[]> index_;                  // 0: empty, else dist | tag | (id + 1)
    size_t slot_count_ = 0;
    size_t max_slots_ = 0;
    uint32_t id_mask_ = 0;      // low bits: id + 1
    uint32_t tag_mask_ = 0;     // middle bits: hash tag
    unsigned dist_shift_ = 32;  // top bits from here: probe distance
    uint32_t dist_sat_ = 0;
    size_t capacity_ = 0;
    size_t size_ = 0;
    size_t hand_ = 0;  // sweeps the entry ids to pick eviction candidates
    uint64_t evictions_ = 0;
};

}  // namespace middlebox
