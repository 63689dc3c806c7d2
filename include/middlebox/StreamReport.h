// The NDJSON stream (middlebox-scan --format ndjson): for captures too
// large to summarise per server in memory, one JSON object per line, one
// line per handshake as soon as its verdict is final, then one totals line.
// Pure formatting over a streaming Correlator, like ReportFormat.h.
//
//   {"syn_frame": 1, "answer_frame": 2, "answer": "synack", "client": "192.0.2.10:46253",
//    "server": "198.51.100.208:80", "verdict": "option-echo", "hops": 17,
//    "diff": "=KIND222 f989", "echoed": "kind 222"}                      (one line)
//   {"totals": {"handshakes": ..., "synacks": ..., "verdicts": {...}, "mp_capable": {...},
//    "unknown_options": {...}, "syn_proxies": ..., "evictions": ..., "expired": ...},
//    "frames": {"tcp": ..., "not-tcp": ..., ...}}                          (the last line)
//
// A handshake's line comes when a SYN+ACK pairs with it, a RST answers it,
// or its pending state ends unanswered (no-answer, icmp-error); its
// "answer" is "synack", "rst" or null. The totals count every handshake
// once it is retired (then what its server's data later said, a SYN proxy,
// is known). They have no per-server counts: a set of a scan's servers
// would grow with the scan. With a scope (--only answered|suspects) only
// the handshakes it lists get a line, and the totals line says
// "only": "answered".
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "middlebox/Correlator.h"
#include "middlebox/Registry.h"
#include "middlebox/ReportScope.h"
#include "middlebox/TextBuffer.h"

namespace middlebox {

class NdjsonWriter {
public:
    // `scope`: which handshakes get a line (ReportScope.h); the totals
    // count every one.
    explicit NdjsonWriter(std::ostream& out, ReportScope scope = ReportScope::All) : out_(out), scope_(scope) {}
    ~NdjsonWriter() { flush(); }

    // The line of handshake `index`, whose verdict is final: right after
    // the observe() that answered it (its pair is read then), or from
    // Correlator::expire_before()'s callback for an unanswered one.
    void handshake(const Correlator& c, uint32_t index);
    // A retired handshake (expire_before()'s callback), into the totals.
    void count(const Correlator& c, uint32_t index);
    // The totals line. `frames`: what the input's frames were, by name;
    // `notes`: what the reader must know of the input (a "notes" array
    // when there are any).
    // `live`: a live capture, whose `kernel_drops` the totals then give,
    // with "reliable": false when any.
    void finish(const Correlator& c, const std::vector<std::pair<std::string_view, uint64_t>>& frames,
                const std::vector<std::string>& notes = {}, bool live = false, uint64_t kernel_drops = 0);
    // Hands what is buffered to the stream (a live capture's lines should
    // not wait for 64 KiB).
    void flush();

    const StudyCounts& counts() const { return counts_; }

private:
    std::ostream& out_;
    ReportScope scope_;
    TextBuffer buf_;
    StudyCounts counts_;
    uint32_t syn_proxies_ = 0;
};

}  // namespace middlebox
