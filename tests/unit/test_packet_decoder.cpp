// The IP-on decoder both front ends share (PacketDecoder.h): IPv4 with
// options, IPv6 with extension headers, the TCP header and its options,
// the payload from the IP length, ICMP/ICMPv6 quotes; never a byte past
// what was captured.
#include <gtest/gtest.h>

#include <vector>

#include "Builders.h"
#include "middlebox/PacketDecoder.h"

using namespace middlebox;
using namespace mbtest;

namespace {

Bytes tcp_header(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, const Bytes& opts) {
    const size_t len = 20 + opts.size();
    Bytes t = {uint8_t(sport >> 8),
               uint8_t(sport),
               uint8_t(dport >> 8),
               uint8_t(dport),
               uint8_t(seq >> 24),
               uint8_t(seq >> 16),
               uint8_t(seq >> 8),
               uint8_t(seq),
               uint8_t(ack >> 24),
               uint8_t(ack >> 16),
               uint8_t(ack >> 8),
               uint8_t(ack),
               uint8_t((len / 4) << 4),
               flags,
               0xff,
               0xff,
               0,
               0,
               0,
               0};
    t.insert(t.end(), opts.begin(), opts.end());
    return t;
}

// An IPv4 header (with `ip_opts`, a multiple of 4 bytes) before `payload`.
Bytes ipv4(uint8_t proto, uint8_t ttl, uint16_t id, const Bytes& ip_opts, const Bytes& payload) {
    const size_t hl = 20 + ip_opts.size(), total = hl + payload.size();
    Bytes h = {uint8_t(0x40 | (hl / 4)),
               0,
               uint8_t(total >> 8),
               uint8_t(total),
               uint8_t(id >> 8),
               uint8_t(id),
               0x40,
               0,
               ttl,
               proto,
               0,
               0,
               192,
               0,
               2,
               10,
               198,
               51,
               100,
               7};
    h.insert(h.end(), ip_opts.begin(), ip_opts.end());
    h.insert(h.end(), payload.begin(), payload.end());
    return h;
}

Bytes ipv6(uint8_t next, uint8_t hops, const Bytes& payload) {
    Bytes h = {0x60, 0, 0, 0, uint8_t(payload.size() >> 8), uint8_t(payload.size()), next, hops};
    for (int i = 0; i < 16; ++i) h.push_back(i == 0 ? 0x20 : i == 1 ? 0x01 : i == 15 ? 1 : 0);
    for (int i = 0; i < 16; ++i) h.push_back(i == 0 ? 0x20 : i == 1 ? 0x01 : i == 15 ? 2 : 0);
    h.insert(h.end(), payload.begin(), payload.end());
    return h;
}

// A segment read from `pkt` (IP at 0) the way the plugin and the scanner do.
bool read(const Bytes& pkt, bool v6, Segment* s) {
    int tcp = 0;
    if (v6) {
        uint8_t proto = 0;
        tcp = ipv6_upper_layer(pkt.data(), int(pkt.size()), 0, &proto);
        if (tcp < 0 || proto != kIpProtoTcp) return false;
    } else {
        tcp = (pkt[0] & 0x0f) * 4;
    }
    return read_live_segment(pkt.data(), int(pkt.size()), 0, tcp, v6, s);
}

}  // namespace

TEST(PacketDecoder, Ipv4WithOptionsGivesTheTcpHeaderBehindThem) {
    const Bytes opts = cat({mss(1460), sack_perm(), kind222(), nop(), nop()});
    const Bytes record_route = {7, 7, 4, 0, 0, 0, 0, 1};  // RR with one empty slot, then EOL padding
    const Bytes pkt = ipv4(kIpProtoTcp, 57, 0x1234, record_route, tcp_header(46253, 80, 1000, 0, 0x02, opts));
    Segment s;
    ASSERT_TRUE(read(pkt, false, &s));
    EXPECT_EQ(s.tuple.src_port, 46253);
    EXPECT_EQ(s.tuple.dst_port, 80);
    EXPECT_EQ(s.tuple.src.family, 4);
    EXPECT_EQ(s.tuple.dst.bytes[3], 7);
    EXPECT_EQ(s.ttl, 57);
    EXPECT_EQ(s.ip_id, 0x1234);
    EXPECT_EQ(s.seq, 1000u);
    EXPECT_TRUE(s.is_syn());
    EXPECT_EQ(s.options_declared, opts.size());
    EXPECT_EQ(s.options_captured, opts.size());
    EXPECT_EQ(Bytes(s.options, s.options + s.options_captured), opts);
    EXPECT_EQ(s.payload, 0);
}

TEST(PacketDecoder, PayloadComesFromTheIpLengthNotFromTheFrame) {
    Bytes pkt = ipv4(kIpProtoTcp, 64, 1, {}, cat({tcp_header(80, 46253, 5, 1001, 0x18, {}), Bytes(10, 'x')}));
    pkt.insert(pkt.end(), 6, 0);  // Ethernet padding after the IP packet
    Segment s;
    ASSERT_TRUE(read(pkt, false, &s));
    EXPECT_EQ(s.payload, 10);
}

