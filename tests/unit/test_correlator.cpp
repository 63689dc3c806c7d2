#include <gtest/gtest.h>

#include "Builders.h"
#include "middlebox/Correlator.h"

using namespace middlebox;
using namespace mbtest;

namespace {
const Host kClient{192, 0, 2, 10};
const Host kServer{198, 51, 100, 1};
const uint16_t S = kSyn, SA = kSyn | kAck, A = kAck, RA = kRst | kAck, R = kRst;

struct Fixture : ::testing::Test {
    Correlator c{1000};
    Bytes syn_opts = mpc_key(0, 42);
    Bytes echo_opts = mpc_key(0, 42);
    Bytes genuine_opts = cat({mss(1380), mpc_key(0, 99)});
    Bytes none;

    const FrameRecord* syn(uint32_t f, uint32_t seq, uint16_t sport = 40000, const Bytes* o = nullptr) {
        return c.observe(seg(f, kClient, sport, kServer, 80, S, seq, 0, o ? *o : syn_opts));
    }
    const FrameRecord* synack(uint32_t f, uint32_t ack, uint16_t dport = 40000, const Bytes* o = nullptr,
                              uint8_t ttl = 57) {
        return c.observe(seg(f, kServer, 80, kClient, dport, SA, 7777, ack, o ? *o : echo_opts, ttl));
    }
    Verdict verdict_of(uint32_t frame) { return c.handshake(c.lookup(frame)->handshake).verdict; }
    const Handshake& hs_of(uint32_t frame) { return c.handshake(c.lookup(frame)->handshake); }
};
}  // namespace

TEST_F(Fixture, PairsSynAndEchoingSynAck) {
    ASSERT_NE(syn(1, 1000), nullptr);
    ASSERT_NE(synack(2, 1001), nullptr);
    EXPECT_EQ(verdict_of(1), Verdict::MptcpEcho);
    EXPECT_EQ(verdict_of(2), Verdict::MptcpEcho);
    EXPECT_EQ(hs_of(2).syn_frame, 1u);
    EXPECT_EQ(hs_of(1).answer_frame, 2u);
    EXPECT_EQ(c.lookup(2)->role, Role::SynAck);
}

TEST_F(Fixture, WrongAckIsNotAnAnswer) {
    syn(1, 1000);
    synack(2, 5000);
    EXPECT_EQ(verdict_of(2), Verdict::NoSyn);
    EXPECT_TRUE(hs_of(2).flags & bits(HandshakeFlag::AckMismatch));
    EXPECT_EQ(verdict_of(1), Verdict::NoAnswer);
    // The real answer still pairs afterwards.
    synack(3, 1001);
    EXPECT_EQ(verdict_of(3), Verdict::MptcpEcho);
    EXPECT_EQ(hs_of(1).answer_frame, 3u);
}

TEST_F(Fixture, RetransmittedSynPairsWithLatestCopy) {
    syn(1, 1000);
    syn(2, 1000, 40000, &none);  // Linux drops MP_CAPABLE on a later copy
    syn(3, 1000, 40000, &none);
    synack(4, 1001, 40000, &genuine_opts);
    EXPECT_EQ(hs_of(4).syn_frame, 3u);
    EXPECT_EQ(hs_of(4).first_syn_frame, 1u);
    EXPECT_EQ(hs_of(4).syn_copies, 3);
    // The latest copy offered no MP_CAPABLE: the server's is unsolicited.
    EXPECT_EQ(verdict_of(4), Verdict::Plain);
    EXPECT_EQ(c.lookup(2)->flags & bits(RecordFlag::Retransmission), bits(RecordFlag::Retransmission));
    EXPECT_EQ(c.lookup(1)->flags & bits(RecordFlag::Retransmission), 0);
    EXPECT_EQ(verdict_of(1), Verdict::Plain);  // every copy shares the handshake
}

TEST_F(Fixture, ReusedTupleIsANewHandshake) {
    for (uint32_t i = 0; i < 3; ++i) {
        syn(10 * i + 1, 1000 + i * 100000);
        synack(10 * i + 2, 1000 + i * 100000 + 1, 40000, &genuine_opts);
        c.observe(seg(10 * i + 3, kClient, 40000, kServer, 80, kFin | kAck, 1, 1, none));
    }
    EXPECT_EQ(c.handshake_count(), 3u);
    for (uint32_t i = 0; i < 3; ++i) {
        EXPECT_EQ(hs_of(10 * i + 2).syn_frame, 10 * i + 1);
        EXPECT_EQ(verdict_of(10 * i + 1), Verdict::MptcpGenuine);
    }
}

