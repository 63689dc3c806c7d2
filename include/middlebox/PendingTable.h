// Handshakes waiting for (or just given) their answer, keyed by the SYN's
// direction. One entry is one 64-byte cache line, the SYN's options included,
// so the state of a scan of millions of servers stays predictable:
// capacity * 64 bytes, whatever the capture holds.
//
// Open addressing with linear probing and backward-shift deletion (no
// tombstones), load factor at most 3/4: the table starts small and doubles up
// to the slots the cap needs, so a small capture costs little. When the cap
// is reached, one of a few entries swept by a clock hand is dropped (an
// answered one first, else the oldest) and counted. insert() may move entries: pointers from find() do not
// survive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "middlebox/TcpOptions.h"

namespace middlebox {

struct PendingSyn {
    uint64_t tuple = 0;   // FlowTuple::fingerprint() of the SYN; 0 = empty slot
    uint32_t seq = 0;     // the SYN's sequence number
    uint32_t frame = 0;   // latest copy of the SYN
    uint32_t handshake = 0;  // index of its Handshake record
    uint8_t ttl = 0;      // TTL / hop limit of the latest copy
    uint8_t state = 0;    // PendingState bits
    uint8_t options_captured = 0;
    uint8_t options_declared = 0;
    uint8_t options[kMaxOptionBytes] = {};
};
static_assert(sizeof(PendingSyn) == 64, "a pending handshake must fit one cache line");

enum PendingState : uint8_t {
    kAnswered = 0x01,      // a SYN+ACK or RST answered it
    kSimultaneous = 0x02,  // a SYN crossed it in the other direction
    kServerSeen = 0x04,    // a later server segment was seen (hop distance known)
};

class PendingTable {
public:
    explicit PendingTable(size_t capacity);

    size_t size() const { return size_; }
    size_t capacity() const { return capacity_; }
    size_t slots() const { return slots_.size(); }
    size_t bytes() const { return slots_.size() * sizeof(PendingSyn); }
    // Unanswered SYNs dropped at the cap (they end no-answer: counted, reported).
    uint64_t evictions() const { return evictions_; }
    // Answered handshakes dropped at the cap (nothing lost but the pairing of
    // a very late SYN+ACK retransmission).
    uint64_t reclaimed() const { return reclaimed_; }

    PendingSyn* find(uint64_t tuple);
    // Inserts or returns the existing entry for `tuple`. When the table is at
    // capacity an old entry is dropped first and copied to `*evicted` (if not
    // null); `*did_evict` tells whether that happened.
    PendingSyn* insert(uint64_t tuple, PendingSyn* evicted, bool* did_evict);
    void erase(PendingSyn* entry);
    void clear();

private:
    size_t index_of(uint64_t tuple) const { return static_cast<size_t>(tuple) & mask_; }
    PendingSyn* pick_victim();
    void grow();

    std::vector<PendingSyn> slots_;
    size_t mask_ = 0;
    size_t capacity_ = 0;
    size_t max_slots_ = 0;
    size_t size_ = 0;
    size_t hand_ = 0;  // sweeps the slots to pick eviction candidates
    uint64_t evictions_ = 0;
    uint64_t reclaimed_ = 0;
};

}  // namespace middlebox
