// Fuzzes the correlator (pairing, pending table, eviction) and the registry
// fed from it: the input is decoded into a sequence of segments between a
// few clients and servers, so tuples, sequence numbers and acks collide often.
//
// Input: [cap][segment]... where [cap] bits 0-3 are the pending cap - 1 and
// bit 7 makes the correlator a streaming one (middlebox-scan --format
// ndjson) that retires all but the 4 newest handshakes after each segment;
// a segment is
//   [who] bits 0-1 client, 2-3 server, 4 direction (1: server->client),
//         5 IPv6, 6-7 client port
//   [flags] bits 0-2 pick SYN, SYN+ACK, RST, RST+ACK, ACK, FIN+ACK,
//         PSH+ACK or a raw flags byte that follows; bits 3-5: payload / 7
//         (TFO data, server data); bit 6: seen as quoted in an ICMP error;
//         bit 7: same frame number as before (out of order)
//   [seq] [ack] small values so that ack == seq + 1 happens (0xff: 2^32-1)
//   [ttl]
//   [opt] < 0x80: declared = opt % 41, then [captured % (declared + 1)] and
//         the bytes; >= 0x80: one of 8 canned blocks (MP_CAPABLE, kind 222...)
#include <algorithm>

#include "FuzzInput.h"
#include "middlebox/Correlator.h"
#include "middlebox/Registry.h"

using namespace middlebox;

