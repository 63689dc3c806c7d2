// The rows of a scoped report (ReportScope.h: only answered, only
// suspects) built while a streaming correlator retires handshakes, so that
// memory follows the servers that answered with a SYN+ACK, not the SYNs: a
// scan's silent servers (most of them) leave no per-server state, only
// their place in the totals. middlebox-scan --only drives it.
//
// A server's row is made when one of its handshakes is answered by a
// SYN+ACK; every handshake of that server retired from then on is folded
// into it. A handshake of that server retired before (a probe that went
// unanswered and ended its pending state before a later probe was
// answered: minutes apart, or more than --max-pending handshakes between)
// is in the totals only.
#pragma once

#include <cstdint>
#include <deque>
#include <ostream>
#include <unordered_map>
#include <vector>

#include "middlebox/Correlator.h"
#include "middlebox/Registry.h"
#include "middlebox/ReportFormat.h"
#include "middlebox/ReportRequest.h"

namespace middlebox {

class AnsweredRows {
public:
    explicit AnsweredRows(const ReportRequest& r) : request_(r) {}

    // Right after the observe() that paired a SYN+ACK with handshake
    // `index` (its pair is still readable then): its server gets a row,
    // with what the SYN+ACK copied.
    void answered(const Correlator& c, uint32_t index);
    // A handshake the correlator retires (expire_before()'s callback):
    // into the totals, and into its server's row if it has one.
    void retired(const Correlator& c, uint32_t index);
    // The report: the rows in scope in the report's order, the totals, the
    // notes (or the pairs form's lines). `expired_early`: c.expired() when
    // the input ended, before the last handshakes were retired.
    void write(std::ostream& out, const Correlator& c, uint64_t expired_early) const;

    size_t rows() const { return rows_.size(); }

private:
    // A server endpoint as the report orders them (ServerOrder.h's key).
    struct Key {
        uint64_t hi = 0, lo = 0;
        uint32_t tail = 0;
        bool operator==(const Key& o) const { return hi == o.hi && lo == o.lo && tail == o.tail; }
        bool operator<(const Key& o) const { return hi != o.hi ? hi < o.hi : lo != o.lo ? lo < o.lo : tail < o.tail; }
    };
    struct KeyHash {
        size_t operator()(const Key& k) const {
            uint64_t h = k.hi * 0x9e3779b97f4a7c15ull ^ k.lo * 0xc2b2ae3d27d4eb4full ^ k.tail;
            return static_cast<size_t>(h ^ (h >> 29));
        }
    };
    static Key key_of(const Correlator& c, uint32_t index);
    // One bit per hash of a server with a row: most retired handshakes are
    // a silent server's, and a clear bit spares them the map look-up. At
    // least 2 MiB, and at least 32 bits per row, so that few silent
    // handshakes pass it however many servers answered. Handshakes retire
    // in index order: the bit of each is fetched kAhead handshakes early,
    // so that its cache miss is over when it is read.
    static constexpr unsigned kFilterMinBits = 24;
    static constexpr uint32_t kAhead = 16;
    static uint64_t filter_hash(const Endpoint& server);
    size_t filter_word(uint64_t h) const { return static_cast<size_t>(h >> (64 - filter_bits_)) >> 6; }
    uint64_t filter_mask(uint64_t h) const { return uint64_t{1} << ((h >> (64 - filter_bits_)) & 63); }
    void grow_filter();
    // The hash of handshake `index`, the next kAhead handshakes' fetched.
    uint64_t look_ahead(const Correlator& c, uint32_t index);
    unsigned filter_bits_ = kFilterMinBits;
    std::vector<uint64_t> filter_ = std::vector<uint64_t>(size_t{1} << (kFilterMinBits - 6));
    uint64_t ahead_[kAhead] = {};
    uint32_t ahead_end_ = 0;  // handshakes below it (and from the last retired on) have their hash in ahead_

    // The row of each handshake a SYN+ACK answered, by index from base_
    // (null for the others) until it retires: its row without a look-up.
    // Rows never move (a node map).
    ServerSummary* take_answered_row(uint32_t index);
    std::deque<ServerSummary*> answered_rows_;
    uint32_t base_ = 0;

    const ReportRequest& request_;
    std::unordered_map<Key, ServerSummary, KeyHash> rows_;
    std::vector<PairLine> pairs_;  // the pairs form's lines in scope
    StudyCounts counts_;
    uint32_t syn_proxies_ = 0;
};

}  // namespace middlebox
