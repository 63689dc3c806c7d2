// The scanner's frame decoder (FrameDecoder.h): link layers, tunnels, and
// the reason of every frame it does not analyse.
#include <gtest/gtest.h>

#include "Builders.h"
#include "middlebox/FrameDecoder.h"

using namespace middlebox;
using mbtest::Bytes;
using mbtest::cat;

namespace {

Bytes be16(uint16_t v) { return {uint8_t(v >> 8), uint8_t(v)}; }

// TCP header from port 40000 to 80, seq 1000, flags, with options.
Bytes tcp(uint8_t flags, const Bytes& options = {}) {
    const uint8_t offset = uint8_t((20 + options.size()) / 4);
    return cat({be16(40000), be16(80), {0, 0, 0x03, 0xe8}, {0, 0, 0, 0}, {uint8_t(offset << 4), flags},
                be16(65535), {0, 0, 0, 0}, options});
}

Bytes ipv4(uint8_t proto, const Bytes& payload, uint16_t frag = 0, uint8_t ttl = 57) {
    const uint16_t total = uint16_t(20 + payload.size());
    return cat({{0x45, 0}, be16(total), {0, 0}, be16(frag), {ttl, proto, 0, 0}, {192, 0, 2, 1}, {198, 51, 100, 7},
                payload});
}

Bytes ipv6(uint8_t next, const Bytes& payload) {
    Bytes h = cat({{0x60, 0, 0, 0}, be16(uint16_t(payload.size())), {next, 50}});
    h.resize(8 + 32);
    h[8] = 0x20, h[9] = 0x01, h[23] = 1, h[24] = 0x20, h[25] = 0x01, h[39] = 2;
    return cat({h, payload});
}

Bytes ether(uint16_t type, const Bytes& payload) {
    return cat({{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}, be16(type), payload});
}

FrameOutcome decode(int linktype, const Bytes& frame, Segment* seg = nullptr, bool* visible = nullptr) {
    Segment s;
    bool v = false;
    const FrameOutcome o = decode_frame(linktype, frame.data(), frame.size(), seg ? seg : &s, visible ? visible : &v);
    return o;
}

const Bytes kSynOptions = cat({mbtest::mss(1460), mbtest::kind222()});

}  // namespace

TEST(FrameDecoder, EthernetIpv4Tcp) {
    const Bytes f = ether(0x0800, ipv4(6, cat({tcp(0x02, kSynOptions), {'x', 'y'}})));
    Segment s;
    ASSERT_EQ(decode(linktype::kEthernet, f, &s), FrameOutcome::Segment);
    EXPECT_TRUE(s.is_syn());
    EXPECT_EQ(s.seq, 1000u);
    EXPECT_EQ(s.ttl, 57);
    EXPECT_EQ(s.tuple.src_port, 40000);
    EXPECT_EQ(s.tuple.dst.bytes[3], 7);
    EXPECT_EQ(s.options_declared, 8);
    EXPECT_EQ(s.payload, 2);
}

TEST(FrameDecoder, LinkLayersReachTheSameSegment) {
    const Bytes ip = ipv4(6, tcp(0x12));
    const Bytes sll = cat({{0, 0, 0, 1, 0, 6}, Bytes(8, 0), be16(0x0800), ip});
    const Bytes sll2 = cat({be16(0x0800), {0, 0, 0, 0, 0, 2, 0, 1, 0, 6}, Bytes(8, 0), ip});
    const Bytes null_le = cat({{2, 0, 0, 0}, ip}), null_be = cat({{0, 0, 0, 2}, ip});
    const Bytes qinq = ether(0x88a8, cat({{0, 10}, be16(0x8100), {0, 20}, be16(0x0800), ip}));
    const Bytes mpls = ether(0x8847, cat({{0, 1, 0x01, 64}, ip}));  // one label, bottom of stack
    const Bytes null_v6 = cat({{30, 0, 0, 0}, ipv6(6, tcp(0x12))});  // Darwin's AF_INET6
    for (const auto& [linktype, frame] : std::vector<std::pair<int, Bytes>>{
             {linktype::kLinuxSll, sll}, {linktype::kLinuxSll2, sll2}, {linktype::kNull, null_le},
             {linktype::kNull, null_be}, {linktype::kLoop, null_be}, {linktype::kRaw, ip}, {linktype::kRawDlt, ip},
             {linktype::kIpv4, ip}, {linktype::kEthernet, qinq}, {linktype::kEthernet, mpls},
             {linktype::kNull, null_v6}}) {
        Segment s;
        EXPECT_EQ(decode(linktype, frame, &s), FrameOutcome::Segment) << "link type " << linktype;
        EXPECT_TRUE(s.is_synack());
    }
}