TEST_F(Fixture, ReusedTupleLeavesUnansweredOldHandshake) {
    syn(1, 1000);
    syn(2, 9000);
    synack(3, 9001);
    EXPECT_EQ(verdict_of(1), Verdict::NoAnswer);
    EXPECT_EQ(hs_of(3).syn_frame, 2u);
}

TEST_F(Fixture, MissingSynGivesNoSyn) {
    synack(5, 1001);
    EXPECT_EQ(verdict_of(5), Verdict::NoSyn);
    EXPECT_EQ(hs_of(5).syn_frame, 0u);
    // Its retransmission attaches to the same orphan handshake.
    synack(6, 1001);
    EXPECT_EQ(c.lookup(6)->handshake, c.lookup(5)->handshake);
    EXPECT_EQ(c.lookup(6)->flags & bits(RecordFlag::Retransmission), bits(RecordFlag::Retransmission));
}

TEST_F(Fixture, RetransmittedSynAckKeepsVerdict) {
    syn(1, 1000);
    synack(2, 1001);
    synack(3, 1001);
    EXPECT_EQ(c.lookup(3)->handshake, c.lookup(2)->handshake);
    EXPECT_EQ(c.lookup(3)->flags & bits(RecordFlag::Retransmission), bits(RecordFlag::Retransmission));
    EXPECT_EQ(hs_of(1).answer_frame, 2u);
    EXPECT_EQ(hs_of(1).answer_copies, 2);
}

TEST_F(Fixture, RstAnswer) {
    syn(1, 1000);
    ASSERT_NE(c.observe(seg(2, kServer, 80, kClient, 40000, RA, 0, 1001, none)), nullptr);
    EXPECT_EQ(verdict_of(1), Verdict::Rst);
    EXPECT_EQ(verdict_of(2), Verdict::Rst);
    EXPECT_EQ(hs_of(1).answer_role, Role::Rst);
    EXPECT_EQ(c.pending(), 1u);  // kept: a SYN+ACK may still come for the SYN
    EXPECT_EQ(c.observe(seg(3, kServer, 80, kClient, 40000, RA, 0, 1001, none)), nullptr);  // a second RST: nothing
}

// A box resets the client, and a SYN+ACK that copies the SYN follows: it
// pairs with the SYN and gets its verdict; the RST is kept beside it.
TEST_F(Fixture, SynAckAfterAnRstPairsWithTheSyn) {
    syn(1, 1000);
    c.observe(seg(2, kServer, 80, kClient, 40000, RA, 0, 1001, none, 60));
    ASSERT_NE(synack(3, 1001), nullptr);
    for (uint32_t f = 1; f <= 3; ++f) EXPECT_EQ(verdict_of(f), Verdict::MptcpEcho) << f;
    const Handshake& hs = hs_of(3);
    EXPECT_EQ(hs.answer_frame, 3u);
    EXPECT_EQ(hs.answer_role, Role::SynAck);
    EXPECT_EQ(hs.syn_frame, 1u);
    EXPECT_EQ(c.pair(hs.pair).rst_frame, 2u);
    EXPECT_EQ(c.pair(hs.pair).rst_ttl, 60);
    // Its retransmission is one.
    EXPECT_EQ(synack(4, 1001)->flags & bits(RecordFlag::Retransmission), bits(RecordFlag::Retransmission));
}

TEST_F(Fixture, SynAckAfterAnRstAndANewSynIsNotTheOldOnes) {
    syn(1, 1000);
    c.observe(seg(2, kServer, 80, kClient, 40000, RA, 0, 1001, none));
    syn(3, 5000);
    synack(4, 1001);
    EXPECT_EQ(verdict_of(4), Verdict::NoSyn);
    EXPECT_EQ(verdict_of(1), Verdict::Rst);
}

