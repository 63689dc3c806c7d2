// The scanner's frame decoder (FrameDecoder.h): link layers, tunnels, and
// the reason of every frame it does not analyse.
#include <gtest/gtest.h>

#include <cstring>

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
    return cat({be16(40000),
                be16(80),
                {0, 0, 0x03, 0xe8},
                {0, 0, 0, 0},
                {uint8_t(offset << 4), flags},
                be16(65535),
                {0, 0, 0, 0},
                options});
}

Bytes ipv4(uint8_t proto, const Bytes& payload, uint16_t frag = 0, uint8_t ttl = 57) {
    const uint16_t total = uint16_t(20 + payload.size());
    return cat(
        {{0x45, 0}, be16(total), {0, 0}, be16(frag), {ttl, proto, 0, 0}, {192, 0, 2, 1}, {198, 51, 100, 7}, payload});
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
    const Bytes mpls = ether(0x8847, cat({{0, 1, 0x01, 64}, ip}));   // one label, bottom of stack
    const Bytes null_v6 = cat({{30, 0, 0, 0}, ipv6(6, tcp(0x12))});  // Darwin's AF_INET6
    for (const auto& [linktype, frame] : std::vector<std::pair<int, Bytes>>{{linktype::kLinuxSll, sll},
                                                                            {linktype::kLinuxSll2, sll2},
                                                                            {linktype::kNull, null_le},
                                                                            {linktype::kNull, null_be},
                                                                            {linktype::kLoop, null_be},
                                                                            {linktype::kRaw, ip},
                                                                            {linktype::kRawDlt, ip},
                                                                            {linktype::kIpv4, ip},
                                                                            {linktype::kEthernet, qinq},
                                                                            {linktype::kEthernet, mpls},
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
    const Bytes vxlan = ipv4(
        17, cat({be16(50000), be16(4789), be16(0), be16(0), {8, 0, 0, 0, 0, 0, 42, 0}, ether(0x0800, inner)}), 0, 200);
    for (const Bytes& ip : {outer_ipip, gre, six_in_four, vxlan}) {
        Segment s;
        ASSERT_EQ(decode(linktype::kEthernet, ether(0x0800, ip), &s), FrameOutcome::Segment);
        EXPECT_NE(s.ttl, 200);  // not the tunnel's header
        EXPECT_TRUE(s.is_syn());
    }
}

// The handshake's segment behind each link layer, read as Wireshark reads
// it: a SYN+ACK from the inner header.
void expect_synack(int linktype, const Bytes& frame, const char* what) {
    Segment s;
    ASSERT_EQ(decode(linktype, frame, &s), FrameOutcome::Segment) << what;
    EXPECT_TRUE(s.is_synack()) << what;
    EXPECT_EQ(s.ttl, 57) << what;  // the inner IP header's, never a tunnel's
}

Bytes le16(uint16_t v) { return {uint8_t(v), uint8_t(v >> 8)}; }

TEST(FrameDecoder, PppoeSessionBehindEthernetAndVlan) {
    const Bytes ip = ipv4(6, tcp(0x12));
    const Bytes pppoe = cat({{0x11, 0x00}, be16(0x1234), be16(uint16_t(ip.size() + 2)), be16(0x0021), ip});
    expect_synack(linktype::kEthernet, ether(0x8864, pppoe), "eth:pppoes:ppp:ip");
    expect_synack(linktype::kEthernet, ether(0x8100, cat({{0, 7}, be16(0x8864), pppoe})), "eth:vlan:pppoes:ppp:ip");
    expect_synack(linktype::kPppoe, pppoe, "DLT_PPP_ETHER");
    const Bytes v6 = ipv6(6, tcp(0x12));
    Segment s;
    EXPECT_EQ(decode(linktype::kEthernet, ether(0x8864, cat({{0x11, 0}, be16(1), be16(0), be16(0x0057), v6})), &s),
              FrameOutcome::Segment);
    // Discovery (PADI) and PPP's own control protocols carry no IP.
    EXPECT_EQ(decode(linktype::kEthernet, ether(0x8863, cat({{0x11, 0x09}, be16(0), be16(0)}))), FrameOutcome::NotIp);
    EXPECT_EQ(decode(linktype::kEthernet, ether(0x8864, cat({{0x11, 0x00}, be16(1), be16(6), be16(0xc021), {1, 1}}))),
              FrameOutcome::NotIp);
    EXPECT_EQ(decode(linktype::kEthernet, ether(0x8864, {0x11, 0x00, 0})), FrameOutcome::LinkTruncated);
}

TEST(FrameDecoder, PppWithAndWithoutHdlcFramingAndCiscoHdlc) {
    const Bytes ip = ipv4(6, tcp(0x12));
    expect_synack(linktype::kPpp, cat({{0xff, 0x03}, be16(0x0021), ip}), "PPP in HDLC-like framing");
    expect_synack(linktype::kPppHdlc, cat({{0xff, 0x03}, be16(0x0021), ip}), "DLT_PPP_SERIAL");
    expect_synack(linktype::kPpp, cat({be16(0x0021), ip}), "PPP, address and control compressed");
    expect_synack(linktype::kPpp, cat({{0x21}, ip}), "PPP, protocol field compressed");
    expect_synack(linktype::kPpp, cat({{0x0f, 0x00}, be16(0x0800), ip}), "Cisco HDLC read as LINKTYPE_PPP");
    expect_synack(linktype::kCiscoHdlc, cat({{0x0f, 0x00}, be16(0x0800), ip}), "Cisco HDLC");
    expect_synack(linktype::kCiscoHdlc, cat({{0x8f, 0x00}, be16(0x8847), {0, 1, 0x01, 64}, ip}), "Cisco HDLC, MPLS");
    expect_synack(linktype::kPpp, cat({{0xff, 0x03}, be16(0x0281), {0, 1, 0x01, 64}, ip}), "PPP, MPLS");
    EXPECT_EQ(decode(linktype::kPpp, cat({{0xff, 0x03}, be16(0xc021), {1, 1, 0, 4}})), FrameOutcome::NotIp);  // LCP
    EXPECT_EQ(decode(linktype::kPpp, {0xff, 0x03}), FrameOutcome::LinkTruncated);
    EXPECT_EQ(decode(linktype::kCiscoHdlc, {0x0f, 0x00, 0x08}), FrameOutcome::LinkTruncated);
}

TEST(FrameDecoder, PppAfterItsDirectionByte) {
    const Bytes ip = ipv4(6, tcp(0x12));
    expect_synack(linktype::kPppDir, cat({{1, 0xff, 0x03}, be16(0x0021), ip}), "sent, HDLC-like framing");
    expect_synack(linktype::kPppDir, cat({{0}, be16(0x0021), ip}), "received, no address and control");
    // Read as plain PPP, the direction byte would be a protocol field.
    EXPECT_NE(decode(linktype::kPpp, cat({{1, 0xff, 0x03}, be16(0x0021), ip})), FrameOutcome::Segment);
    EXPECT_EQ(decode(linktype::kPppDir, {}), FrameOutcome::LinkTruncated);
    EXPECT_EQ(decode(linktype::kPppDir, {1}), FrameOutcome::LinkTruncated);
}

// NFLOG TLVs are in the capturing host's byte order: built here in ours.
Bytes tlv(uint16_t type, const Bytes& value) {
    Bytes t(4);
    const uint16_t length = uint16_t(4 + value.size());
    std::memcpy(t.data(), &length, 2);
    std::memcpy(t.data() + 2, &type, 2);
    t = cat({t, value});
    t.resize((t.size() + 3) & ~size_t{3});
    return t;
}

TEST(FrameDecoder, NflogPayloadTlv) {
    const Bytes ip = ipv4(6, tcp(0x12));
    const Bytes prefix = tlv(10, {'d', 'r', 'o', 'p', 0});
    const Bytes header = tlv(1, {0x08, 0x00, 3, 0});
    expect_synack(linktype::kNflog, cat({{2, 0}, be16(0), header, prefix, tlv(9, ip)}), "NFLOG, AF_INET");
    Segment v6;
    EXPECT_EQ(decode(linktype::kNflog, cat({{10, 0}, be16(0), tlv(9, ipv6(6, tcp(0x12)))}), &v6),
              FrameOutcome::Segment);
    EXPECT_EQ(v6.tuple.src.family, 6);
    // The payload ends with its TLV: what follows is not the packet's.
    Bytes cut = ipv4(6, tcp(0x12));
    cut.resize(30);
    EXPECT_EQ(decode(linktype::kNflog, cat({{2, 0}, be16(0), tlv(9, cut), tlv(10, Bytes(40, 0))})),
              FrameOutcome::TcpTruncated);
    EXPECT_EQ(decode(linktype::kNflog, cat({{2, 0}, be16(0), prefix})), FrameOutcome::NotIp);      // no packet
    EXPECT_EQ(decode(linktype::kNflog, cat({{7, 0}, be16(0), tlv(9, ip)})), FrameOutcome::NotIp);  // AF_BRIDGE
    EXPECT_EQ(decode(linktype::kNflog, cat({{2, 0}, be16(0), {2, 0, 9, 0}, ip})), FrameOutcome::LinkTruncated);
}

// nlmon's cooked header for `family`, then one netlink message of `type`
// (netfilter: subsystem << 8 | message), its header in our byte order.
Bytes netlink(uint16_t family, uint16_t type, const Bytes& body, uint16_t hatype = 824) {
    Bytes header(16);
    const uint32_t length = uint32_t(16 + body.size());
    std::memcpy(header.data(), &length, 4);
    std::memcpy(header.data() + 4, &type, 2);
    return cat({be16(4), be16(hatype), Bytes(10, 0), be16(family), header, body});
}

TEST(FrameDecoder, NetfilterQueueAndLogPacketsInNetlink) {
    const Bytes ip = ipv4(6, tcp(0x12));
    const Bytes nfgen = cat({{2, 0}, be16(0)});
    const Bytes packet_header = tlv(1, cat({{0, 0, 0, 1}, be16(0x0800), {3}}));
    expect_synack(linktype::kNetlink, netlink(12, 0x0300, cat({nfgen, packet_header, tlv(10, ip)})), "NFQUEUE");
    expect_synack(linktype::kNetlink, netlink(12, 0x0400, cat({nfgen, tlv(9, ip)})), "ULOG: NFLOG's body");
    Segment v6;
    const Bytes v6_header = tlv(1, cat({{0, 0, 0, 1}, be16(0x86dd), {3}}));
    EXPECT_EQ(
        decode(linktype::kNetlink, netlink(12, 0x0300, cat({nfgen, v6_header, tlv(10, ipv6(6, tcp(0x12)))})), &v6),
        FrameOutcome::Segment);
    EXPECT_EQ(v6.tuple.src.family, 6);
    // The payload's type comes from the packet header: without it, data.
    EXPECT_EQ(decode(linktype::kNetlink, netlink(12, 0x0300, cat({nfgen, tlv(10, ip)}))), FrameOutcome::NotIp);
    // Not netfilter, not a packet, not netlink at all.
    EXPECT_EQ(decode(linktype::kNetlink, netlink(0, 0x0010, Bytes(20, 0))), FrameOutcome::NotIp);  // route
    EXPECT_EQ(decode(linktype::kNetlink, netlink(12, 0x0301, cat({nfgen, tlv(2, Bytes(8, 0))}))), FrameOutcome::NotIp);
    EXPECT_EQ(decode(linktype::kNetlink, netlink(12, 0x0300, cat({nfgen, packet_header, tlv(10, ip)}), 1)),
              FrameOutcome::NotIp);
    // Cut: in the cooked header, in an attribute's header, in the packet.
    EXPECT_EQ(decode(linktype::kNetlink, Bytes(20, 0)), FrameOutcome::LinkTruncated);
    EXPECT_EQ(decode(linktype::kNetlink, netlink(12, 0x0300, cat({nfgen, {2, 0, 10, 0}, ip}))),
              FrameOutcome::LinkTruncated);
    Bytes cut = ip;
    cut.resize(30);
    EXPECT_EQ(decode(linktype::kNetlink, netlink(12, 0x0300, cat({nfgen, packet_header, tlv(10, cut)}))),
              FrameOutcome::TcpTruncated);
}

// An 802.11 data frame from the distribution system, LLC/SNAP, then `ip`.
Bytes wlan(const Bytes& ip, uint8_t subtype = 0, uint8_t flags = 0x02) {
    Bytes h = cat({{uint8_t(0x08 | (subtype << 4)), flags}, {0, 0}, Bytes(18, 0x11), {0, 0}});
    if (subtype & 0x8) h = cat({h, {0, 0}});
    return cat({h, {0xaa, 0xaa, 0x03, 0, 0, 0}, be16(0x0800), ip});
}

TEST(FrameDecoder, Ieee80211DataFramesBareRadiotapAndPpi) {
    const Bytes ip = ipv4(6, tcp(0x12));
    expect_synack(linktype::kIeee80211, wlan(ip), "802.11 data");
    expect_synack(linktype::kIeee80211, wlan(ip, 0x8), "802.11 QoS data");
    Bytes wds = wlan(ip, 0, 0x03);  // to and from DS: four addresses
    wds.insert(wds.begin() + 24, 6, 0x22);
    expect_synack(linktype::kIeee80211, wds, "802.11 WDS");
    // Radiotap: flags only, then TSFT and flags with the data pad (QoS
    // header of 26 bytes padded to 28).
    expect_synack(linktype::kRadiotap, cat({{0, 0}, le16(9), {0x02, 0, 0, 0}, {0x00}, wlan(ip)}), "radiotap");
    Bytes padded = wlan(ip, 0x8);
    padded.insert(padded.begin() + 26, 2, 0);
    expect_synack(linktype::kRadiotap,
                  cat({{0, 0}, le16(24), {0x03, 0, 0, 0}, {1, 2, 3, 4, 5, 6, 7, 8}, {0x20}, Bytes(7, 0), padded}),
                  "radiotap, data pad");
    // PPI carrying 802.11 (DLT 105), with one 802.11-common field.
    expect_synack(linktype::kPpi,
                  cat({{0, 0}, le16(8 + 24), {105, 0, 0, 0}, le16(2), le16(20), Bytes(20, 0), wlan(ip)}),
                  "PPI, 802.11");
    EXPECT_EQ(decode(linktype::kPpi, cat({{0, 0}, le16(8), {147, 0, 0, 0}, ip})), FrameOutcome::LinkUnsupported);
    // What carries no readable IP.
    EXPECT_EQ(decode(linktype::kIeee80211, cat({{0x80, 0}, Bytes(40, 0)})), FrameOutcome::NotIp);  // beacon
    EXPECT_EQ(decode(linktype::kIeee80211, wlan(ip, 0x4)), FrameOutcome::NotIp);                   // null data
    EXPECT_EQ(decode(linktype::kIeee80211, wlan(ip, 0, 0x42)), FrameOutcome::NotIp);               // protected
    EXPECT_EQ(decode(linktype::kIeee80211, Bytes(20, 0)), FrameOutcome::LinkTruncated);
    EXPECT_EQ(decode(linktype::kRadiotap, cat({{0, 0}, le16(64), Bytes(8, 0)})), FrameOutcome::LinkTruncated);
}

TEST(FrameDecoder, Ieee80211BehindEthernetTypeCentrino) {
    const Bytes ip = ipv4(6, tcp(0x12));
    expect_synack(linktype::kEthernet, ether(0x2452, wlan(ip)), "eth:wlan_centrino:llc:ip");
    // Protected frames come decrypted, the IV left in: 4 bytes (WEP), 8 with the extended IV bit.
    const Bytes protected_frame = wlan(ip, 0, 0x42);
    const Bytes header(protected_frame.begin(), protected_frame.begin() + 24),
        body(protected_frame.begin() + 24, protected_frame.end());
    expect_synack(linktype::kEthernet, ether(0x2452, cat({header, {1, 2, 3, 0x00}, body})), "WEP IV");
    expect_synack(linktype::kEthernet, ether(0x2452, cat({header, {1, 0, 0, 0x20, 0, 0, 0, 0}, body})), "CCMP");
    EXPECT_EQ(decode(linktype::kEthernet, ether(0x2452, cat({header, {1, 2}}))), FrameOutcome::LinkTruncated);
    // Elsewhere a protected frame stays encrypted.
    EXPECT_EQ(decode(linktype::kIeee80211, cat({header, {1, 2, 3, 0x00}, body})), FrameOutcome::NotIp);
}

Bytes udp(uint16_t sport, uint16_t dport, const Bytes& payload) {
    return cat({be16(sport), be16(dport), be16(uint16_t(8 + payload.size())), be16(0), payload});
}

TEST(FrameDecoder, UdpTunnelsGtpUAndGeneve) {
    const Bytes inner = ipv4(6, tcp(0x12));
    const Bytes gtp = cat({{0x30, 0xff}, be16(uint16_t(inner.size())), {0, 0, 0, 1}, inner});
    expect_synack(linktype::kEthernet, ether(0x0800, ipv4(17, udp(2152, 2152, gtp), 0, 200)), "GTP-U");
    // Sequence number and one extension header (PDU session container).
    const Bytes gtp_ext = cat({{0x34, 0xff}, be16(0), {0, 0, 0, 1}, {0, 7, 0, 0x85}, {1, 0x10, 9, 0}, inner});
    expect_synack(linktype::kEthernet, ether(0x0800, ipv4(17, udp(2152, 2152, gtp_ext), 0, 200)), "GTP-U, extension");
    expect_synack(linktype::kEthernet, ether(0x8847, cat({{0, 1, 0x01, 64}, ipv4(17, udp(2152, 2152, gtp), 0, 200)})),
                  "GTP-U over MPLS");
    const Bytes geneve_eth = cat({{0x00, 0}, be16(0x6558), {0, 0, 42, 0}, ether(0x0800, inner)});
    expect_synack(linktype::kEthernet, ether(0x0800, ipv4(17, udp(51000, 6081, geneve_eth), 0, 200)),
                  "Geneve, Ethernet");
    const Bytes geneve_ip = cat({{0x02, 0}, be16(0x0800), {0, 0, 42, 0}, {0, 0x01, 0x01, 0x01, 0, 0, 0, 0}, inner});
    expect_synack(linktype::kEthernet, ether(0x0800, ipv4(17, udp(51000, 6081, geneve_ip), 0, 200)),
                  "Geneve with an option, IPv4");
    const Bytes gre = ipv4(47, cat({be16(0), be16(0x0800), inner}), 0, 200);
    const Bytes geneve_gre = cat({{0x00, 0}, be16(0x0800), {0, 0, 42, 0}, gre});
    expect_synack(linktype::kEthernet, ether(0x0800, ipv4(17, udp(51000, 6081, geneve_gre), 0, 200)), "Geneve, GRE");
    // VXLAN answered from its port: the lower port is the tunnel's.
    const Bytes vxlan = cat({{8, 0, 0, 0, 0, 0, 42, 0}, ether(0x0800, inner)});
    expect_synack(linktype::kEthernet, ether(0x0800, ipv4(17, udp(4789, 50000, vxlan), 0, 200)), "VXLAN, reply");
    // GTP's echo and GTP-C-like messages carry no user packet.
    EXPECT_EQ(decode(linktype::kEthernet,
                     ether(0x0800, ipv4(17, udp(2152, 2152, {0x32, 0x01, 0, 4, 0, 0, 0, 0, 0, 1, 0, 0})))),
              FrameOutcome::NotTcp);
    EXPECT_EQ(decode(linktype::kEthernet, ether(0x0800, ipv4(17, udp(2152, 2152, {0x30, 0xff, 0})))),
              FrameOutcome::LinkTruncated);
    EXPECT_EQ(decode(linktype::kEthernet, ether(0x0800, ipv4(17, udp(50000, 6081, {0x3f, 0, 0x65, 0x58})))),
              FrameOutcome::LinkTruncated);
}

TEST(FrameDecoder, ErspanCarriesTheMirroredFrame) {
    const Bytes mirrored = ether(0x0800, ipv4(6, tcp(0x12)));
    const Bytes type1 = cat({be16(0x0000), be16(0x88be), mirrored});
    const Bytes type2 = cat({be16(0x1000), be16(0x88be), {0, 0, 0, 1}, {0x10, 0x01, 0x00, 0x01, 0, 0, 0, 0}, mirrored});
    const Bytes type3 =
        cat({be16(0x1000), be16(0x22eb), {0, 0, 0, 1}, {0x20, 0x01, 0x00, 0x01}, Bytes(4, 0), {0, 0, 0, 0}, mirrored});
    Bytes type3_sub = cat({be16(0x1000),
                           be16(0x22eb),
                           {0, 0, 0, 1},
                           {0x20, 0x01, 0x00, 0x01},
                           Bytes(4, 0),
                           {0, 0, 0, 1},
                           Bytes(8, 0),
                           mirrored});
    for (const Bytes& g : {type1, type2, type3, type3_sub})
        expect_synack(linktype::kEthernet, ether(0x0800, ipv4(47, g, 0, 200)), "ERSPAN");
    EXPECT_EQ(decode(linktype::kEthernet,
                     ether(0x0800, ipv4(47, cat({be16(0x1000), be16(0x88be), {0, 0, 0, 1}, {0x10, 0x01}})))),
              FrameOutcome::LinkTruncated);
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
    Bytes bogus_length = ip;
    bogus_length[2] = 0, bogus_length[3] = 16;  // shorter than its own header: Wireshark reads no TCP
    EXPECT_EQ(decode(linktype::kRaw, bogus_length), FrameOutcome::IpInvalid);
    Bytes offload = ip;
    offload[2] = 0, offload[3] = 0;  // 0: segmentation offload, the segment is read
    EXPECT_EQ(decode(linktype::kRaw, offload), FrameOutcome::Segment);
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
