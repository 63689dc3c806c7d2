// One segment seen at several points of its path in one capture: a router
// captured with `tcpdump -i any` sees each packet on its way in and on its
// way out, and a client-side and a server-side capture merged with mergecap
// hold both ends. Such a copy has the 4-tuple, the sequence number and the
// SYN/ACK flags of the segment before it and a lower TTL (hop limit): it is
// the same segment, forwarded, not a retransmission. A sender's own
// retransmission leaves with the TTL it used before, and a loopback capture
// on `any` sees one packet twice at the same TTL: neither is a copy.
//
// Fed by the Correlator from its retransmission branches only (it already
// holds the handshake's pending entry there), so ordinary segments pay
// nothing; a chain (the copy before, per handshake and role) exists only
// once a copy was seen.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "middlebox/Role.h"
#include "middlebox/TcpOptions.h"
#include "middlebox/Verdict.h"

namespace middlebox {

// A segment as one capture point saw it: what a copy is set against.
struct SeenSegment {
    uint32_t frame = 0;
    uint8_t ttl = 0;
    StoredOptions options;

    OptionBlock block() const { return options.block(); }
    static SeenSegment of(uint32_t frame, uint8_t ttl, const OptionBlock& b);
};

struct Copy {
    uint32_t handshake = 0;
    Role role = Role::Syn;
    SeenSegment first;                      // the segment as seen first (the copy farthest upstream)
    SeenSegment seen;                       // this copy
    Verdict first_verdict = Verdict::None;  // the handshake's, decided at the first copy
    // A SYN+ACK's copy set against the SYN as first seen (the capture point
    // nearest the client): its verdict there. Verdict::None for a SYN.
    Verdict verdict_here = Verdict::None;
    // The SYN+ACK was no echo where it was first seen (the server's side)
    // and is one here: a box between the two points rewrote it.
    bool rewritten_on_path = false;

    uint32_t frame() const { return seen.frame; }
    uint32_t first_frame() const { return first.frame; }
    uint8_t ttl_delta() const { return static_cast<uint8_t>(first.ttl - seen.ttl); }
    // The copy's options set against the first's, in middlebox.diff's notation.
    std::string diff() const;
    // Its items less the "=" ones: what changed between the two points.
    std::vector<std::string> changes() const;
    bool changed() const;
};

class Copies {
public:
    // A later segment of `handshake`'s `role` with the sequence number and
    // flags of the one before. `before` is what the correlator kept of the
    // segment before it (used while no copy of this role was seen). Returns
    // the copy when its TTL is below the previous one's, else nullptr (a
    // retransmission: it becomes the segment later copies are set against).
    // `syn` is the SYN as first seen, for a SYN+ACK's copy (nullptr: none);
    // `first_verdict` the verdict its first copy got.
    const Copy* observe(uint32_t handshake, Role role, uint32_t frame, uint8_t ttl, const OptionBlock& options,
                        const SeenSegment& before, const SeenSegment* syn, Verdict first_verdict);

    // False when observe() would do nothing: a segment whose TTL is not below
    // `before_ttl` while no copy was ever seen (every retransmission of a
    // capture taken at one point). Lets the caller skip building `before`.
    bool may_matter(uint8_t ttl, uint8_t before_ttl) const { return ttl < before_ttl || !chains_.empty(); }

    // The first-seen SYN of a handshake whose SYN had copies, or nullptr.
    const SeenSegment* first_syn(uint32_t handshake) const;

    const Copy* lookup(uint32_t frame) const;
    const std::vector<Copy>& all() const { return copies_; }  // in frame order
    bool empty() const { return copies_.empty(); }
    // Drops the copies recorded for `frame` (a renumbered frame, Correlator::advance).
    void unlink(uint32_t frame);
    // `handshake` has left the pending table (Correlator::expire_before): no
    // later segment can be its copy, so its chains go.
    void retire(uint32_t handshake) {
        if (chains_.empty()) return;
        chains_.erase(key(handshake, Role::Syn));
        chains_.erase(key(handshake, Role::SynAck));
    }
    // A streaming correlator's caller has read every copy it was handed.
    void forget_copies() { copies_.clear(); }

private:
    struct Chain {
        SeenSegment origin;  // the segment later copies are set against
        uint8_t last_ttl = 0;
    };
    static uint64_t key(uint32_t handshake, Role role) { return uint64_t{handshake} << 2 | static_cast<uint8_t>(role); }

    std::unordered_map<uint64_t, Chain> chains_;
    std::vector<Copy> copies_;
};

}  // namespace middlebox
