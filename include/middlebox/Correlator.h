// Pairs every SYN with the SYN+ACK (or RST) that answers it and keeps the
// result per frame, so that a first pass in frame order decides everything
// and any later pass (tshark -2, the GUI, a retap) reads the same answers.
//
// Memory: pending handshakes live in a PendingTable capped by the caller (at
// most 64 bytes each, index included: a 58-byte entry that leaves the SYN's
// frame and TTL to its Handshake record, plus 4.6-5.5 bytes of index; see
// PendingTable.h); results grow with the capture like Wireshark's own frame
// data: 12 bytes per SYN/SYN+ACK/RST frame, 32 + 38 per handshake (its
// record and its endpoints), and one PairedOptions (both option blocks and the
// evidence) per answered handshake; a capture taken at several points of the
// path adds one Copy (108 bytes, both option blocks) per segment seen
// again further along it (Copies.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "middlebox/Assert.h"
#include "middlebox/ChunkedVector.h"
#include "middlebox/Copies.h"
#include "middlebox/EchoEvidence.h"
#include "middlebox/PendingTable.h"
#include "middlebox/ProbeTemplate.h"
#include "middlebox/Role.h"
#include "middlebox/Segment.h"
#include "middlebox/Verdict.h"

namespace middlebox {

constexpr uint32_t kNone = 0xffffffffu;

// Facts about one answered (or orphan) SYN+ACK set against its SYN.
struct PairedOptions {
    EchoEvidence evidence;
    StoredOptions syn;  // the SYN's (or the probe template's: Handshake::against_probe())
    StoredOptions synack;
    bool has_syn = false;
    // Bytes of the SYN's data (TCP Fast Open) the SYN+ACK acknowledges: 0
    // when the server took only the SYN.
    uint16_t data_acked = 0;
    // An RST that answered the SYN before this SYN+ACK did (0: none): its
    // frame and TTL, shown beside the SYN+ACK's (whose it was, the box's
    // or the server's, the bytes do not say).
    uint32_t rst_frame = 0;
    uint8_t rst_ttl = 0;

    // The SYN+ACK's options set against the SYN's (OptionDiff.h).
    std::string diff() const { return synack.diff(has_syn ? &syn : nullptr); }
};

// Initial TTL a stack most likely used (32, 64, 128 or 255) minus the TTL seen.
uint8_t estimated_hops(uint8_t ttl);

// Handshake::flags (bits()).
enum class HandshakeFlag : uint8_t {
    EvictedBefore = 0x01,      // no-syn while pending SYNs had been dropped: its SYN may be one
    AckMismatch = 0x02,        // a SYN was pending on the tuple but the ack did not match it
    ServerAtAnswerTtl = 0x04,  // a server segment that carries its distance had the SYN+ACK's TTL
    ServerTtlSet = 0x08,       // a server segment arrived at TTL 1: a TTL its application set (eBGP)
    IpIdReturned = 0x10,       // the SYN+ACK's IPv4 identification is the SYN's (not 0)
    SynEcnFlags = 0xe0,        // the paired SYN copy's AE, CWR, ECE (kEcnFlags >> 1)
};

// How many of the server's segments that carry its distance (data, FIN,
// RST) are sampled for it.
constexpr uint8_t kServerSamples = 8;
// How many must agree, none at the SYN+ACK's TTL, for a hop mismatch.
constexpr uint8_t kServerSamplesForMismatch = 2;
// A segment that arrives with this TTL was sent to stay on the link (eBGP
// sends at 1 by default, RFC 4271): its TTL is the application's choice,
// not a distance.
constexpr uint8_t kLinkLocalTtl = 1;

// The SYN+ACK's distance set against the server's (docs/verdicts.md, "A
// SYN proxy's own answer"), from what the bytes can tell.
enum class Distance : uint8_t {
    Unknown,          // no SYN+ACK, or fewer than two server segments that carry a distance
    TtlSet,           // the SYN+ACK or the server's segments at TTL 1: set on purpose, no distance
    Same,             // a server segment came with the SYN+ACK's TTL
    OtherInitialTtl,  // other TTLs, the same estimated hops: two initial TTLs (two stacks) at one distance
    SynAckNearer,     // the SYN+ACK from fewer hops than the server: a box nearer answered
    SynAckFarther,    // from more hops: not a box nearer; a path of its own
};

// What a handshake's SYN+ACK shows, computed once when it is paired (its
// verdict is final then) and kept on the record, so that every view (the
// report's rows and totals, the running tally, the dialog) reads one byte
// and none reads the PairedOptions or decides again. 0 for a handshake no SYN+ACK
// answered.
// Handshake::facts (bits()).
enum class HandshakeFact : uint8_t {
    SynAck = 0x01,       // answered by a SYN+ACK
    Mpc = 0x02,          // that SYN+ACK carried MP_CAPABLE
    MpcGenuine = 0x04,   // ... with the server's own key (verdict mptcp-genuine)
    MpcEcho = 0x08,      // ... the SYN's key or keyless form (verdict mptcp-echo)
    Unknown = 0x10,      // it carried a kind no genuine server copies (is_unknown_option)
    UnknownEcho = 0x20,  // ... copied byte for byte from the SYN
    Evidence = 0x40,     // it copied something that proves an echo
    FlagEcho = 0x80,     // it returned the SYN's ECN-setup flags (EchoEvidence::flags_echo)
};
// Crossed SYNs (simultaneous-open) each repeat their own options: no copy
// fact is set for them.
uint8_t handshake_facts(const EchoEvidence& e, Verdict v);

struct Handshake {
    uint32_t first_syn_frame = 0;  // 0: the SYN is not in the capture
    uint32_t syn_frame = 0;        // the copy the answer is paired with (latest before it)
    uint32_t answer_frame = 0;     // first SYN+ACK or RST; 0: unanswered or not in the filtered file
    uint32_t pair = kNone;         // index into pairs(), for SYN+ACK answers
    uint16_t syn_copies = 0;
    uint16_t answer_copies = 0;
    uint16_t syn_data = 0;  // payload of the SYN (TCP Fast Open), the largest of its copies
    Verdict verdict = Verdict::NoAnswer;
    Role answer_role = Role::Syn;  // Role::Syn while unanswered
    uint16_t syn_ip_id = 0;        // the IPv4 identification of the copy the answer is paired with
    uint8_t syn_ttl = 0;
    uint8_t answer_ttl = 0;
    // The server's distance, from its own segments after the SYN+ACK that
    // carry one (data, FIN, RST; a SYN proxy's ACKs carry none): the TTL
    // most of the first kServerSamples agree on (majority vote), how many
    // were seen (low nibble) and the vote's counter (high nibble).
    uint8_t server_ttl = 0;  // 0: no such segment seen
    uint8_t server_tally = 0;
    uint8_t flags = 0;
    uint8_t facts = 0;  // HandshakeFacts