TEST_F(Fixture, RstWithoutMatchingAckIsIgnored) {
    syn(1, 1000);
    EXPECT_EQ(c.observe(seg(2, kServer, 80, kClient, 40000, RA, 0, 77, none)), nullptr);
    EXPECT_EQ(c.observe(seg(3, kServer, 80, kClient, 40000, R, 1001, 0, none)), nullptr);
    EXPECT_EQ(verdict_of(1), Verdict::NoAnswer);
}

TEST_F(Fixture, SimultaneousOpen) {
    const Bytes o = cat({mss(1460), sack_perm(), ts(5, 0), nop(), ws(7)});
    c.observe(seg(1, kClient, 5000, kServer, 6000, S, 100, 0, o));
    c.observe(seg(2, kServer, 6000, kClient, 5000, S, 900, 0, o));
    c.observe(seg(3, kClient, 5000, kServer, 6000, SA, 100, 901, o));
    c.observe(seg(4, kServer, 6000, kClient, 5000, SA, 900, 101, o));
    for (uint32_t f = 1; f <= 4; ++f) EXPECT_EQ(verdict_of(f), Verdict::SimultaneousOpen) << f;
    EXPECT_EQ(hs_of(4).syn_frame, 1u);
    EXPECT_EQ(hs_of(3).syn_frame, 2u);
}

TEST_F(Fixture, OutOfOrderFramesAreIgnored) {
    syn(5, 1000);
    EXPECT_EQ(syn(4, 1000), nullptr);
    EXPECT_EQ(c.out_of_order(), 1u);
}

// Data from the server at one distance, the SYN+ACK from another.
namespace {
Segment data(uint32_t f, Host src, uint16_t sport, Host dst, uint16_t dport, uint8_t ttl, uint16_t bytes = 100) {
    static const Bytes none;
    Segment s = seg(f, src, sport, dst, dport, kAck | kPsh, 7778, 1001, none, ttl);
    s.payload = bytes;
    return s;
}
}  // namespace

TEST_F(Fixture, ServerDataTtlRevealsAnotherBox) {
    syn(1, 1000);
    synack(2, 1001, 40000, &echo_opts, 62);
    c.observe(seg(3, kClient, 40000, kServer, 80, A, 1001, 7778, none));
    c.observe(data(4, kServer, 80, kClient, 40000, 50));
    EXPECT_EQ(hs_of(2).server_ttl, 50);
    EXPECT_FALSE(hs_of(2).hop_mismatch());  // one data segment is not enough
    c.observe(data(5, kServer, 80, kClient, 40000, 50));
    EXPECT_TRUE(hs_of(2).hop_mismatch());
    EXPECT_TRUE(hs_of(2).syn_proxy());  // 2 hops against the data's 14
    // A SYN+ACK retransmitted after that (the server rejected the third ACK)
    // still pairs with the SYN.
    synack(6, 1001, 40000, &echo_opts, 62);
    EXPECT_EQ(c.lookup(6)->handshake, c.lookup(2)->handshake);
    EXPECT_EQ(c.lookup(6)->flags & bits(RecordFlag::Retransmission), bits(RecordFlag::Retransmission));
}

// Linux SYNPROXY: the box answers the SYN and ACKs the client itself (at
// its own distance); only the server's data comes from one hop further.
TEST_F(Fixture, SynProxyIsSeenThroughItsOwnAcks) {
    syn(1, 1000);
    synack(2, 1001, 40000, &genuine_opts, 62);
    c.observe(seg(3, kClient, 40000, kServer, 80, A, 1001, 7778, none));
    c.observe(seg(4, kServer, 80, kClient, 40000, A, 7778, 1001, none, 62));  // the proxy's ACK: no data
    for (uint32_t f = 5; f < 8; ++f) c.observe(data(f, kServer, 80, kClient, 40000, 61));
    const Handshake& hs = hs_of(2);
    EXPECT_EQ(hs.server_ttl, 61);
    EXPECT_EQ(hs.server_samples(), 3);
    EXPECT_TRUE(hs.hop_mismatch());
    EXPECT_TRUE(hs.syn_proxy());
}