namespace {

const std::vector<uint8_t> kCanned[8] = {
    {30, 12, 0x00, 0x81, 1, 2, 3, 4, 5, 6, 7, 8},  // MP_CAPABLE v0 key A
    {30, 12, 0x00, 0x81, 9, 9, 9, 9, 9, 9, 9, 9},  // MP_CAPABLE v0 key B
    {30, 4, 0x01, 0x81},                           // MP_CAPABLE v1 SYN form
    {222, 4, 0xf9, 0x89},                          // kind 222
    {8, 10, 0, 0, 0, 7, 0, 0, 0, 0, 1, 1},         // TS + NOP NOP
    {2, 4, 5,  0xb4, 4,    2,    8, 10, 0, 0, 0, 7, 0, 0, 0,   0, 1,    3,
     3, 7, 30, 12,   0x00, 0x81, 1, 2,  3, 4, 5, 6, 7, 8, 222, 4, 0xf9, 0x89},  // a zmap-like SYN
    {30, 12, 0x10, 0x01, 0, 0, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd},                   // MP_JOIN SYN
    {2, 4, 5, 0xb4},                                                            // MSS
};

const uint16_t kFlags[7] = {kSyn, kSyn | kAck, kRst, kRst | kAck, kAck, kFin | kAck, kPsh | kAck};

Address host(bool v6, uint8_t id, bool server) {
    uint8_t b[16] = {};
    if (!v6) {
        b[0] = server ? 198 : 192;
        b[1] = server ? 51 : 0;
        b[2] = server ? 100 : 2;
        b[3] = id;
        return Address::v4(b);
    }
    b[0] = 0x20;
    b[1] = 0x01;
    b[2] = 0x0d;
    b[3] = 0xb8;
    b[14] = server ? 1 : 0;
    b[15] = id;
    return Address::v6(b);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    mbfuzz::Input in(data, size);
    const uint8_t cap_byte = in.u8();
    const size_t cap = 1 + cap_byte % 16;
    const bool streaming = cap_byte & 0x80;
    Correlator c(cap, streaming);
    Registry reg;
    std::vector<std::vector<uint8_t>> keep;  // option buffers outlive observe() only for the call
    uint32_t frame = 0;
    size_t observed = 0;

    while (!in.empty() && observed < 4096) {
        const uint8_t who = in.u8();
        const uint8_t fl = in.u8();
        Segment s;
        if (!(fl & 0x80) || frame == 0) ++frame;
        s.frame = frame;
        const bool v6 = who & 0x20;
        const Address client = host(v6, who & 3, false), server = host(v6, (who >> 2) & 3, true);
        const uint16_t cport = static_cast<uint16_t>(40000 + ((who >> 6) & 3));
        s.tuple = FlowTuple{client, server, cport, 80};
        if (who & 0x10) s.tuple = s.tuple.reversed();
        s.flags = (fl & 7) == 7 ? in.u8() | ((in.u8() & 1) << 8) : kFlags[fl & 7];
        const uint8_t sq = in.u8(), ak = in.u8();
        s.seq = sq == 0xff ? 0xffffffffu : sq;
        s.ack = ak == 0 ? 0 : uint32_t{ak} + 1;
        s.ttl = in.u8();
        const uint8_t opt = in.u8();
        std::vector<uint8_t> bytes;
        size_t declared;
        if (opt < 0x80) {
            declared = opt % 41;
            const size_t captured = in.u8() % (declared + 1);
            bytes = in.bytes(captured);
        } else {
            bytes = kCanned[opt & 7];
            declared = bytes.size();
        }
        s.options = bytes.empty() ? nullptr : bytes.data();
        s.options_captured = static_cast<uint8_t>(bytes.size());
        s.options_declared = static_cast<uint8_t>(declared);
        s.payload = static_cast<uint16_t>(((fl >> 3) & 7) * 7);  // TFO data, server data

        if (fl & 0x40) {  // the segment as an ICMP error quotes it: linked, never paired
            const Quote* q = c.observe_quote(frame, s, (s.ttl & 1) != 0);
            if (q != nullptr && q->handshake != kNone) {
                MBFUZZ_CHECK(q->handshake < c.handshake_count());
                const Handshake& hs = c.handshake(q->handshake);
                MBFUZZ_CHECK(hs.verdict != Verdict::NoAnswer);
                const std::vector<uint32_t> frames = c.quote_frames(q->handshake);
                MBFUZZ_CHECK(!frames.empty() && frames.back() == frame);
                MBFUZZ_CHECK(std::is_sorted(frames.begin(), frames.end()));
            }
            ++observed;
            continue;
        }

        // Both directions share one probe of the pending table.
        MBFUZZ_CHECK(s.tuple.reversed().fingerprint() == s.tuple.reverse_fingerprint(s.tuple.fingerprint()));
        const FrameRecord* r = c.observe(s);
        ++observed;
        MBFUZZ_CHECK(c.pending() <= cap);
        if (r != nullptr) {
            MBFUZZ_CHECK(r->frame == s.frame);
            MBFUZZ_CHECK(r->handshake < c.handshake_count());
            // A frame's handshake is live: a retired one has no entry left to match.
            MBFUZZ_CHECK(r->handshake >= c.expired_below());
            // The frame fits what was recorded: its role and the handshake's endpoints.
            MBFUZZ_CHECK(c.fits(r->handshake, r->role, s.tuple, s.flags));
            if (!streaming) reg.add(r->handshake, r->frame);
        }
        if (streaming && c.handshake_count() > 4) {
            uint32_t next = c.expired_below();
            c.expire_before(static_cast<uint32_t>(c.handshake_count() - 4), [&](uint32_t i) {
                MBFUZZ_CHECK(i == next++);  // in index order, each once
                MBFUZZ_CHECK(c.handshake(i).verdict != Verdict::None);
            });
            MBFUZZ_CHECK(c.expired_below() == c.handshake_count() - 4);
        }
    }
    if (streaming) {
        // What is still live is consistent; the rest is forgotten (and the
        // pairs but the latest): nothing of it may be read.
        for (size_t i = c.expired_below(); i < c.handshake_count(); ++i)
            MBFUZZ_CHECK(c.handshake(static_cast<uint32_t>(i)).verdict != Verdict::None);
        c.expire_before(static_cast<uint32_t>(c.handshake_count()));
        MBFUZZ_CHECK(c.pending() == 0);
        return 0;
    }

    // Records are in frame order and each is found again by lookup().
    const auto& recs = c.records();
    for (size_t i = 0; i < recs.size(); ++i) {
        if (i > 0) MBFUZZ_CHECK(recs[i - 1].frame < recs[i].frame);
        MBFUZZ_CHECK(c.lookup(recs[i].frame) == &recs[i]);
        const Handshake& hs = c.handshake(recs[i].handshake);
        if (recs[i].role != Role::Syn) MBFUZZ_CHECK(hs.answered());
    }
    for (size_t i = 0; i < c.handshake_count(); ++i) {
        const Handshake& hs = c.handshake(static_cast<uint32_t>(i));
        MBFUZZ_CHECK(hs.pair == kNone || hs.pair < c.pair_count());
        MBFUZZ_CHECK(hs.verdict != Verdict::None);
        // A frame number 0 is a link dropped because the frame was renumbered away.
        if (hs.answered() && hs.answer_frame != 0) MBFUZZ_CHECK(hs.answer_frame >= hs.syn_frame);
        if (hs.first_syn_frame != 0 && hs.syn_frame != 0) MBFUZZ_CHECK(hs.first_syn_frame <= hs.syn_frame);
        if (hs.pair != kNone) {
            const PairedOptions& p = c.pair(hs.pair);
            (void)p.syn.block();
            (void)p.synack.block();
            MBFUZZ_CHECK(hs.answer_role == Role::SynAck);
            // The handshake's facts, which every view reads, are the pair's.
            MBFUZZ_CHECK(hs.facts == handshake_facts(p.evidence, hs.verdict));
            const OptionBlock synack = p.synack.block();
            bool unknown = false;
            for (size_t k = 0; k < synack.count(); ++k)
                unknown = unknown || is_unknown_option(synack.data(synack.at(k)), synack.at(k).length);
            MBFUZZ_CHECK(p.evidence.synack_unknown == unknown);
            // A verdict never rests on bytes that were not read.
            if (!p.synack.block().ok() || (p.has_syn && !p.syn.block().ok()))
                MBFUZZ_CHECK(hs.verdict == Verdict::Truncated || hs.verdict == Verdict::SimultaneousOpen ||
                             hs.verdict == Verdict::NoSyn);
        }
    }
    const std::vector<ServerSummary> rows = reg.summarize(c);
    const Totals t = Registry::totals(c, rows, reg);
    MBFUZZ_CHECK(t.handshakes == reg.handshake_count());
    MBFUZZ_CHECK(t.evictions == c.evictions());
    for (const ServerSummary& row : rows) (void)address_text(row.server.address);
    return 0;
}
