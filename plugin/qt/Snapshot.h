// What the Suspected Middleboxes dialog shows, copied out of the plugin's
// Correlator and Registry in one go: plain values that stay valid after the
// capture file they came from is closed. No Qt here, so the snapshot and
// the display filters it implies are tested without a GUI.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "middlebox/Correlator.h"
#include "middlebox/Registry.h"
#include "middlebox/Segment.h"
#include "middlebox/Verdict.h"

namespace middlebox_qt {

// One handshake towards a server: a child row of the server.
struct HandshakeRow {
    uint32_t handshake = 0;
    bool client_known = false;
    middlebox::Address client;
    uint16_t client_port = 0;
    std::string client_text;  // "192.0.2.10" (empty when unknown)
    middlebox::Verdict verdict = middlebox::Verdict::None;
    uint32_t syn_frame = 0;     // the SYN copy the answer was paired with; 0: not captured
    uint32_t answer_frame = 0;  // SYN+ACK or RST; 0: unanswered
    bool answer_is_synack = false;
    int hops = -1;  // estimated hops of the SYN+ACK; -1: none
    int ttl = -1;
    bool hop_mismatch = false;
    bool syn_proxy = false;  // the SYN+ACK came from a box nearer than the server
    uint16_t syn_copies = 0;
    // No SYN in the capture: compared against the probe template instead
    // (syn_options then hold the template's options).
    bool against_probe = false;
    std::string echoed;          // what this SYN+ACK copied: "MP_CAPABLE key 0x..; kind 30" (middlebox::echoed_text)
    std::string diff;            // options against the SYN (+added -removed ~changed =returned)
    std::string syn_options;     // the SYN's options in words
    std::string synack_options;  // the SYN+ACK's options in words

    // Where a double-click goes: the SYN+ACK (or RST), else the SYN.
    uint32_t target_frame() const { return answer_frame != 0 ? answer_frame : syn_frame; }
};

// One server endpoint (the SYNs' destination address and port). Its
// address and verdict texts are spelt when shown (SuspectModel::data), not
// kept: a scan has a million rows.
struct ServerRow {
    middlebox::Endpoint server;
    uint32_t handshakes = 0;
    uint32_t synacks = 0;
    uint32_t verdicts[middlebox::kVerdictCount] = {};
    // "MP_CAPABLE key 0x099c0e6b50c00000; kinds 30,222" (middlebox::echoed_text):
    // spelt here, the keys and kinds are not kept; empty (no allocation) for
    // the rows that copied nothing, nearly all of a scan's.
    std::string echoed;
    int min_hops = -1, max_hops = -1;
    uint32_t hop_mismatches = 0;
    uint32_t syn_proxies = 0;
    uint32_t first_synack_frame = 0;
    std::vector<uint32_t> evidence_frames;  // SYN+ACKs proving an echo, in frame order
    // Its handshakes (indices into the correlator's table), in first-frame
    // order: the child rows, built only when asked for (build_handshake_rows).
    std::vector<uint32_t> handshake_indices;
    // The handshake whose answer target_frame() is (its diff is the row's
    // "Options vs SYN"); kNoHandshake: none.
    uint32_t target_handshake = kNoHandshake;
    static constexpr uint32_t kNoHandshake = 0xffffffffu;

    uint32_t mptcp_echoes() const { return verdicts[static_cast<int>(middlebox::Verdict::MptcpEcho)]; }
    uint32_t echoes() const { return middlebox::echo_count(verdicts); }
    bool suspect() const { return middlebox::is_suspect(verdicts); }
    // "7" or "5-7"; "" without SYN+ACK.
    std::string hops_text() const;
    // "12, 40, 77" (at most `limit`, then ", ...").
    std::string evidence_text(size_t limit = 8) const;
    // Where a double-click goes: the first echoing SYN+ACK, else the first SYN+ACK.
    uint32_t target_frame() const { return !evidence_frames.empty() ? evidence_frames.front() : first_synack_frame; }
};

struct Snapshot {
    // The suspects, or (build_snapshot's all_servers) every server endpoint;
    // in Endpoint order (the order SuspectModel sorts addresses by).
    std::vector<ServerRow> servers;
    middlebox::Totals totals;  // of every server, whether its row is built or not
    size_t suspects() const { return totals.suspect_servers; }
};

// Builds the snapshot from the registry's rows (Registry::visit, one server
// at a time) and the correlator's handshake table: the server rows only,
// with their handshake indices; no HandshakeRow, no option text. Without
// `all_servers` only the suspects' rows (of a scan's million servers, the
// few thousand the dialog shows by default); the totals count every server.
Snapshot build_snapshot(const middlebox::Correlator& c, const middlebox::Registry& r, bool all_servers);

// One handshake's child row, with its option diff and option texts.
HandshakeRow build_handshake_row(const middlebox::Correlator& c, uint32_t index);
// The child rows of `s`, one per handshake index, in its order. A handshake
// that is no longer in `c` or no longer goes to `s` (the file changed since
// the snapshot) gets a placeholder row (client unknown, no frames), so the
// count always equals s.handshake_indices.size().
std::vector<HandshakeRow> build_handshake_rows(const middlebox::Correlator& c, const ServerRow& s);
// The option diff of s's target handshake ("" when none).
std::string target_diff(const middlebox::Correlator& c, const ServerRow& s);

// Display filters (Wireshark syntax) -------------------------------------

// "ip.src == 198.51.100.1" / "ipv6.src == 2001:db8::1".
std::string address_filter(const middlebox::Address& a, const char* direction /* "src", "dst", "addr" */);

// The SYN+ACKs of this server that carry an echo verdict; for a server
// without one, every handshake packet to or from it that has a verdict.
std::string server_filter(const ServerRow& s);

// The packets of one handshake's connection (a conversation filter).
std::string pair_filter(const ServerRow& s, const HandshakeRow& p);

// The echoing SYN+ACKs of the given servers. When `shown` holds every
// suspect of the snapshot the filter does not name addresses.
std::string suspects_filter(const std::vector<const ServerRow*>& shown, size_t all_suspects);

}  // namespace middlebox_qt