TEST_F(Fixture, ServerAtTheSynAcksDistanceIsNoMismatch) {
    // An ordinary server, its data retransmitted; then a route change.
    syn(1, 1000);
    synack(2, 1001, 40000, &genuine_opts, 57);
    c.observe(data(3, kServer, 80, kClient, 40000, 57));
    c.observe(data(4, kServer, 80, kClient, 40000, 57));
    for (uint32_t f = 5; f < 12; ++f) c.observe(data(f, kServer, 80, kClient, 40000, 56));
    EXPECT_FALSE(hs_of(2).hop_mismatch());
    EXPECT_FALSE(hs_of(2).syn_proxy());
    EXPECT_EQ(hs_of(2).server_samples(), kServerSamples);
}

TEST_F(Fixture, SynAckFromFartherThanTheDataIsNoProxy) {
    syn(1, 1000);
    synack(2, 1001, 40000, &genuine_opts, 50);
    c.observe(data(3, kServer, 80, kClient, 40000, 62));
    c.observe(data(4, kServer, 80, kClient, 40000, 62));
    EXPECT_TRUE(hs_of(2).hop_mismatch());
    EXPECT_FALSE(hs_of(2).syn_proxy());
}

TEST_F(Fixture, FewOutliersDoNotMoveTheServersTtl) {
    syn(1, 1000);
    synack(2, 1001, 40000, &genuine_opts, 62);
    for (uint8_t ttl : {61, 61, 70, 61, 61}) c.observe(data(c.last_frame() + 1, kServer, 80, kClient, 40000, ttl));
    EXPECT_EQ(hs_of(2).server_ttl, 61);
    EXPECT_TRUE(hs_of(2).syn_proxy());
}

TEST_F(Fixture, ClientHalfCloseKeepsTheServersDataComing) {
    syn(1, 1000);
    synack(2, 1001, 40000, &genuine_opts, 62);
    c.observe(seg(3, kClient, 40000, kServer, 80, kFin | kAck, 1001, 7778, none));
    c.observe(data(4, kServer, 80, kClient, 40000, 61));
    c.observe(data(5, kServer, 80, kClient, 40000, 61));
    EXPECT_TRUE(hs_of(2).syn_proxy());
}

// eBGP: the router answers at its own 255 (on the link: 0 hops) and sends
// its messages at TTL 1 (RFC 4271): a TTL set on purpose, not a distance.
TEST_F(Fixture, TtlOneIsNoDistance) {
    syn(1, 1000);
    synack(2, 1001, 40000, &genuine_opts, 255);
    for (uint32_t f = 3; f < 7; ++f) c.observe(data(f, kServer, 80, kClient, 40000, 1));
    EXPECT_EQ(hs_of(2).distance(), Distance::TtlSet);
    EXPECT_FALSE(hs_of(2).hop_mismatch());
    EXPECT_FALSE(hs_of(2).syn_proxy());
    EXPECT_EQ(hs_of(2).server_samples(), 0);
}

// GTSM (RFC 5082): the application sends at 255, its kernel answered the SYN
// at 64, both from 3 hops away.
TEST_F(Fixture, TwoInitialTtlsAtOneDistanceAreNamedSo) {
    syn(1, 1000);
    synack(2, 1001, 40000, &genuine_opts, 61);
    for (uint32_t f = 3; f < 6; ++f) c.observe(data(f, kServer, 80, kClient, 40000, 252));
    EXPECT_EQ(hs_of(2).distance(), Distance::OtherInitialTtl);
    EXPECT_FALSE(hs_of(2).hop_mismatch());
    EXPECT_FALSE(hs_of(2).syn_proxy());
}

// A proxy that starts at 255 is still found when the data says so.
TEST_F(Fixture, ProxyStartingAt255IsFound) {
    syn(1, 1000);
    synack(2, 1001, 40000, &genuine_opts, 255);
    for (uint32_t f = 3; f < 6; ++f) c.observe(data(f, kServer, 80, kClient, 40000, 60));
    EXPECT_EQ(hs_of(2).distance(), Distance::SynAckNearer);
    EXPECT_TRUE(hs_of(2).syn_proxy());
}