    uint8_t server_samples() const { return server_tally & 0x0f; }
    uint16_t syn_ecn_flags() const { return static_cast<uint16_t>((flags & bits(HandshakeFlag::SynEcnFlags)) << 1); }
    void set_syn_ecn_flags(uint16_t tcp_flags) {
        flags = static_cast<uint8_t>((flags & ~bits(HandshakeFlag::SynEcnFlags)) | ((tcp_flags & kEcnFlags) >> 1));
    }
    uint8_t server_votes() const { return static_cast<uint8_t>(server_tally >> 4); }
    // One more server segment at `ttl` (at most kServerSamples are taken).
    void sample_server(uint8_t ttl);

    // answer_frame may be 0 on an answered handshake whose answer frame a
    // read filter dropped (tshark -2 -R): ask the role.
    bool answered() const { return answer_role != Role::Syn; }
    // Its SYN+ACK had no SYN in the capture and was compared against the
    // scan's probe template (ProbeTemplate.h): the verdict assumes the
    // probe carried exactly those options. Without a template such an
    // answer stays no-syn.
    bool against_probe() const {
        return first_syn_frame == 0 && answer_role == Role::SynAck && verdict != Verdict::NoSyn;
    }
    Distance distance() const;
    // The SYN+ACK came from another distance than the server's segments:
    // at least two of them, none at the SYN+ACK's TTL (so a path whose TTL
    // changes once during the connection is no mismatch), and other
    // estimated hops.
    bool hop_mismatch() const {
        const Distance d = distance();
        return d == Distance::SynAckNearer || d == Distance::SynAckFarther;
    }
    // A box answered the SYN for the server, so the SYN+ACK's options are
    // the box's: it came from nearer than the server (a SYN proxy), or
    // from another distance with the SYN's IP ID (built from the SYN).
    bool syn_proxy() const {
        const Distance d = distance();
        return d == Distance::SynAckNearer ||
               (d == Distance::SynAckFarther && (flags & bits(HandshakeFlag::IpIdReturned)));
    }
    // Whether `ack` acknowledges a SYN of sequence number `seq`: the SYN
    // alone, or with some or all of its data (RFC 7413: a server that
    // accepts a TFO SYN's data acknowledges it in the SYN+ACK).
    bool acknowledges(uint32_t seq, uint32_t ack) const { return ack - (seq + 1) <= syn_data; }
};
static_assert(sizeof(Handshake) == 32, "a handshake record is 32 bytes");

// FrameRecord::flags (bits()).
enum class RecordFlag : uint8_t {
    Retransmission = 0x01,  // a later copy of a SYN or SYN+ACK already seen
    Copy = 0x02,            // ... seen again further along its path (Copies.h), not resent
};

struct FrameRecord {
    uint32_t frame = 0;
    uint32_t handshake = 0;
    Role role = Role::Syn;
    uint8_t flags = 0;
    // A SYN or SYN+ACK seen before: resent, or the same segment further along its path.
    bool repeated() const { return (flags & (bits(RecordFlag::Retransmission) | bits(RecordFlag::Copy))) != 0; }
};

// A SYN as a router quoted it in an ICMP/ICMPv6 error (time exceeded,
// unreachable): what the SYN looked like when it reached that hop, set
// against what was sent. This is tracebox's hop-by-hop view, read passively.
struct Quote {
    uint32_t frame = 0;            // the ICMP error
    uint32_t handshake = kNone;    // the quoted SYN's handshake; kNone: not in the capture
    uint32_t syn_frame = 0;        // the copy that was quoted (latest before the error)
    Address router;                // who sent the error (family 0: not known)
    bool options_visible = false;  // the quote reaches the TCP data offset
    StoredOptions syn;             // as sent
    StoredOptions quoted;          // as the router quoted it