TEST(PacketDecoder, OptionsCutByTheCaptureAreCountedNotRead) {
    const Bytes opts = cat({mss(1460), sack_perm(), ts(1, 0), nop(), ws(7)});
    Bytes pkt = ipv4(kIpProtoTcp, 64, 1, {}, tcp_header(46253, 80, 1, 0, 0x02, opts));
    pkt.resize(20 + 20 + 6);  // the snaplen cut six bytes into the options
    Segment s;
    ASSERT_TRUE(read(pkt, false, &s));
    EXPECT_EQ(s.options_declared, opts.size());
    EXPECT_EQ(s.options_captured, 6);
    EXPECT_EQ(s.option_block().status(), OptionBlock::Status::Truncated);
}

TEST(PacketDecoder, Ipv6ExtensionHeadersAreWalked) {
    // Hop-by-hop (8 bytes, a PadN), then destination options (8 bytes), then TCP.
    const Bytes tcp = tcp_header(40000, 443, 7, 0, 0x02, cat({mss(1440), sack_perm(), nop(), nop()}));
    Bytes ext = {60,          0, 1, 4, 0, 0, 0, 0,   // hop-by-hop, next: destination options
                 kIpProtoTcp, 0, 1, 4, 0, 0, 0, 0};  // destination options, next: TCP
    ext.insert(ext.end(), tcp.begin(), tcp.end());
    const Bytes pkt = ipv6(0, 50, ext);
    uint8_t proto = 0;
    EXPECT_EQ(ipv6_upper_layer(pkt.data(), int(pkt.size()), 0, &proto), 40 + 16);
    EXPECT_EQ(proto, kIpProtoTcp);
    Segment s;
    ASSERT_TRUE(read(pkt, true, &s));
    EXPECT_EQ(s.tuple.src.family, 6);
    EXPECT_EQ(s.ttl, 50);
    EXPECT_EQ(s.tuple.dst_port, 443);
    EXPECT_EQ(s.options_captured, 8);
}

TEST(PacketDecoder, Ipv6WalkStopsAtTheCapturedBytesAndAtLaterFragments) {
    Bytes ext = {kIpProtoTcp, 0, 1, 4, 0, 0, 0, 0};
    Bytes cut = ipv6(0, 64, ext);
    cut.resize(40 + 4);  // the hop-by-hop header runs past the capture
    uint8_t proto = 0;
    EXPECT_EQ(ipv6_upper_layer(cut.data(), int(cut.size()), 0, &proto), -1);
    const Bytes later_fragment = ipv6(44, 64, {kIpProtoTcp, 0, 0x00, 0x08 | 0, 0, 0, 0, 1});  // offset 1
    EXPECT_EQ(ipv6_upper_layer(later_fragment.data(), int(later_fragment.size()), 0, &proto), -1);
}

TEST(PacketDecoder, ATcpHeaderShorterThanTwentyBytesIsNoSegment) {
    Bytes pkt = ipv4(kIpProtoTcp, 64, 1, {}, tcp_header(1, 2, 3, 4, 0x02, {}));
    pkt.resize(20 + 12);
    Segment s;
    EXPECT_FALSE(read(pkt, false, &s));
}

TEST(PacketDecoder, IcmpTimeExceededQuoteGivesTheProbe) {
    const Bytes probe = ipv4(kIpProtoTcp, 1, 7, {}, tcp_header(46253, 80, 1000, 0, 0x02, cat({mss(1460), kind222()})));
    Bytes icmp = {11, 0, 0, 0, 0, 0, 0, 0};  // time exceeded in transit
    icmp.insert(icmp.end(), probe.begin(), probe.end());
    Segment s;
    bool visible = false;
    ASSERT_TRUE(read_icmp_quote(icmp.data(), int(icmp.size()), false, &s, &visible));
    EXPECT_TRUE(visible);
    EXPECT_EQ(s.tuple.dst_port, 80);
    EXPECT_EQ(s.seq, 1000u);
    EXPECT_EQ(s.options_captured, 8);
}

TEST(PacketDecoder, AnRfc792QuoteOfEightTcpBytesHidesTheOptions) {
    const Bytes probe = ipv4(kIpProtoTcp, 1, 7, {}, tcp_header(46253, 80, 1000, 0, 0x02, cat({mss(1460), kind222()})));
    Bytes icmp = {11, 0, 0, 0, 0, 0, 0, 0};
    icmp.insert(icmp.end(), probe.begin(), probe.begin() + 20 + 8);
    Segment s;
    bool visible = true;
    ASSERT_TRUE(read_icmp_quote(icmp.data(), int(icmp.size()), false, &s, &visible));
    EXPECT_FALSE(visible);
    EXPECT_TRUE(s.is_syn());  // taken to be the probe
    EXPECT_EQ(s.seq, 1000u);
}

TEST(PacketDecoder, AnEchoReplyIsNoQuote) {
    const Bytes probe = ipv4(kIpProtoTcp, 1, 7, {}, tcp_header(1, 2, 3, 0, 0x02, {}));
    Bytes icmp = {0, 0, 0, 0, 0, 0, 0, 0};
    icmp.insert(icmp.end(), probe.begin(), probe.end());
    Segment s;
    bool visible = false;
    EXPECT_FALSE(read_icmp_quote(icmp.data(), int(icmp.size()), false, &s, &visible));
}