// A capture site where the server's SYN+ACK and FIN arrive one TTL lower
// than its data: the FIN, at the SYN+ACK's TTL, proves one host.
TEST_F(Fixture, ServerFinAtTheSynAcksTtlClearsIt) {
    syn(1, 1000);
    synack(2, 1001, 40000, &genuine_opts, 52);
    for (uint32_t f = 3; f < 13; ++f) c.observe(data(f, kServer, 80, kClient, 40000, 53));
    EXPECT_EQ(hs_of(2).distance(), Distance::SynAckFarther);
    EXPECT_TRUE(hs_of(2).hop_mismatch());
    EXPECT_FALSE(hs_of(2).syn_proxy());                                              // farther is never a box nearer
    c.observe(seg(13, kClient, 40000, kServer, 80, kFin | kAck, 1001, 7778, none));  // the client closes first
    c.observe(seg(14, kServer, 80, kClient, 40000, kFin | kAck, 8778, 1002, none, 52));
    EXPECT_EQ(hs_of(2).distance(), Distance::Same);
    EXPECT_FALSE(hs_of(2).hop_mismatch());
}

TEST_F(Fixture, ServerRstAtTheSynAcksTtlClearsIt) {
    syn(1, 1000);
    synack(2, 1001, 40000, &genuine_opts, 62);
    for (uint32_t f = 3; f < 6; ++f) c.observe(data(f, kServer, 80, kClient, 40000, 50));
    EXPECT_TRUE(hs_of(2).syn_proxy());
    c.observe(seg(6, kServer, 80, kClient, 40000, RA, 8778, 1001, none, 62));
    EXPECT_EQ(hs_of(2).distance(), Distance::Same);
    EXPECT_FALSE(hs_of(2).syn_proxy());
}

// A box that turns the SYN round keeps its IP ID; its TTL is the SYN's, so
// the SYN+ACK looks farther than the server.
TEST_F(Fixture, SynsIpIdReturnedMakesAFartherAnswerAProxys) {
    Segment s = seg(1, kClient, 40000, kServer, 80, S, 1000, 0, syn_opts);
    s.ip_id = 0x1234;
    c.observe(s);
    Segment a = seg(2, kServer, 80, kClient, 40000, SA, 7777, 1001, genuine_opts, 50);
    a.ip_id = 0x1234;
    c.observe(a);
    EXPECT_TRUE(hs_of(2).flags & bits(HandshakeFlag::IpIdReturned));
    EXPECT_FALSE(hs_of(2).syn_proxy());  // no data yet: only the sign
    for (uint32_t f = 3; f < 6; ++f) c.observe(data(f, kServer, 80, kClient, 40000, 58));
    EXPECT_EQ(hs_of(2).distance(), Distance::SynAckFarther);
    EXPECT_TRUE(hs_of(2).syn_proxy());
}

TEST_F(Fixture, IpIdZeroIsNoSign) {
    syn(1, 1000);  // IP ID 0 on both (Linux with DF)
    synack(2, 1001, 40000, &genuine_opts, 50);
    EXPECT_FALSE(hs_of(2).flags & bits(HandshakeFlag::IpIdReturned));
}

// RFC 3168 6.1.1 and RFC 9768 3.1.1: what a correct stack answers to an
// ECN-setup SYN never equals it; a box that turns the SYN round returns it.
TEST_F(Fixture, EcnSetupFlagsReturnedAreAFlagEcho) {
    const Bytes plain_opts = cat({mss(1460)});
    const Bytes server_opts = cat({mss(1400)});
    struct Case {
        uint16_t syn, synack;
        Verdict want;
    } cases[] = {
        {kEce | kCwr, kEce, Verdict::Plain},                        // RFC 3168 server
        {kEce | kCwr, 0, Verdict::Plain},                           // a server without ECN
        {kEce | kCwr, kEce | kCwr, Verdict::FlagEcho},              // reflected
        {kAe | kCwr | kEce, kCwr, Verdict::Plain},                  // AccECN, Not-ECT SYN
        {kAe | kCwr | kEce, kCwr | kEce, Verdict::Plain},           // AccECN, ECT(1)
        {kAe | kCwr | kEce, kAe, Verdict::Plain},                   // AccECN, ECT(0)
        {kAe | kCwr | kEce, kAe | kCwr, Verdict::Plain},            // AccECN, CE
        {kAe | kCwr | kEce, kEce, Verdict::Plain},                  // classic ECN server
        {kAe | kCwr | kEce, kAe | kEce, Verdict::Plain},            // the nonce-era answer
        {kAe | kCwr | kEce, kAe | kCwr | kEce, Verdict::FlagEcho},  // RFC 9768's broken (reflecting) host
        {0, kEce | kCwr, Verdict::Plain},                           // no ECN asked: nothing to return
    };
    uint16_t port = 41000;
    for (const Case& k : cases) {
        ++port;
        const uint32_t f = c.last_frame() + 1;
        c.observe(seg(f, kClient, port, kServer, 80, uint16_t(S | k.syn), 1000, 0, plain_opts));
        c.observe(seg(f + 1, kServer, 80, kClient, port, uint16_t(SA | k.synack), 7777, 1001, server_opts));
        EXPECT_EQ(verdict_of(f + 1), k.want) << std::hex << k.syn << " " << k.synack;
        EXPECT_EQ((hs_of(f + 1).facts & bits(HandshakeFact::FlagEcho)) != 0, k.want == Verdict::FlagEcho);
    }
}

