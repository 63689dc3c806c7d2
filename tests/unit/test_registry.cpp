// The Registry (rows and totals of the -z middlebox report) and the
// RunningTally (the Statistics table), fed like the tap feeds them.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>

#include "Builders.h"
#include "middlebox/Correlator.h"
#include "middlebox/Registry.h"
#include "middlebox/RunningTally.h"

using namespace middlebox;
using namespace mbtest;

namespace {
const Host kClient{192, 0, 2, 10};
const Host kEcho{198, 51, 100, 1};     // a box that echoes
const Host kGenuine{198, 51, 100, 2};  // a genuine MPTCP server
const Host kPlain{198, 51, 100, 3};
const uint16_t S = kSyn, SA = kSyn | kAck, A = kAck, RA = kRst | kAck;

int V(Verdict v) { return static_cast<int>(v); }

struct RegistryTest : ::testing::Test {
    Correlator c{1000};
    Registry reg;
    RunningTally tally;
    std::vector<Bytes> keep;

    // Observes a segment and hands its record to the registry and the tally
    // the way the post-dissector's tap does (only when `tapped`).
    void feed(uint32_t f, Host src, uint16_t sport, Host dst, uint16_t dport, uint16_t flags, uint32_t seq,
              uint32_t ack, Bytes opts, uint8_t ttl = 64, bool tapped = true) {
        keep.push_back(std::move(opts));
        const Segment s = seg(f, src, sport, dst, dport, flags, seq, ack, keep.back(), ttl);
        const FrameRecord* r = c.observe(s);
        if (r != nullptr && tapped) {
            EXPECT_TRUE(c.fits(r->handshake, r->role, s.tuple, s.flags));
            reg.add(r->handshake, r->frame);
            tally.add(c, r->handshake);
        }
    }

    // A handshake each: v0 echo, genuine v0, plain with an echoed kind 222,
    // an unanswered SYN, a RST.
    void scenario() {
        feed(1, kClient, 40001, kEcho, 80, S, 100, 0, mpc_key(0, 0x1111));
        feed(2, kEcho, 80, kClient, 40001, SA, 900, 101, mpc_key(0, 0x1111), 50);
        feed(3, kClient, 40002, kEcho, 80, S, 200, 0, pad4(kind222()));
        feed(4, kEcho, 80, kClient, 40002, SA, 901, 201, pad4(kind222()), 52);
        feed(5, kClient, 40003, kGenuine, 443, S, 300, 0, mpc_key(0, 0x2222));
        feed(6, kGenuine, 443, kClient, 40003, SA, 902, 301, cat({mss(1380), mpc_key(0, 0x3333)}), 57);
        feed(7, kClient, 40004, kPlain, 80, S, 400, 0, mss(1460));
        feed(8, kClient, 40005, kPlain, 81, S, 500, 0, mss(1460));
        feed(9, kPlain, 81, kClient, 40005, RA, 0, 501, {});
    }

    const ServerSummary* row(const std::vector<ServerSummary>& rows, Host h, uint16_t port) {
        const uint8_t b[4] = {h.a, h.b, h.c, h.d};
        const Endpoint e{Address::v4(b), port};
        for (const ServerSummary& r : rows)
            if (r.server == e) return &r;
        return nullptr;
    }
};

void expect_tally_matches(const RunningTally::Counts& n, const Totals& t) {
    EXPECT_EQ(n.servers, t.servers);
    EXPECT_EQ(n.suspect_servers, t.suspect_servers);
    EXPECT_EQ(n.handshakes, t.handshakes);
    EXPECT_EQ(n.synacks, t.synacks);
    for (int v = 0; v < kVerdictCount; ++v) EXPECT_EQ(n.verdicts[v], t.verdicts[v]) << verdict_name(Verdict(v));
    EXPECT_EQ(n.synacks_with_mp_capable, t.synacks_with_mp_capable);
    EXPECT_EQ(n.mp_capable_genuine, t.mp_capable_genuine);
    EXPECT_EQ(n.mp_capable_echoed, t.mp_capable_echoed);
    EXPECT_EQ(n.synacks_with_unknown_option, t.synacks_with_unknown_option);
    EXPECT_EQ(n.unknown_option_echoed, t.unknown_option_echoed);
}
}  // namespace

