// The middlebox registry: a view's record of which handshakes (and frames)
// reached it, and the rows it shows: those handshakes grouped by server
// endpoint (the SYN's destination address and port). Fed by the Middlebox
// tap (one event per frame of a handshake that passed the listener's
// filter). Everything else is read from the correlator's handshake table
// when asked: endpoints, verdicts, facts; so a first pass, a second pass
// (tshark -2) and a GUI retap give the same counts.
#pragma once

#include <bitset>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "middlebox/Correlator.h"
#include "middlebox/Describe.h"
#include "middlebox/Segment.h"
#include "middlebox/Verdict.h"

namespace middlebox {

struct ServerSummary {
    Endpoint server;          // the SYNs' destination address and port
    uint32_t handshakes = 0;  // distinct handshakes towards this endpoint
    uint32_t synacks = 0;     // handshakes answered by a SYN+ACK
    uint32_t verdicts[kVerdictCount] = {};
    std::vector<uint64_t> echoed_keys;      // distinct MP_CAPABLE keys returned to their sender
    bool echoed_keyless = false;            // a keyless (v1 SYN form) MP_CAPABLE returned
    std::bitset<256> echoed_kinds;          // option kinds copied byte for byte (evidence)
    bool echoed_flags = false;              // the SYN's ECN-setup flags returned (flag reflection)
    uint8_t min_hops = 0xff, max_hops = 0;  // estimated hops of its SYN+ACKs
    uint32_t hop_mismatches = 0;            // SYN+ACKs from another distance than the server's data
    uint32_t syn_proxies = 0;               // ... from nearer: a box answered for the server (SYN proxy)
    uint32_t first_evidence_frame = 0;      // first SYN+ACK proving an echo; 0: none
    uint32_t first_synack_frame = 0;
    std::vector<uint32_t> handshake_indices;  // in first-frame order
    // "echoed" above lists what the SYN+ACKs copied from their SYNs (the
    // evidence), whatever verdict the precedence picked; simultaneous opens,
    // whose SYN+ACKs repeat their own side's options, never count.

    uint32_t echoes() const { return echo_count(verdicts); }
    bool suspect() const { return is_suspect(verdicts); }
};

// Deployment-study counts: of the SYN+ACKs that carried MP_CAPABLE, how many
// were genuine and how many echoes; likewise for unknown options. Shared by
// the end-of-file Totals and the RunningTally of the Statistics table.
struct StudyCounts {
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
    uint32_t against_probe = 0;                // SYN+ACKs without their SYN, set against the probe template
};

// What one handshake adds to the counts: itself, its verdict, its SYN+ACK
// and that SYN+ACK's facts (HandshakeFacts). `sign` -1 takes back what it
// added before (a running count whose handshake's verdict changed).
// count_facts() is the facts alone, for counts whose handshakes and
// verdicts come from the rows (Registry::finish_totals).
void count_facts(StudyCounts* n, uint8_t facts, bool against_probe, int sign = 1);
void count_handshake(StudyCounts* n, Verdict verdict, uint8_t facts, bool against_probe, int sign = 1);
inline void count_handshake(StudyCounts* n, const Handshake& hs) {
    count_handshake(n, hs.verdict, hs.facts, hs.against_probe());
}

// The counts at the end of a file, and what the report could not see.
struct Totals : StudyCounts {
    uint64_t evictions = 0;  // pending SYNs dropped at the cap
    // Unanswered handshakes a streaming correlator retired before the end
    // of the input (Correlator::expired() then, not after the last
    // retirement); 0 for a whole-capture analysis.
    uint64_t expired = 0;
    // The probe template the SYN+ACKs without a SYN were set against
    // (ProbeTemplate::text()); empty: none was given.
    std::string probe;
    // SYN+ACKs a box nearer than the server sent (Handshake::syn_proxy()):
    // what they carry is the box's. Not in StudyCounts: a one-pass running
    // count cannot know it when the SYN+ACK comes, only after the data.
    uint32_t syn_proxies = 0;
    uint32_t hidden_frames = 0;  // handshake frames the listener never saw (filtered out)
    // Handshake frames a read filter dropped after the analysis paired them
    // (tshark -2 -R): they count for the verdicts, links to them are omitted.
    uint64_t read_filtered_frames = 0;
    // Handshakes the analysis made of which the listener saw no frame at all:
    // not in the rows, not in the counts above.
    uint32_t hidden_handshakes = 0;
    // Signs that the frames the listener saw are not the frames the analysis
    // numbered (tshark -2 -R renumbers the frames that pass the read filter
    // after the analysis saw them all): the counts cannot be trusted.
    uint64_t out_of_order_frames = 0;  // Correlator::out_of_order()
    uint64_t inconsistent_events = 0;  // Registry::inconsistent_events()
    bool unreliable() const { return out_of_order_frames != 0 || inconsistent_events != 0; }
    // Frames a live capture lost before the analysis saw them (kernel
    // drops): a lost SYN+ACK turns an echo into no-answer.
    uint64_t kernel_drops = 0;
    bool reliable() const { return !unreliable() && kernel_drops == 0; }
};

class Registry {
public:
    // One tap event: a frame of handshake `handshake` reached the view.
    void add(uint32_t handshake, uint32_t frame);
    void clear();
    size_t handshake_count() const { return handshakes().size(); }