    // Kinds the SYN carried that the quote lacks: removed before that hop.
    bool stripped() const;
    // Anything differs (stripped, added, rewritten such as an MSS clamp).
    bool changed() const;
};

class Correlator {
public:
    // `streaming`: the caller reads each frame's result as it comes and
    // retires handshakes with expire_before(), which then forgets them, so
    // that memory is bounded by the window of live handshakes, not by the
    // capture (middlebox-scan --format ndjson). A streaming correlator keeps
    // no frame records, copies or quotes past the next expire_before(), and only the
    // latest pair: lookup(), records(), quote_frames() and pair() of an
    // older pair are for the whole-capture mode.
    explicit Correlator(size_t max_pending, bool streaming = false);

    // First pass only, frames in increasing order. Returns the record made for
    // this frame, or nullptr when the segment is not part of a handshake.
    // A frame number seen again replaces the earlier frame of that number
    // (tshark -2 -R renumbers the frames its read filter keeps): the earlier
    // one still counts for pairing, links to it are dropped (filtered_out()).
    const FrameRecord* observe(const Segment& s) { return observe(s, s.tuple.fingerprint()); }
    // The same, for a caller that has the segment's s.tuple.fingerprint()
    // already (the scanner computes it to prefetch).
    const FrameRecord* observe(const Segment& s, uint64_t fingerprint);

    // Any pass: the record of a frame that observe() kept, or nullptr.
    const FrameRecord* lookup(uint32_t frame) const;

    // Whether a frame handed over later (a tap event) can be the one the
    // analysis recorded for `handshake`: its TCP flags (`tcp_flags` < 0: not
    // known) fit the role and its direction (`tuple`) fits the handshake's
    // endpoints. False means the frames are not numbered as the analysis
    // numbered them (tshark -2 -R renumbers the frames it keeps).
    bool fits(uint32_t handshake, Role role, const FlowTuple& tuple, int tcp_flags) const;

    // First pass only: an ICMP error (frame `frame`) quoting `quoted`, a SYN
    // of the capture's own traffic. Never pairs anything and changes no
    // handshake; returns nullptr for a quote of anything but a SYN.
    // `options_visible` is false when the quote ends before the data offset;
    // `router` is the error's source, the hop that answered.
    const Quote* observe_quote(uint32_t frame, const Segment& quoted, bool options_visible,
                               const Address& router = Address{});
    const Quote* lookup_quote(uint32_t frame) const;
    // The ICMP errors that quote a handshake's SYN, in frame order.
    std::vector<uint32_t> quote_frames(uint32_t handshake) const;

    const Handshake& handshake(uint32_t i) const { return handshakes_[i]; }
    // Its client and server: the SYN's direction (for a no-syn handshake,
    // the SYN+ACK's reversed). Kept beside the records, not in them, so that
    // pairing touches 32 bytes per handshake.
    const FlowTuple& endpoints(uint32_t i) const { return endpoints_[i]; }
    size_t handshake_count() const { return handshakes_.size(); }
    const PairedOptions& pair(uint32_t i) const { return pairs_[i]; }
    size_t pair_count() const { return pairs_.size(); }
    // Whole-capture mode only (a streaming correlator drops them at each expire_before()).
    const std::vector<FrameRecord>& records() const {
        MIDDLEBOX_ASSERT(!streaming_);
        return records_;
    }
    // Segments seen at several points of their path (Copies.h).
    const Copies& copies() const { return copies_; }