TEST_F(RegistryTest, RowsPerServerEndpointSortedByAddressThenPort) {
    scenario();
    const auto rows = reg.summarize(c);
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(address_text(rows[0].server.address), "198.51.100.1");
    EXPECT_EQ(address_text(rows[1].server.address), "198.51.100.2");
    EXPECT_EQ(rows[2].server.port, 80);
    EXPECT_EQ(rows[3].server.port, 81);

    const ServerSummary* echo = row(rows, kEcho, 80);
    ASSERT_NE(echo, nullptr);
    EXPECT_EQ(echo->handshakes, 2u);
    EXPECT_EQ(echo->synacks, 2u);
    EXPECT_EQ(echo->verdicts[V(Verdict::MptcpEcho)], 1u);
    EXPECT_EQ(echo->verdicts[V(Verdict::OptionEcho)], 1u);
    EXPECT_TRUE(echo->suspect());
    ASSERT_EQ(echo->echoed_keys.size(), 1u);
    EXPECT_EQ(echo->echoed_keys[0], 0x1111u);
    EXPECT_FALSE(echo->echoed_keyless);
    EXPECT_TRUE(echo->echoed_kinds[kMptcp]);
    EXPECT_TRUE(echo->echoed_kinds[222]);
    EXPECT_EQ(echo->first_evidence_frame, 2u);
    EXPECT_EQ(echo->first_synack_frame, 2u);
    EXPECT_EQ(echo->min_hops, 12);  // 64 - 52
    EXPECT_EQ(echo->max_hops, 14);  // 64 - 50

    const ServerSummary* genuine = row(rows, kGenuine, 443);
    ASSERT_NE(genuine, nullptr);
    EXPECT_EQ(genuine->verdicts[V(Verdict::MptcpGenuine)], 1u);
    EXPECT_FALSE(genuine->suspect());
    EXPECT_TRUE(genuine->echoed_keys.empty());
    EXPECT_EQ(genuine->first_evidence_frame, 0u);

    const ServerSummary* unanswered = row(rows, kPlain, 80);
    ASSERT_NE(unanswered, nullptr);
    EXPECT_EQ(unanswered->synacks, 0u);
    EXPECT_EQ(unanswered->min_hops, 0);
    EXPECT_EQ(unanswered->verdicts[V(Verdict::NoAnswer)], 1u);
    EXPECT_EQ(row(rows, kPlain, 81)->verdicts[V(Verdict::Rst)], 1u);
}

TEST_F(RegistryTest, TotalsInTheStyleOfTheDeploymentStudies) {
    scenario();
    const auto rows = reg.summarize(c);
    const Totals t = Registry::totals(c, rows, reg);
    EXPECT_EQ(t.servers, 4u);
    EXPECT_EQ(t.suspect_servers, 1u);
    EXPECT_EQ(t.handshakes, 5u);
    EXPECT_EQ(t.synacks, 3u);
    EXPECT_EQ(t.synacks_with_mp_capable, 2u);
    EXPECT_EQ(t.mp_capable_genuine, 1u);
    EXPECT_EQ(t.mp_capable_echoed, 1u);
    EXPECT_EQ(t.synacks_with_unknown_option, 1u);
    EXPECT_EQ(t.unknown_option_echoed, 1u);
    EXPECT_EQ(t.hidden_frames, 0u);
    EXPECT_EQ(t.hidden_handshakes, 0u);
    EXPECT_FALSE(t.unreliable());
    expect_tally_matches(tally.counts(), t);

    // The report asks for rows without their handshake lists: same rows
    // otherwise, same totals.
    const auto bare_rows = reg.summarize(c, /*with_handshakes=*/false);
    ASSERT_EQ(bare_rows.size(), rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
        EXPECT_TRUE(bare_rows[i].handshake_indices.empty());
        EXPECT_EQ(bare_rows[i].handshakes, rows[i].handshakes);
        EXPECT_EQ(bare_rows[i].server, rows[i].server);
    }
    const Totals u = Registry::totals(c, bare_rows, reg);
    EXPECT_EQ(u.synacks_with_mp_capable, t.synacks_with_mp_capable);
    EXPECT_EQ(u.mp_capable_echoed, t.mp_capable_echoed);
    EXPECT_EQ(u.unknown_option_echoed, t.unknown_option_echoed);
    EXPECT_EQ(u.hidden_frames, t.hidden_frames);
    EXPECT_EQ(u.hidden_handshakes, t.hidden_handshakes);
}