    // Rows in Endpoint order (by address then port). Without `with_handshakes` the rows'
    // handshake_indices stay empty (a report of a million servers needs no
    // vector per server).
    std::vector<ServerSummary> summarize(const Correlator& c, bool with_handshakes = true) const;
    // The same rows handed to `fn` one at a time, in the same order, with no
    // vector of them: a report streams a scan's million servers. The row is
    // reused for the next server: copy what must outlive the call.
    void visit(const Correlator& c, const std::function<void(const ServerSummary&)>& fn,
               bool with_handshakes = false) const;

    // The totals of all rows: add_row() for each row, then finish_totals()
    // (what the rows do not hold: option facts, hidden frames, evictions).
    static Totals totals(const Correlator& c, const std::vector<ServerSummary>& rows, const Registry& seen);
    static void add_row(Totals* t, const ServerSummary& row);
    static void finish_totals(Totals* t, const Correlator& c, const Registry& seen);

    // Every frame the listener was handed, ascending, each once.
    const std::vector<uint32_t>& frames_seen() const;

    // Handshakes the listener saw a frame of, in first-seen order.
    const std::vector<uint32_t>& handshakes() const {
        settle();
        return order_;
    }
    // Events that Correlator::fits() refused and the caller noted: the frame
    // numbers the tap sees are not the analysis's.
    uint64_t inconsistent_events() const { return inconsistent_; }
    void note_inconsistent_event() { ++inconsistent_; }

private:
    // An event as add() keeps it until it is settled.
    struct Event {
        uint32_t handshake = 0;
        uint32_t frame = 0;
    };
    // Events are appended as they come and settled into the tables below in
    // batches (or before any look-up): a scan's SYN+ACK comes thousands of
    // frames after its SYN, when the handshake's slot has long left the
    // cache under tshark's own work, but in a batch that slot was written a
    // few thousand events before. What the registry holds is the events
    // added; when they are settled is not visible, hence `mutable`.
    static constexpr size_t kBatch = 65536;
    void settle() const;
    mutable std::vector<Event> pending_;
    uint32_t last_frame_ = 0;
    bool any_frame_ = false;
    // Handshake index -> seen. Handshake indices are dense (the correlator
    // numbers them from 0), so a vector beats a hash set here.
    mutable std::vector<bool> seen_;
    mutable std::vector<uint32_t> order_;  // handshakes in first-seen order
    // Taps deliver frames in order, so this stays sorted; a caller that
    // feeds frames out of order gets it sorted on the next look-up.
    mutable std::vector<uint32_t> frames_seen_;
    mutable bool frames_sorted_ = true;
    uint64_t inconsistent_ = 0;
};

}  // namespace middlebox