TEST(FrameDecoder, TunnelsGiveTheInnermostHeader) {
    const Bytes inner = ipv4(6, tcp(0x02));
    Bytes outer_ipip = ipv4(4, inner, 0, 200);
    const Bytes gre = ipv4(47, cat({be16(0x2000), be16(0x0800), {0, 0, 0, 7}, inner}), 0, 200);
    const Bytes six_in_four = ipv4(41, ipv6(6, tcp(0x02)), 0, 200);
    const Bytes vxlan = ipv4(17, cat({be16(50000), be16(4789), be16(0), be16(0), {8, 0, 0, 0, 0, 0, 42, 0},
                                      ether(0x0800, inner)}), 0, 200);
    for (const Bytes& ip : {outer_ipip, gre, six_in_four, vxlan}) {
        Segment s;
        ASSERT_EQ(decode(linktype::kEthernet, ether(0x0800, ip), &s), FrameOutcome::Segment);
        EXPECT_NE(s.ttl, 200);  // not the tunnel's header
        EXPECT_TRUE(s.is_syn());
    }
}

TEST(FrameDecoder, IcmpErrorQuotingTcp) {
    const Bytes quoted = ipv4(6, tcp(0x02, kSynOptions));
    const Bytes error = ipv4(1, cat({{11, 0, 0, 0, 0, 0, 0, 0}, quoted}));
    Segment s;
    bool visible = false;
    ASSERT_EQ(decode(linktype::kRaw, error, &s, &visible), FrameOutcome::Quote);
    EXPECT_TRUE(visible);
    EXPECT_TRUE(s.is_syn());
    EXPECT_EQ(s.tuple.dst_port, 80);
    const Bytes echo = ipv4(1, {8, 0, 0, 0, 0, 1, 0, 1});
    EXPECT_EQ(decode(linktype::kRaw, echo), FrameOutcome::IcmpOther);
}

TEST(FrameDecoder, EveryFrameItCannotAnalyseHasAReason) {
    const Bytes ip = ipv4(6, tcp(0x02));
    EXPECT_EQ(decode(147, ip), FrameOutcome::LinkUnsupported);
    EXPECT_EQ(decode(linktype::kEthernet, Bytes(10, 0)), FrameOutcome::LinkTruncated);
    EXPECT_EQ(decode(linktype::kLinuxSll2, Bytes(12, 0)), FrameOutcome::LinkTruncated);
    EXPECT_EQ(decode(linktype::kEthernet, ether(0x0806, Bytes(28, 0))), FrameOutcome::NotIp);
    EXPECT_EQ(decode(linktype::kRaw, Bytes(ip.begin(), ip.begin() + 12)), FrameOutcome::IpInvalid);
    EXPECT_EQ(decode(linktype::kRaw, ipv4(6, tcp(0x02), 0x2000)), FrameOutcome::IpFragment);  // MF
    EXPECT_EQ(decode(linktype::kRaw, ipv4(6, tcp(0x02), 0x0010)), FrameOutcome::IpFragment);  // offset
    EXPECT_EQ(decode(linktype::kRaw, ipv4(17, Bytes(16, 0))), FrameOutcome::NotTcp);
    EXPECT_EQ(decode(linktype::kRaw, Bytes(ip.begin(), ip.end() - 4)), FrameOutcome::TcpTruncated);
    Bytes bad_offset = ip;
    bad_offset[20 + 12] = 0x40;  // data offset 16 bytes
    EXPECT_EQ(decode(linktype::kRaw, bad_offset), FrameOutcome::TcpTruncated);
    // A fragment header with an offset: no TCP header follows.
    const Bytes frag = ipv6(44, cat({{6, 0, 0, 0x10, 0, 0, 0, 1}, tcp(0x02)}));
    EXPECT_EQ(decode(linktype::kRaw, frag), FrameOutcome::Ipv6Chain);
    Bytes nested = ip;
    for (int i = 0; i < 12; ++i) nested = ipv4(4, nested);
    EXPECT_EQ(decode(linktype::kRaw, nested), FrameOutcome::TooDeep);
}

TEST(FrameDecoder, OutcomesHaveNames) {
    for (int i = 0; i < kFrameOutcomeCount; ++i)
        EXPECT_STRNE(frame_outcome_name(static_cast<FrameOutcome>(i)), "") << i;
    EXPECT_STREQ(frame_outcome_name(FrameOutcome::Segment), "tcp");
}