TEST_F(RegistryTest, KeylessV1EchoIsListedAsKeyless) {
    feed(1, kClient, 40001, kEcho, 80, S, 100, 0, mpc_v1_syn());
    feed(2, kEcho, 80, kClient, 40001, SA, 900, 101, mpc_v1_syn());
    const auto rows = reg.summarize(c);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_TRUE(rows[0].echoed_keyless);
    EXPECT_TRUE(rows[0].echoed_keys.empty());
    EXPECT_EQ(rows[0].verdicts[V(Verdict::MptcpEcho)], 1u);
}

TEST_F(RegistryTest, FramesHiddenFromTheListenerAreCountedNotGuessed) {
    // The SYN of the echo is filtered out; the SYN+ACK is seen: the handshake
    // still counts, with the verdict made from both frames.
    feed(1, kClient, 40001, kEcho, 80, S, 100, 0, mpc_key(0, 0x1111), 64, /*tapped=*/false);
    feed(2, kEcho, 80, kClient, 40001, SA, 900, 101, mpc_key(0, 0x1111), 50);
    // A handshake of which nothing is seen.
    feed(3, kClient, 40002, kPlain, 80, S, 200, 0, mss(1460), 64, false);
    feed(4, kClient, 40002, kPlain, 80, S, 200, 0, mss(1460), 64, false);  // a copy
    const auto rows = reg.summarize(c);
    const Totals t = Registry::totals(c, rows, reg);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].verdicts[V(Verdict::MptcpEcho)], 1u);
    EXPECT_EQ(t.hidden_frames, 1u);
    EXPECT_EQ(t.hidden_handshakes, 1u);
    EXPECT_EQ(t.handshakes, 1u);
}

TEST_F(RegistryTest, SinglePassAndSecondPassGiveTheSameRows) {
    scenario();
    const auto first = reg.summarize(c);
    // A second pass hands the same frames over again, now reading final records.
    Registry again;
    RunningTally tally2;
    for (const FrameRecord& r : c.records()) {
        again.add(r.handshake, r.frame);
        tally2.add(c, r.handshake);
    }
    const auto second = again.summarize(c);
    ASSERT_EQ(first.size(), second.size());
    for (size_t i = 0; i < first.size(); ++i) {
        EXPECT_EQ(first[i].server, second[i].server);
        EXPECT_EQ(first[i].handshakes, second[i].handshakes);
        for (int v = 0; v < kVerdictCount; ++v) EXPECT_EQ(first[i].verdicts[v], second[i].verdicts[v]);
    }
    expect_tally_matches(tally2.counts(), Registry::totals(c, second, again));
    expect_tally_matches(tally.counts(), Registry::totals(c, first, reg));
}

TEST_F(RegistryTest, TallyFollowsASimultaneousOpenWithoutItsOwnLaterFrame) {
    // Crossed SYNs; only the second handshake is answered afterwards. The
    // first one turns simultaneous-open when the second SYN arrives.
    feed(1, kClient, 5001, kEcho, 5001, S, 100, 0, mss(1460));
    feed(2, kEcho, 5001, kClient, 5001, S, 700, 0, mss(1400));
    feed(3, kClient, 5001, kEcho, 5001, SA, 101, 701, mss(1460));
    const auto rows = reg.summarize(c);
    const Totals t = Registry::totals(c, rows, reg);
    EXPECT_EQ(t.verdicts[V(Verdict::SimultaneousOpen)], 2u);
    expect_tally_matches(tally.counts(), t);
}