// Linux falls back to a SYN without ECN setup when its first goes unanswered.
TEST_F(Fixture, FlagEchoComparesTheSynCopyAnswered) {
    const Bytes o = cat({mss(1460)});
    c.observe(seg(1, kClient, 40000, kServer, 80, uint16_t(S | kEce | kCwr), 1000, 0, o));
    c.observe(seg(2, kClient, 40000, kServer, 80, S, 1000, 0, o));
    c.observe(seg(3, kServer, 80, kClient, 40000, uint16_t(SA | kEce | kCwr), 7777, 1001, o));
    EXPECT_EQ(verdict_of(3), Verdict::Plain);
}

// RFC 7413: the SYN+ACK of a server that takes a TFO SYN's data
// acknowledges the data too.
TEST_F(Fixture, FastOpenSynAckAcknowledgingTheDataPairs) {
    Segment s = seg(1, kClient, 40000, kServer, 80, S, 1000, 0, syn_opts);
    s.payload = 120;
    c.observe(s);
    synack(2, 1000 + 1 + 120, 40000, &genuine_opts);
    EXPECT_EQ(verdict_of(1), Verdict::MptcpGenuine);
    EXPECT_EQ(hs_of(2).syn_frame, 1u);
    EXPECT_EQ(c.pair(hs_of(2).pair).data_acked, 120);
    // Past the data: not this SYN's answer.
    Segment s2 = seg(3, kClient, 40001, kServer, 80, S, 1000, 0, syn_opts);
    s2.payload = 120;
    c.observe(s2);
    synack(4, 1000 + 1 + 121, 40001, &genuine_opts);
    EXPECT_EQ(verdict_of(4), Verdict::NoSyn);
    // A server that refuses the data acknowledges the SYN alone.
    synack(5, 1001, 40001, &genuine_opts);
    EXPECT_EQ(verdict_of(3), Verdict::MptcpGenuine);
    EXPECT_EQ(c.pair(hs_of(5).pair).data_acked, 0);
}

TEST_F(Fixture, FastOpenSynAnsweredByRst) {
    Segment s = seg(1, kClient, 40000, kServer, 80, S, 1000, 0, syn_opts);
    s.payload = 10;
    c.observe(s);
    c.observe(seg(2, kServer, 80, kClient, 40000, RA, 0, 1011, none));
    EXPECT_EQ(verdict_of(1), Verdict::Rst);
}

// A probe whose only answers are ICMP errors (a router's time exceeded, a
// firewall's unreachable): answered, by the path.
TEST_F(Fixture, SynAnsweredOnlyByIcmpErrors) {
    syn(1, 1000);
    syn(2, 2000, 40001);
    const Segment q1 = seg(0, kClient, 40000, kServer, 80, S, 1000, 0, syn_opts);
    c.observe_quote(3, q1, true);
    c.observe_quote(4, q1, false);
    EXPECT_EQ(verdict_of(1), Verdict::IcmpError);
    EXPECT_EQ(verdict_of(2), Verdict::NoAnswer);
    EXPECT_EQ(c.quote_frames(c.lookup(1)->handshake), (std::vector<uint32_t>{3, 4}));
    EXPECT_TRUE(c.quote_frames(c.lookup(2)->handshake).empty());
    // A SYN+ACK that comes after all decides.
    synack(5, 1001);
    EXPECT_EQ(verdict_of(1), Verdict::MptcpEcho);
    EXPECT_EQ(c.quote_frames(c.lookup(1)->handshake).size(), 2u);
}

