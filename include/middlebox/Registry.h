// The middlebox registry: handshakes grouped by server endpoint (the SYN's
// destination address and port), summarised into what the reports and the
// GUI dialog show. Fed by the Middlebox tap (one event per SYN, SYN+ACK or
// RST frame that passed the listener's filter); the numbers are computed
// from the correlator's final records when asked, so a first pass, a
// second pass (tshark -2) and a GUI retap give the same counts.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "middlebox/Correlator.h"
#include "middlebox/Segment.h"
#include "middlebox/Verdict.h"

namespace middlebox {

struct ServerSummary {
    Address address;
    uint16_t port = 0;
    uint32_t handshakes = 0;          // distinct handshakes towards this endpoint
    uint32_t synacks = 0;             // handshakes answered by a SYN+ACK
    uint32_t verdicts[kVerdictCount] = {};
    std::vector<uint64_t> echoed_keys;  // distinct MP_CAPABLE keys returned to their sender
    bool echoed_keyless = false;        // a keyless (v1 SYN form) MP_CAPABLE returned
    bool echoed_kinds[256] = {};        // option kinds copied byte for byte (evidence)
    uint8_t min_hops = 0xff, max_hops = 0;  // estimated hops of its SYN+ACKs
    uint32_t hop_mismatches = 0;        // SYN+ACK TTL differs from the server's later segments
    uint32_t first_evidence_frame = 0;  // first SYN+ACK proving an echo; 0: none
    uint32_t first_synack_frame = 0;
    std::vector<uint32_t> handshake_indices;  // in first-frame order

    uint32_t echoes() const {
        return verdicts[static_cast<int>(Verdict::MptcpEcho)] + verdicts[static_cast<int>(Verdict::OptionEcho)];
    }
    bool suspect() const { return echoes() > 0; }
};

// Deployment-study totals: of the SYN+ACKs that carried MP_CAPABLE, how many
// were genuine and how many echoes; likewise for unknown options.
struct Totals {
    uint32_t servers = 0;
    uint32_t suspect_servers = 0;
    uint32_t handshakes = 0;
    uint32_t synacks = 0;
    uint32_t verdicts[kVerdictCount] = {};
    uint32_t synacks_with_mp_capable = 0;
    uint32_t mp_capable_genuine = 0;
    uint32_t mp_capable_echoed = 0;
    uint32_t synacks_with_unknown_option = 0;  // SYN+ACKs carrying a kind no genuine server copies
    uint32_t unknown_option_echoed = 0;        // ... that is a byte-for-byte copy of the SYN's
    uint64_t evictions = 0;                    // pending SYNs dropped at the cap
    uint32_t hidden_frames = 0;  // handshake frames the listener never saw (filtered out)
};

class Registry {
public:
    // One tap event: `tuple` is the direction of the segment; `role` tells
    // whether it is the SYN's direction (Role::Syn) or the answer's.
    void add(uint32_t handshake, Role role, const FlowTuple& tuple, uint32_t frame);
    void clear();
    size_t handshake_count() const { return order_.size(); }

    // Rows sorted by address then port.
    std::vector<ServerSummary> summarize(const Correlator& c) const;
    static Totals totals(const Correlator& c, const std::vector<ServerSummary>& rows, const Registry& seen);

    // Whether the listener was handed this frame (to tell filtered-out ones).
    bool saw_frame(uint32_t frame) const;

private:
    struct Entry {
        Address address;
        uint16_t port;
    };
    std::unordered_map<uint32_t, Entry> by_handshake_;  // handshake -> server endpoint
    std::vector<uint32_t> order_;                       // handshakes in first-seen order
    std::vector<uint32_t> frames_seen_;  // taps deliver frames in order: stays sorted
};

// "10.0.0.2" / "2001:db8::1".
std::string address_text(const Address& a);

}  // namespace middlebox