TEST_F(RegistryTest, TallyIgnoresRepeatedEventsAndRestartsOnAnotherFile) {
    scenario();
    const RunningTally::Counts before = tally.counts();
    for (const FrameRecord& r : c.records()) EXPECT_FALSE(tally.add(c, r.handshake));
    EXPECT_EQ(tally.counts().handshakes, before.handshakes);
    Correlator other{10};
    keep.push_back(mss(1460));
    const Segment s = seg(1, kClient, 1, kPlain, 2, S, 1, 0, keep.back());
    const FrameRecord* r = other.observe(s);
    ASSERT_NE(r, nullptr);
    EXPECT_TRUE(tally.add(other, r->handshake));
    EXPECT_EQ(tally.counts().handshakes, 1u);
    EXPECT_EQ(tally.source(), &other);
}

TEST_F(RegistryTest, EventsContradictingTheirHandshakeMakeTheCountsUnreliable) {
    scenario();
    // A frame renumbered under the analysis (tshark -2 -R): the record of
    // frame 2 handed over with another packet's endpoints.
    FlowTuple wrong;
    const uint8_t b[4] = {203, 0, 113, 9};
    wrong.src = Address::v4(b);
    wrong.src_port = 9;
    EXPECT_FALSE(c.fits(c.lookup(2)->handshake, Role::SynAck, wrong, -1));
    reg.note_inconsistent_event();  // what the report's listener does then
    reg.add(c.lookup(2)->handshake, 10);
    const Totals t = Registry::totals(c, reg.summarize(c), reg);
    EXPECT_EQ(t.inconsistent_events, 1u);
    EXPECT_TRUE(t.unreliable());
}

TEST_F(RegistryTest, RegistryToleratesFramesOutOfOrderAndTwice) {
    scenario();
    Registry r2;
    const auto& recs = c.records();
    for (size_t i = recs.size(); i-- > 0;) {
        r2.add(recs[i].handshake, recs[i].frame);
        r2.add(recs[i].handshake, recs[i].frame);
    }
    std::vector<uint32_t> frames;
    for (const FrameRecord& fr : recs) frames.push_back(fr.frame);
    EXPECT_EQ(r2.frames_seen(), frames);  // sorted, each once
    EXPECT_EQ(r2.handshake_count(), c.handshake_count());
}

TEST_F(RegistryTest, FitsChecksRoleAndEndpoints) {
    scenario();
    const uint32_t echo_hs = c.lookup(2)->handshake;
    const FlowTuple answer = c.endpoints(echo_hs).reversed();
    EXPECT_TRUE(c.fits(echo_hs, Role::SynAck, answer, kSyn | kAck));
    EXPECT_TRUE(c.fits(echo_hs, Role::Syn, answer.reversed(), kSyn));
    EXPECT_TRUE(c.fits(echo_hs, Role::Syn, answer.reversed(), -1));  // flags unknown
    EXPECT_FALSE(c.fits(echo_hs, Role::SynAck, answer, kAck));       // an ACK under a SYN+ACK's number
    EXPECT_FALSE(c.fits(echo_hs, Role::Syn, answer, kSyn));          // the wrong direction
    EXPECT_FALSE(c.fits(echo_hs, Role::Syn, answer.reversed(), kSyn | kAck));
    // Without a SYN+ACK the endpoints are known too: the SYN's.
    const uint32_t rst_hs = c.lookup(9)->handshake;
    const FlowTuple rst = c.endpoints(rst_hs).reversed();
    EXPECT_TRUE(c.fits(rst_hs, Role::Rst, rst, kRst | kAck));
    EXPECT_FALSE(c.fits(rst_hs, Role::Rst, rst, kSyn));
    EXPECT_FALSE(c.fits(rst_hs, Role::Rst, FlowTuple{}, kRst | kAck));
    EXPECT_FALSE(c.fits(1000, Role::Syn, rst, kSyn));
}

