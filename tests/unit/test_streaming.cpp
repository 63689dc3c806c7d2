// The correlator's streaming mode and the NDJSON stream (middlebox-scan
// --format ndjson): handshakes are ended and forgotten in index order.
#include <gtest/gtest.h>

#include <sstream>

#include "Builders.h"
#include "middlebox/Correlator.h"
#include "middlebox/StreamReport.h"

using namespace middlebox;
using namespace mbtest;

namespace {
const Host kClient{192, 0, 2, 1}, kServer{198, 51, 100, 7};
const Bytes kOpts = cat({mss(1460), kind222()});
}  // namespace

TEST(Streaming, ExpireEndsThePendingStateOfOldHandshakes) {
    for (bool streaming : {false, true}) {
        Correlator c(100, streaming);
        c.observe(seg(1, kClient, 40000, kServer, 80, kSyn, 1000, 0, kOpts));
        c.observe(seg(2, kClient, 40001, kServer, 80, kSyn, 2000, 0, kOpts));
        std::vector<uint32_t> retired;
        c.expire_before(1, [&](uint32_t i) { retired.push_back(i); });
        EXPECT_EQ(retired, std::vector<uint32_t>{0});
        EXPECT_EQ(c.expired(), 1u);
        EXPECT_EQ(c.expired_below(), 1u);
        EXPECT_EQ(c.pending(), 1u);
        // The expired SYN's answer comes too late: an orphan; the other pairs.
        const FrameRecord* late = c.observe(seg(3, kServer, 80, kClient, 40000, kSyn | kAck, 7, 1001, kOpts));
        ASSERT_NE(late, nullptr);
        EXPECT_EQ(c.handshake(late->handshake).verdict, Verdict::NoSyn);
        const FrameRecord* r = c.observe(seg(4, kServer, 80, kClient, 40001, kSyn | kAck, 9, 2001, kOpts));
        ASSERT_NE(r, nullptr);
        EXPECT_EQ(r->handshake, 1u);
        EXPECT_EQ(c.handshake(1).verdict, Verdict::OptionEcho);
        // Answered handshakes leave the table uncounted as expiries.
        c.expire_before(static_cast<uint32_t>(c.handshake_count()));
        EXPECT_EQ(c.expired(), 1u);
        EXPECT_EQ(c.pending(), 0u);
        if (!streaming) {
            EXPECT_EQ(c.records().size(), 4u);  // the whole capture's records stay
        }
    }
}

TEST(Streaming, ARetiredTupleStartsAfresh) {
    // A later SYN on the tuple took the entry over: expiring the old
    // handshake leaves the new one pending.
    Correlator c(100, true);
    c.observe(seg(1, kClient, 40000, kServer, 80, kSyn, 1000, 0, kOpts));
    c.observe(seg(2, kClient, 40000, kServer, 80, kSyn, 5000, 0, kOpts));
    c.expire_before(1);
    EXPECT_EQ(c.expired(), 0u);
    EXPECT_EQ(c.pending(), 1u);
    const FrameRecord* r = c.observe(seg(3, kServer, 80, kClient, 40000, kSyn | kAck, 9, 5001, kOpts));
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->handshake, 1u);
}

TEST(Streaming, ForgetsWholeChunksAndKeepsWorking) {
    // Far more handshakes than one chunk of records, retired as they go:
    // the window stays small and every late handshake still pairs.
    Correlator c(64, true);
    uint32_t frame = 0;
    for (uint32_t i = 0; i < 20000; ++i) {
        const uint16_t port = static_cast<uint16_t>(1024 + i % 60000);
        c.observe(seg(++frame, kClient, port, kServer, 80, kSyn, i, 0, kOpts));
        const FrameRecord* r = c.observe(seg(++frame, kServer, 80, kClient, port, kSyn | kAck, 1, i + 1, kOpts));
        ASSERT_NE(r, nullptr);
        ASSERT_EQ(r->handshake, i);
        ASSERT_EQ(c.handshake(i).verdict, Verdict::OptionEcho);
        ASSERT_EQ(c.pair(c.handshake(i).pair).evidence.echoed_count, 1);
        if (i >= 16) c.expire_before(i - 16);
    }
    EXPECT_EQ(c.expired_below(), 20000u - 17);
    EXPECT_LE(c.pending(), 17u);
    EXPECT_EQ(c.evictions(), 0u);
}

TEST(Streaming, NdjsonLinesAndTotals) {
    Correlator c(100, true);
    std::ostringstream out;
    {
        NdjsonWriter w(out);
        c.observe(seg(1, kClient, 40000, kServer, 80, kSyn, 1000, 0, kOpts));
        c.observe(seg(2, kClient, 40001, kServer, 80, kSyn, 2000, 0, kOpts));
        const FrameRecord* r = c.observe(seg(3, kServer, 80, kClient, 40000, kSyn | kAck, 9, 1001, kOpts, 57));
        w.handshake(c, r->handshake);
        c.expire_before(2, [&](uint32_t i) {
            if (!c.handshake(i).answered()) w.handshake(c, i);
            w.count(c, i);
        });
        w.finish(c, {{"tcp", 3}});
    }
    EXPECT_EQ(out.str(),
              "{\"syn_frame\": 1, \"answer_frame\": 3, \"answer\": \"synack\", \"client\": \"192.0.2.1:40000\", "
              "\"server\": \"198.51.100.7:80\", \"verdict\": \"option-echo\", \"hops\": 7, "
              "\"diff\": \"=MSS 1460 =KIND222 f989\", \"echoed\": \"kind 222\"}\n"
              "{\"syn_frame\": 2, \"answer_frame\": null, \"answer\": null, \"client\": \"192.0.2.1:40001\", "
              "\"server\": \"198.51.100.7:80\", \"verdict\": \"no-answer\", \"hops\": null, \"diff\": null, "
              "\"echoed\": \"\"}\n"
              "{\"totals\": {\"handshakes\": 2, \"synacks\": 1, \"verdicts\": {\"option-echo\": 1, \"no-answer\": 1}, "
              "\"mp_capable\": {\"synacks\": 0, \"genuine\": 0, \"echoed\": 0}, \"unknown_options\": {\"synacks\": 1, "
              "\"echoed\": 1}, \"syn_proxies\": 0, \"evictions\": 0, \"expired\": 1}, \"frames\": {\"tcp\": 3}}\n");
}

TEST(Streaming, RetiredHandshakesLeaveNoCopies) {
    // A router's capture of a scan: every SYN is seen again one hop on. Its
    // chains and copies must not outlive the handshake, or memory grows with
    // the capture.
    Correlator c(100, true);
    c.observe(seg(1, kClient, 40000, kServer, 80, kSyn, 1000, 0, kOpts, 64));
    const FrameRecord* copy = c.observe(seg(2, kClient, 40000, kServer, 80, kSyn, 1000, 0, kOpts, 63));
    ASSERT_NE(copy, nullptr);
    EXPECT_EQ(copy->flags, bits(RecordFlag::Copy));
    EXPECT_EQ(c.copies().all().size(), 1u);
    ASSERT_NE(c.copies().first_syn(0), nullptr);
    c.expire_before(1);
    EXPECT_TRUE(c.copies().all().empty());
    EXPECT_EQ(c.copies().first_syn(0), nullptr);
}
