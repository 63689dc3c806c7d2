// Multi-vantage copies (middlebox/Copies.h): a segment seen again further
// along its path is linked to where it was first seen; a retransmission is not.
#include <gtest/gtest.h>

#include "Builders.h"
#include "middlebox/Correlator.h"

using namespace middlebox;
using namespace mbtest;

namespace {
const Host kClient{192, 0, 2, 10};
const Host kServer{198, 51, 100, 1};
const uint16_t S = kSyn, SA = kSyn | kAck;

struct SegmentCopies : ::testing::Test {
    Correlator c{1000};
    Bytes syn_v1 = cat({mss(1460), mpc_v1_syn()});
    Bytes stripped = cat({mss(1460), nop(), nop(), nop(), nop()});
    Bytes clamped = cat({mss(1360), mpc_v1_syn()});
    Bytes genuine = cat({mss(1400), mpc_key(1, 99)});
    Bytes plain = mss(1400);

    const FrameRecord* syn(uint32_t f, const Bytes& o, uint8_t ttl) {
        return c.observe(seg(f, kClient, 40000, kServer, 80, S, 1000, 0, o, ttl));
    }
    const FrameRecord* synack(uint32_t f, const Bytes& o, uint8_t ttl) {
        return c.observe(seg(f, kServer, 80, kClient, 40000, SA, 7777, 1001, o, ttl));
    }
};
}  // namespace

TEST_F(SegmentCopies, RouterSeesTheSynOnItsWayInAndOut) {
    syn(1, syn_v1, 64);
    const FrameRecord* r = syn(2, stripped, 63);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->flags, bits(RecordFlag::Copy));
    const Copy* copy = c.copies().lookup(2);
    ASSERT_NE(copy, nullptr);
    EXPECT_EQ(copy->first_frame(), 1u);
    EXPECT_EQ(copy->ttl_delta(), 1);
    EXPECT_TRUE(copy->changed());
    EXPECT_EQ(copy->diff(), "=MSS 1460 -MP_CAPABLE");
    EXPECT_FALSE(copy->rewritten_on_path);
}

TEST_F(SegmentCopies, AClampedMssIsARewriteNotADeletion) {
    syn(1, syn_v1, 64);
    syn(2, clamped, 62);
    const Copy* copy = c.copies().lookup(2);
    ASSERT_NE(copy, nullptr);
    EXPECT_EQ(copy->ttl_delta(), 2);
    EXPECT_EQ(copy->diff(), "~MSS 1460 -> 1360 =MP_CAPABLE v1 no key");
}

TEST_F(SegmentCopies, SameTtlIsARetransmission) {
    // A stack resending its SYN, or loopback captured on "any": the same TTL.
    syn(1, syn_v1, 64);
    EXPECT_EQ(syn(2, syn_v1, 64)->flags, bits(RecordFlag::Retransmission));
    EXPECT_TRUE(c.copies().empty());
    // A higher TTL is no copy either.
    EXPECT_EQ(syn(3, syn_v1, 65)->flags, bits(RecordFlag::Retransmission));
    EXPECT_TRUE(c.copies().empty());
}

TEST_F(SegmentCopies, ARetransmissionRestartsTheChain) {
    // A router capture of a retransmitted SYN: in, out, in again, out again.
    syn(1, syn_v1, 64);
    syn(2, stripped, 63);
    EXPECT_EQ(syn(3, syn_v1, 64)->flags, bits(RecordFlag::Retransmission));
    EXPECT_EQ(syn(4, stripped, 63)->flags, bits(RecordFlag::Copy));
    EXPECT_EQ(c.copies().lookup(4)->first_frame(), 3u);
    EXPECT_EQ(c.copies().lookup(3), nullptr);
}

TEST_F(SegmentCopies, MergedCaptureOfARewriteBox) {
    // Client side first (TTL 64), server side later (61); the SYN+ACK the
    // other way: genuine at the server, the SYN's options at the client.
    syn(1, syn_v1, 64);
    syn(2, syn_v1, 61);
    synack(3, genuine, 64);
    const FrameRecord* r = synack(4, syn_v1, 61);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->flags, bits(RecordFlag::Copy));
    EXPECT_EQ(c.handshake(r->handshake).verdict, Verdict::MptcpGenuine);  // the first copy's
    const Copy* copy = c.copies().lookup(4);
    ASSERT_NE(copy, nullptr);
    EXPECT_EQ(copy->first_frame(), 3u);
    EXPECT_EQ(copy->ttl_delta(), 3);
    EXPECT_EQ(copy->verdict_here, Verdict::MptcpEcho);
    EXPECT_TRUE(copy->rewritten_on_path);
}

TEST_F(SegmentCopies, AStrippedSynAckIsChangedButNotRewrittenIntoAnEcho) {
    syn(1, syn_v1, 64);
    syn(2, syn_v1, 61);
    synack(3, genuine, 64);
    synack(4, plain, 61);
    const Copy* copy = c.copies().lookup(4);
    ASSERT_NE(copy, nullptr);
    EXPECT_TRUE(copy->changed());
    EXPECT_EQ(copy->verdict_here, Verdict::MptcpAbsent);
    EXPECT_FALSE(copy->rewritten_on_path);
}

TEST_F(SegmentCopies, AnUnchangedCopyOfAGenuineSynAck) {
    syn(1, syn_v1, 64);
    synack(2, genuine, 64);
    synack(3, genuine, 63);
    const Copy* copy = c.copies().lookup(3);
    ASSERT_NE(copy, nullptr);
    EXPECT_FALSE(copy->changed());
    EXPECT_EQ(copy->diff(), "=MSS 1400 =MP_CAPABLE v1 key 0x0000000000000063");
    EXPECT_EQ(copy->verdict_here, Verdict::MptcpGenuine);
    EXPECT_FALSE(copy->rewritten_on_path);
}