// The registry settles its events in batches: a scan's answers land in a
// later batch than their SYNs, and a look-up between two adds sees every
// event so far. The same events fed in one go and with look-ups between
// them give the same rows and counts.
TEST_F(RegistryTest, BatchesOfEventsSettleLikeOneByOne) {
    const uint32_t n = 90000;  // more events than one batch (65,536)
    Registry eager;
    uint32_t frame = 0;
    for (uint32_t i = 0; i < n; ++i) {
        reg.add(i, ++frame);
        eager.add(i, frame);
        if (i % 1000 == 0) (void)eager.handshake_count();  // settles what it holds
        if (i >= 5000 && i % 2 == 0) {                     // the answer to a SYN 5,000 handshakes back
            reg.add(i - 5000, ++frame);
            eager.add(i - 5000, frame);
        }
    }
    EXPECT_EQ(reg.handshake_count(), n);
    EXPECT_EQ(eager.handshake_count(), n);
    EXPECT_EQ(reg.frames_seen(), eager.frames_seen());
    EXPECT_EQ(reg.frames_seen().size(), frame);
    EXPECT_EQ(reg.handshakes(), eager.handshakes());
    EXPECT_EQ(reg.frames_seen().back(), frame);
}

// Rows come sorted by (family, address bytes, port), each row's handshakes
// in first-seen order, whatever mix of IPv4, IPv6 and ports comes in.
TEST_F(RegistryTest, RowsSortedOverMixedFamiliesAndPorts) {
    std::mt19937 rng(11);
    // key: family, 16 address bytes, port (big-endian) -> handshakes in order
    std::map<std::vector<uint8_t>, std::vector<uint32_t>> ref;
    Registry r;
    Correlator big(1);  // the rows read each handshake's endpoints from it
    for (uint32_t h = 0; h < 5000; ++h) {
        uint8_t a[16] = {};
        const bool v6 = rng() % 3 == 0;
        for (int i = 0; i < (v6 ? 16 : 4); ++i) a[i] = uint8_t(rng() % (i == 3 || i == 15 ? 6 : 2));
        Segment syn = seg(h + 1, kClient, uint16_t(1000 + h % 60000), kPlain, 80, S, h, 0, Bytes{});
        const uint16_t port = uint16_t(rng() % 3 == 0 ? 443 : 80 + (rng() % 2) * 256);
        syn.tuple.dst = v6 ? Address::v6(a) : Address::v4(a);
        syn.tuple.dst_port = port;
        if (v6) syn.tuple.src = Address::v6(a);  // one family per tuple
        const FrameRecord* rec = big.observe(syn);
        ASSERT_NE(rec, nullptr);
        ASSERT_EQ(rec->handshake, h);
        r.add(h, h + 1);
        std::vector<uint8_t> key{syn.tuple.dst.family};
        key.insert(key.end(), syn.tuple.dst.bytes, syn.tuple.dst.bytes + 16);
        key.push_back(uint8_t(port >> 8));
        key.push_back(uint8_t(port));
        ref[key].push_back(h);
    }
    ASSERT_EQ(big.handshake_count(), 5000u);
    const std::vector<ServerSummary> rows = r.summarize(big);
    ASSERT_EQ(rows.size(), ref.size());
    size_t i = 0;
    for (const auto& [key, hs] : ref) {
        const ServerSummary& row = rows[i++];
        uint8_t row_key[Endpoint::kKeyBytes];
        row.server.key(row_key);
        EXPECT_EQ(std::vector<uint8_t>(row_key, row_key + Endpoint::kKeyBytes), key);
        EXPECT_EQ(row.handshake_indices, hs);
    }
}