TEST_F(Fixture, SynAckRetransmittedAfterClientRstStillPairs) {
    syn(1, 1000);
    synack(2, 1001);
    c.observe(seg(3, kClient, 40000, kServer, 80, R, 1001, 0, none));
    synack(4, 1001);
    EXPECT_EQ(c.lookup(4)->handshake, c.lookup(2)->handshake);
    EXPECT_EQ(verdict_of(4), Verdict::MptcpEcho);
}

TEST_F(Fixture, TruncatedSynAckIsTruncated) {
    syn(1, 1000);
    Segment s = seg(2, kServer, 80, kClient, 40000, SA, 7777, 1001, echo_opts);
    s.options_captured = 3;
    c.observe(s);
    EXPECT_EQ(verdict_of(2), Verdict::Truncated);
}

TEST_F(Fixture, Ipv6PairsToo) {
    uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
    uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
    Segment s1 = seg(1, kClient, 1, kServer, 80, S, 10, 0, syn_opts);
    s1.tuple.src = Address::v6(a);
    s1.tuple.dst = Address::v6(b);
    Segment s2 = seg(2, kServer, 80, kClient, 1, SA, 99, 11, genuine_opts);
    s2.tuple.src = Address::v6(b);
    s2.tuple.dst = Address::v6(a);
    c.observe(s1);
    c.observe(s2);
    EXPECT_EQ(verdict_of(2), Verdict::MptcpGenuine);
}

TEST(CorrelatorCap, FloodStaysWithinCapAndCountsDrops) {
    Correlator c(100);
    Bytes none;
    for (uint32_t i = 0; i < 10000; ++i)
        c.observe(seg(i + 1, {10, uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i)}, 1234, {198, 51, 100, 1}, 80, kSyn, i,
                      0, none));
    EXPECT_LE(c.pending(), 100u);
    EXPECT_EQ(c.evictions(), 10000u - c.pending());
    // A late answer to a dropped SYN is no-syn, flagged as maybe dropped.
    c.observe(seg(20000, {198, 51, 100, 1}, 80, {10, 0, 0, 0}, 1234, kSyn | kAck, 5, 1, none));
    const Handshake& hs = c.handshake(c.lookup(20000)->handshake);
    EXPECT_EQ(hs.verdict, Verdict::NoSyn);
    EXPECT_TRUE(hs.flags & bits(HandshakeFlag::EvictedBefore));
}

TEST(Hops, InitialTtlGuess) {
    EXPECT_EQ(estimated_hops(57), 7);
    EXPECT_EQ(estimated_hops(64), 0);
    EXPECT_EQ(estimated_hops(120), 8);
    EXPECT_EQ(estimated_hops(250), 5);
    EXPECT_EQ(estimated_hops(0), 0);
}

TEST_F(Fixture, QuotedSynIsLinkedNeverPaired) {
    const Bytes sent = cat({mss(1460), mpc_key(0, 42)});
    const Bytes stripped =
        cat({mss(1460), nop(), nop(), nop(), nop(), nop(), nop(), nop(), nop(), nop(), nop(), nop(), nop()});
    syn(1, 1000, 40000, &sent);
    const Segment quoted = seg(0, kClient, 40000, kServer, 80, S, 1000, 0, stripped);
    const Quote* q = c.observe_quote(2, quoted, true);
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->syn_frame, 1u);
    EXPECT_TRUE(q->stripped());
    EXPECT_TRUE(q->changed());
    EXPECT_EQ(verdict_of(1), Verdict::IcmpError);  // answered by the path, never paired
    EXPECT_EQ(c.lookup(2), nullptr);
    ASSERT_NE(c.lookup_quote(2), nullptr);
    // An unchanged quote, and one too short to show options.
    const Segment same = seg(0, kClient, 40000, kServer, 80, S, 1000, 0, sent);
    EXPECT_FALSE(c.observe_quote(3, same, true)->changed());
    EXPECT_FALSE(c.observe_quote(4, same, false)->stripped());
    // A quote of another sequence number is not that SYN.
    const Segment other = seg(0, kClient, 40000, kServer, 80, S, 5, 0, sent);
    EXPECT_EQ(c.observe_quote(5, other, true)->handshake, kNone);
}

