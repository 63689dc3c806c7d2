// The scanner's analysis: each frame decoded (FrameDecoder.h) and handed to
// the correlator, and the report of the whole input at the end, or, when
// streaming, each handshake's line as its verdict is final. Everything
// else is the core's: the Correlator, Registry and report writers that
// tshark -z middlebox uses, so the two agree byte for byte.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <ostream>
#include <string>
#include <utility>

#include "middlebox/AnsweredRows.h"
#include "middlebox/Correlator.h"
#include "middlebox/FrameDecoder.h"
#include "middlebox/Registry.h"
#include "middlebox/ReportRequest.h"
#include "middlebox/StreamReport.h"

namespace middlebox_scan {

struct ScanSettings {
    middlebox::ReportRequest request;  // the form and scope (--only)
    bool ndjson = false;               // --format ndjson
    size_t max_pending = 1000000;
    // A pending SYN (or answered handshake) ends after this much capture
    // time; 0: never (the report forms' default, as in tshark).
    int64_t timeout_us = 0;
    // --probe: what every probe carried, for SYN+ACKs without their SYN.
    bool has_probe = false;
    middlebox::ProbeTemplate probe;
};

class Scan {
public:
    Scan(const ScanSettings& settings, std::ostream& out);

    // One frame, in capture order; frame numbers count from 1 over all inputs.
    // It is decoded now and analysed kAhead - 1 frames later (or at flush()
    // or finish()).
    void frame(int linktype, const uint8_t* data, size_t caplen, int64_t time_us);
    // A segment decoded elsewhere (a line of zmap's CSV), reported as frame
    // `number` (its line: increasing, not necessarily by one); its options
    // are copied.
    void segment(const middlebox::Segment& seg, uint32_t number, int64_t time_us);
    // Sentences about the input for the report's notes (what its frame
    // numbers are, what could not be read), given before finish().
    void add_input_note(const std::string& note) { settings_.request.input_notes.push_back(note); }
    // A live capture's kernel drops, for the totals (before finish()).
    void set_kernel_drops(uint64_t n) {
        settings_.request.live = true;
        settings_.request.kernel_drops = n;
    }
    // The report (or the stream's last lines and totals).
    void finish();

    uint64_t frames() const { return frame_; }
    uint64_t outcome(middlebox::FrameOutcome o) const { return outcomes_[static_cast<int>(o)]; }
    size_t handshakes() const { return correlator_.handshake_count(); }
    uint64_t suspects() const { return suspects_; }
    // Streaming: lines are handed to the stream now (a live capture).
    void flush();

private:
    // A decoded frame waiting to be analysed, its option bytes copied out of
    // the reader's buffer (valid only until the next frame is read).
    struct Decoded {
        middlebox::Segment seg;
        middlebox::FrameOutcome outcome = middlebox::FrameOutcome::Segment;
        bool options_visible = false;
        middlebox::Address router;  // of an ICMP error
        int64_t time_us = 0;
        uint64_t fingerprint = 0;
        uint8_t options[middlebox::kMaxOptionBytes] = {};
    };
    // Frames are analysed this many frames after they are decoded: the
    // pending table's slot of each is prefetched as it is decoded and its
    // entry half-way, so that the two cache misses of a lookup are over when
    // the correlator gets there (a power of two).
    static constexpr uint32_t kAhead = 16;

    // The decoded frame `d` (the next slot of ahead_) joins the queue.
    void queue(Decoded& d, int64_t time_us, uint32_t number);
    void analyse(Decoded& d);
    void drain_ahead();
    void expire(int64_t now_us);
    void retire_before(uint32_t end);
    // Handshakes are retired and forgotten as the input goes (ndjson, or a
    // report scoped by --only: what is kept is the answered servers' rows).
    bool streaming() const { return stream_ || rows_; }

    ScanSettings settings_;
    std::ostream& out_;
    middlebox::Correlator correlator_;
    middlebox::Registry registry_;
    std::unique_ptr<middlebox::NdjsonWriter> stream_;
    std::unique_ptr<middlebox::AnsweredRows> rows_;
    Decoded ahead_[kAhead];
    uint32_t analysed_ = 0;  // frames handed to the correlator, of frame_ decoded
    uint32_t frame_ = 0;
    uint64_t outcomes_[middlebox::kFrameOutcomeCount] = {};
    uint64_t suspects_ = 0;  // handshakes paired as mptcp-echo or option-echo
    // (capture time, handshakes made by then), oldest first: when the first
    // is timeout_us old, the handshakes below its count have waited long
    // enough. One entry per 100 ms of capture at most.
    std::deque<std::pair<int64_t, uint32_t>> clock_;
    int64_t latest_us_ = 0;
};

}  // namespace middlebox_scan
