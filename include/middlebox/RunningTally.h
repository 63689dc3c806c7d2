// Counts kept up to date event by event, for consumers that have no hook at
// the end of a read (Wireshark's stat-tap tables draw what they hold). Each
// handshake's contribution is read again from the correlator's table
// whenever one of its frames reaches the tap, so a single pass converges to
// the same numbers as Registry::totals() (hop mismatches, SYN proxies and
// hidden frames excepted: they are not tracked here). Feeding the same event
// twice changes nothing.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "middlebox/Correlator.h"
#include "middlebox/Registry.h"

namespace middlebox {

class RunningTally {
public:
    using Counts = StudyCounts;

    // One tap event: a frame of `handshake` reached the tap. Returns true
    // when a count changed.
    bool add(const Correlator& c, uint32_t handshake);
    void clear();
    const Counts& counts() const { return counts_; }
    // The correlator the counts come from (a new file means a new one).
    const Correlator* source() const { return source_; }

private:
    struct Contribution {
        uint8_t verdict = 0;  // Verdict; 0 (None): not counted yet
        uint8_t facts = 0;    // HandshakeFacts
        bool against_probe = false;
        uint32_t server = 0;  // index into servers_
    };
    struct Server {
        uint32_t echoes = 0;
    };
    void apply(const Contribution& k, int sign);
    bool refresh(const Correlator& c, uint32_t handshake);

    const Correlator* source_ = nullptr;
    Counts counts_;
    std::vector<Contribution> by_handshake_;
    std::unordered_map<Endpoint, uint32_t, EndpointHash> server_index_;
    std::vector<Server> servers_;
    std::vector<uint32_t> unanswered_;  // handshakes counted as no-answer (may hold stale ones)
};

}  // namespace middlebox