// A SYN+ACK whose SYN is not in the capture leaves an entry on the SYN's
// tuple (for its retransmissions); a quote of that SYN has nothing to be set
// against: the capture never showed what was sent.
TEST_F(Fixture, QuoteOfASynNotInTheCaptureIsNotLinked) {
    synack(1, 1001);
    const Bytes opts = cat({mss(1460)});
    const Segment quoted = seg(0, kClient, 40000, kServer, 80, S, 1000, 0, opts);
    const Quote* q = c.observe_quote(2, quoted, true);
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->handshake, kNone);
    EXPECT_FALSE(q->changed());
}

// tshark -2 -R gives the number of a frame its read filter drops to the next
// frame: the dropped frame still counts for pairing, links to it vanish.
TEST_F(Fixture, RepeatedFrameNumberTakesOverTheNumber) {
    syn(1, 1000);
    syn(2, 1000);                     // a retransmission the read filter will drop...
    synack(2, 1001);                  // ...so the SYN+ACK arrives with the same number
    EXPECT_EQ(c.filtered_out(), 1u);  // the dropped SYN copy's record
    ASSERT_NE(c.lookup(2), nullptr);
    EXPECT_EQ(c.lookup(2)->role, Role::SynAck);
    EXPECT_EQ(hs_of(2).syn_frame, 0u);  // the copy it answered is not in the filtered file
    EXPECT_EQ(hs_of(2).first_syn_frame, 1u);
    EXPECT_EQ(verdict_of(1), Verdict::MptcpEcho);
}

// Both directions of a connection share their fingerprint but for the
// lowest bit, so that the pending table finds both in one probe; a
// self-connect is its own reverse.
TEST(FlowTuple, ReverseFingerprintIsTheReversedTuples) {
    std::vector<FlowTuple> tuples;
    for (uint32_t i = 0; i < 2000; ++i) {
        FlowTuple t;
        const uint8_t a[4] = {uint8_t(i), uint8_t(i >> 8), 7, uint8_t(i * 13)};
        const uint8_t b[4] = {uint8_t(i * 7), 0, uint8_t(i >> 3), uint8_t(i & 1)};
        uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8}, b6[16] = {0x20, 0x01, 0x0d, 0xb8};
        a6[15] = uint8_t(i);
        b6[14] = uint8_t(i >> 1);
        t.src = i % 2 ? Address::v4(a) : Address::v6(a6);
        t.dst = i % 2 ? Address::v4(b) : Address::v6(b6);
        t.src_port = uint16_t(i % 5 == 0 ? 80 : 30000 + i);
        t.dst_port = uint16_t(i % 3 == 0 ? 80 : 443);
        if (i % 97 == 0) t.dst = t.src, t.dst_port = t.src_port;  // self-connect
        tuples.push_back(t);
    }
    for (const FlowTuple& t : tuples) {
        const uint64_t fp = t.fingerprint();
        EXPECT_NE(fp, 0u);
        EXPECT_EQ(t.reverse_fingerprint(fp), t.reversed().fingerprint());
        if (t.is_loop()) {
            EXPECT_EQ(t.reversed().fingerprint(), fp);
        } else {
            EXPECT_EQ(t.reversed().fingerprint(), fp ^ 1u);
        }
        FlowTuple other_port = t;
        other_port.src_port = uint16_t(t.src_port + 1);
        EXPECT_NE(other_port.fingerprint() >> 1, fp >> 1);
    }
}

// A socket connected to itself sends a SYN and answers it with a SYN+ACK on
// the same tuple (Linux self-connect): the SYN+ACK pairs with that SYN.
TEST_F(Fixture, SelfConnectPairs) {
    const Bytes o = cat({mss(65495), sack_perm(), ts(5, 0), nop(), ws(7)});
    c.observe(seg(1, kClient, 5000, kClient, 5000, S, 100, 0, o));
    c.observe(seg(2, kClient, 5000, kClient, 5000, SA, 100, 101, o));
    EXPECT_EQ(c.lookup(1)->handshake, c.lookup(2)->handshake);
    EXPECT_TRUE(hs_of(2).answered());
}
