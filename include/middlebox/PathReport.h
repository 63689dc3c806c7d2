// `tshark -z middlebox,path[,text|json][,FILTER]`: what tracebox prints for
// the probes it sends, read back from a capture. For each probed target
// (client address, server address, server port), the probes in sweeps: a
// sweep is a run of SYNs whose TTL (hop limit) rises from frame to frame,
// as tracebox and traceroute-style scans send them; each probe's hop is its
// TTL as captured (the probe's TTL when the capture is the sender's). Per
// probe: the routers that quoted it in an ICMP error and what their quote
// shows against what was sent, or its answer (SYN+ACK with its verdict and
// distance, RST), or nothing. Per sweep, the first hop at which each change
// appears. Per probe, its copies (a capture taken at several points of the
// path, Copies.h). Built from the correlator's records over the handshakes
// a Registry saw; no Wireshark header, so the scanner can write it too.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "middlebox/Correlator.h"
#include "middlebox/Registry.h"
#include "middlebox/ReportRequest.h"

namespace middlebox {

// An ICMP error quoting a probe.
struct PathQuote {
    uint32_t frame = 0;
    Address router;  // family 0: not known
    // The quote holds the TCP header only up to its first 8 bytes (RFC 792)
    // or without its options: it proves nothing about them.
    bool partial = false;
    // What changed before this hop, as middlebox.quote.diff's items less
    // the "=" ones; empty when the quote is the probe as sent (and not partial).
    std::vector<std::string> changes;
    std::vector<bool> first;  // per change: the sweep shows it at no lower hop
};

struct PathCopy {
    uint32_t frame = 0;
    uint32_t first_frame = 0;
    Role role = Role::Syn;
    uint8_t ttl_delta = 0;
    uint8_t first_ttl = 0;             // of the copy it is set against
    std::string diff;                  // middlebox.copy.diff
    std::vector<std::string> changes;  // its items less the "=" ones
    bool changed = false;
    bool rewritten_on_path = false;
    Verdict first_verdict = Verdict::None;
    Verdict verdict_here = Verdict::None;
};

struct PathProbe {
    uint8_t hop = 0;  // the SYN's TTL as captured
    uint32_t syn_frame = 0;
    uint32_t handshake = 0;
    std::vector<PathQuote> quotes;  // in frame order
    // The answer: Role::SynAck, Role::Rst, or Role::Syn for none.
    Role answer = Role::Syn;
    uint32_t answer_frame = 0;
    Verdict verdict = Verdict::None;
    uint8_t answer_hops = 0;       // estimated, from the answer's TTL
    std::vector<PathCopy> copies;  // of this probe's SYN and SYN+ACK
};

// Where a change was first seen in a sweep.
struct PathChange {
    std::string change;  // the item at that hop ("-MP_CAPABLE", "~MSS 1460 -> 1360")
    uint8_t hop = 0;
    Address router;
    uint32_t frame = 0;  // the ICMP error
};

struct PathSweep {
    Address client;
    Endpoint server;
    std::string probe;                // the first probe's option names, "MSS,SACK_PERM,TS,WS,MP_CAPABLE"
    std::vector<PathProbe> probes;    // in frame order, TTL rising
    std::vector<PathChange> changes;  // in hop order
};

// Every sweep of the handshakes `seen` holds that have a SYN, by target
// (client, server, port as addresses sort), then by first frame.
std::vector<PathSweep> path_sweeps(const Correlator& c, const Registry& seen);

// The key a change is known by along a sweep: its sign and option name
// ("-MP_CAPABLE", "~MSS"), whatever values it carries at each hop.
std::string change_key(const std::string& item);

// How the path report spells things, for every view of it (the text form,
// the dialog's Path view):
// "10.77.1.2 -> 10.77.5.2:8080, probe MSS,SACK_PERM,TS,WS,MP_CAPABLE, 5 probes"
std::string path_sweep_text(const PathSweep& s);
// "ICMP 8 from 10.77.4.2: ~MSS 1460 -> 1360 *-MP_CAPABLE" (* first in the sweep), "...: =",
// "...: partial (the quote ends before the options)"
std::string path_quote_text(const PathQuote& q);
// "SYN+ACK 10: mptcp-absent, 4 hops away", "RST 12", "nothing" (no quote
// either), "" (quoted, not answered)
std::string path_answer_text(const PathProbe& p);
// "copy of SYN 1 in frame 2, 1 hop on: -MP_CAPABLE", with " [rewritten on
// the path: mptcp-genuine where first seen, mptcp-echo here]"
std::string path_copy_text(const PathCopy& c);
// "-MP_CAPABLE at hop 4 (10.77.4.2, frame 8)"
std::string path_change_text(const PathChange& c);

// Text: a header, per sweep its target and one line per probe (and per
// quote, per copy), then where each change first appears; the notes.
void write_path_text(std::ostream& out, const std::vector<PathSweep>& sweeps, const Totals& t, const ReportRequest& r);
// JSON: {"report": "middlebox-path", "version", "filter", "sweeps": [...], "notes": [...]}.
void write_path_json(std::ostream& out, const std::vector<PathSweep>& sweeps, const Totals& t, const ReportRequest& r);

}  // namespace middlebox