    // Ends the pending state of every handshake below `end` not ended yet,
    // in index order (the order of their first frames): its entry leaves
    // the pending table, so no later frame pairs with it, and an unanswered
    // one stays no-answer (or icmp-error) and is counted in expired().
    // `retired` is then called with each (its record is final); a streaming
    // correlator forgets them after that.
    void expire_before(uint32_t end, const std::function<void(uint32_t handshake)>& retired = {});
    // Handshakes below this were ended by expire_before().
    uint32_t expired_below() const { return expired_below_; }
    // Unanswered SYNs whose pending state expire_before() ended.
    uint64_t expired() const { return expired_; }

    // For a caller that decodes a few segments ahead of observe() (the
    // scanner): the pending table's memory of a coming segment (or quoted
    // SYN), fetched early so that its cache misses overlap the work on the
    // segments before it. `fingerprint` is its tuple's; prefetch() first,
    // prefetch_entry() a few segments later. Hints only: nothing changes.
    void prefetch(uint64_t fingerprint) const { table_.prefetch(fingerprint); }
    void prefetch_entry(uint64_t fingerprint) const { table_.prefetch_entry(fingerprint); }
    // The options every probe carried: a SYN+ACK whose SYN is not in the
    // capture is then compared against them (Handshake::against_probe()).
    // Set before the first frame.
    void set_probe(const ProbeTemplate& t) {
        probe_ = t;
        has_probe_ = true;
    }
    const ProbeTemplate* probe() const { return has_probe_ ? &probe_ : nullptr; }
    // Sizes the pending table for `entries` at once (PendingTable::reserve).
    void reserve_pending(size_t entries) { table_.reserve(entries); }

    uint32_t last_frame() const { return last_frame_; }
    size_t pending() const { return table_.size(); }
    uint64_t evictions() const { return table_.evictions(); }
    uint64_t out_of_order() const { return out_of_order_; }
    // Handshake frames (SYN, SYN+ACK, RST) whose number a later frame took:
    // frames a read filter dropped after the analysis used them.
    uint64_t filtered_out() const { return filtered_out_; }

private:
    // `fp` is s.tuple.fingerprint(), computed once per segment.
    const FrameRecord* on_syn(const Segment& s, uint64_t fp);
    const FrameRecord* on_synack(const Segment& s, uint64_t fp);
    const FrameRecord* on_rst(const Segment& s, uint64_t fp);
    // A later SYN+ACK copy of an answered handshake: Copies::observe with the first copy and the SYN.
    const Copy* observe_synack_copy(const Segment& s, uint32_t handshake);
    void on_other(const Segment& s, uint64_t fp);
    // The entries of the segment's own direction and of the reverse one
    // (either may be null), found in one probe of the pending table.
    void find_directions(const Segment& s, uint64_t fp, PendingSyn** own, PendingSyn** reverse);
    const FrameRecord* add_record(uint32_t frame, uint32_t handshake, Role role, uint8_t flags);
    bool advance(uint32_t frame);
    void unlink_frame(uint32_t frame);
    static void keep_options(PendingSyn& e, const Segment& s);

    PendingTable table_;
    std::vector<FrameRecord> records_;
    ChunkedVector<Handshake, 12> handshakes_;  // 128 KiB chunks
    ChunkedVector<FlowTuple, 12> endpoints_;   // by handshake, 152 KiB chunks
    ChunkedVector<PairedOptions, 10> pairs_;   // 192 KiB chunks
    Copies copies_;
    std::vector<Quote> quotes_;  // in frame order
    // quotes_ indices sorted by handshake (then frame), built when asked
    // after quotes_ changed: a SYN lists its errors without a per-handshake
    // list in every record.
    mutable std::vector<uint32_t> quotes_by_handshake_;
    mutable uint64_t indexed_version_ = 0;
    uint64_t quotes_version_ = 0;
    uint32_t last_frame_ = 0;
    bool streaming_ = false;
    uint32_t expired_below_ = 0;
    uint64_t expired_ = 0;
    uint64_t out_of_order_ = 0;
    uint64_t filtered_out_ = 0;
    ProbeTemplate probe_;
    bool has_probe_ = false;
};

}  // namespace middlebox
