#include "middlebox/FrameDecoder.h"

#include <algorithm>
#include <cstring>

#include "middlebox/PacketDecoder.h"

namespace middlebox {

namespace {

constexpr uint16_t kEtherIpv4 = 0x0800, kEtherIpv6 = 0x86dd, kEtherVlan = 0x8100, kEtherQinQ = 0x88a8,
                   kEtherQinQOld = 0x9100, kEtherMpls = 0x8847, kEtherMplsMulticast = 0x8848,
                   kEtherTransparentBridging = 0x6558, kEtherPppoeSession = 0x8864, kEtherErspan = 0x88be,
                   kEtherErspan3 = 0x22eb,
                   kEtherCentrino = 0x2452;  // an 802.11 frame, as Intel Centrino cards capture in monitor mode
// PPP protocol numbers (RFC 1661; IANA's PPP DLL protocol numbers).
constexpr uint16_t kPppIpv4 = 0x0021, kPppIpv6 = 0x0057, kPppMpls = 0x0281, kPppMplsMulticast = 0x0283;
// Tunnels within tunnels: enough for any real stack (QinQ over GRE over
// IPsec-less IP-in-IP), small enough to bound the work on hostile input.
constexpr int kMaxDepth = 8;
// MPLS label stack entries followed before giving up.
constexpr int kMaxLabels = 16;

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t le32(const uint8_t* p) { return le16(p) | (uint32_t{le16(p + 2)} << 16); }
// NFLOG's TLV headers are in the byte order of the host that captured them
// (Wireshark's reader swaps a file from the other order to the reader's).
uint16_t host16(const uint8_t* p) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
}

// The bytes of one frame and how deep the decoder is into it.
struct Cursor {
    const uint8_t* d;
    int len;
    int depth;
    Address* router;  // an ICMP error's source, when the caller asks for it
};

FrameOutcome link_layer(Cursor c, int linktype, int at, Segment* seg, bool* options_visible);
FrameOutcome ip(Cursor c, int at, Segment* seg, bool* options_visible);
FrameOutcome ethernet(Cursor c, int at, Segment* seg, bool* options_visible);

FrameOutcome by_ip_version(Cursor c, int at, Segment* seg, bool* options_visible) {
    if (at >= c.len) return FrameOutcome::IpInvalid;
    const int version = c.d[at] >> 4;
    if (version != 4 && version != 6) return FrameOutcome::NotIp;
    return ip(c, at, seg, options_visible);
}

// IP where the layer below names the version (IP-in-IP, LINKTYPE_IPV4 and
// _IPV6): a header of the other version is invalid.
FrameOutcome ip_of_version(Cursor c, int at, int version, Segment* seg, bool* options_visible) {
    if (at >= c.len) return FrameOutcome::IpInvalid;
    if ((c.d[at] >> 4) != version) return FrameOutcome::IpInvalid;
    return ip(c, at, seg, options_visible);
}

// An MPLS label stack at `at`: labels down to the bottom of the stack; then
// IP, told by its version nibble, as Wireshark guesses it.
FrameOutcome mpls(Cursor c, int at, Segment* seg, bool* options_visible) {
    for (int n = 0;; ++n) {
        if (n == kMaxLabels) return FrameOutcome::TooDeep;
        if (c.len - at < 4) return FrameOutcome::LinkTruncated;
        const bool bottom = c.d[at + 2] & 0x01;
        at += 4;
        if (bottom) break;
    }
    return by_ip_version(c, at, seg, options_visible);
}

FrameOutcome pppoe_session(Cursor c, int at, Segment* seg, bool* options_visible);
FrameOutcome ieee80211(Cursor c, int at, bool padded, bool centrino, Segment* seg, bool* options_visible);

// An Ethernet payload of type `type` at `at`: tags and labels are skipped.
FrameOutcome ethertype(Cursor c, uint16_t type, int at, Segment* seg, bool* options_visible) {
    for (int tags = 0; type == kEtherVlan || type == kEtherQinQ || type == kEtherQinQOld; ++tags) {
        if (tags == kMaxDepth) return FrameOutcome::TooDeep;
        if (c.len - at < 4) return FrameOutcome::LinkTruncated;
        type = be16(c.d + at + 2);
        at += 4;
    }
    switch (type) {
        case kEtherIpv4:
        case kEtherIpv6: return ip(c, at, seg, options_visible);
        case kEtherMpls:
        case kEtherMplsMulticast: return mpls(c, at, seg, options_visible);
        case kEtherPppoeSession: return pppoe_session(c, at, seg, options_visible);
        case kEtherCentrino: return ieee80211(c, at, false, true, seg, options_visible);
        default: return FrameOutcome::NotIp;
    }
}

FrameOutcome ethernet(Cursor c, int at, Segment* seg, bool* options_visible) {
    if (++c.depth > kMaxDepth) return FrameOutcome::TooDeep;
    if (c.len - at < 14) return FrameOutcome::LinkTruncated;
    return ethertype(c, be16(c.d + at + 12), at + 14, seg, options_visible);
}

// PPP (RFC 1661) from its protocol field on: one byte when compressed (an
// odd first byte, RFC 1661 6.5), else two.
FrameOutcome ppp(Cursor c, int at, Segment* seg, bool* options_visible) {
    if (++c.depth > kMaxDepth) return FrameOutcome::TooDeep;
    if (c.len - at < 1) return FrameOutcome::LinkTruncated;
    uint16_t protocol = c.d[at];
    if (protocol & 1) {
        at += 1;
    } else {
        if (c.len - at < 2) return FrameOutcome::LinkTruncated;
        protocol = be16(c.d + at);
        at += 2;
    }
    switch (protocol) {
        case kPppIpv4:
        case kPppIpv6: return ip(c, at, seg, options_visible);
        case kPppMpls:
        case kPppMplsMulticast: return mpls(c, at, seg, options_visible);
        default: return FrameOutcome::NotIp;  // LCP, IPCP, CHAP, ...
    }
}

// Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control, then an
// Ethernet type.
FrameOutcome cisco_hdlc(Cursor c, int at, Segment* seg, bool* options_visible) {
    if (c.len - at < 4) return FrameOutcome::LinkTruncated;
    return ethertype(c, be16(c.d + at + 2), at + 4, seg, options_visible);
}

// A frame of LINKTYPE_PPP: PPP in HDLC-like framing (RFC 1662: address 0xff
// and control 0x03 first) or without them, or Cisco HDLC, told apart by the
// first byte as Wireshark does.
FrameOutcome ppp_hdlc(Cursor c, int at, Segment* seg, bool* options_visible) {
    if (c.len - at < 1) return FrameOutcome::LinkTruncated;
    const uint8_t first = c.d[at];
    if (first == 0x0f || first == 0x8f) return cisco_hdlc(c, at, seg, options_visible);
    return ppp(c, first == 0xff ? at + 2 : at, seg, options_visible);
}

// PPPoE session stage (RFC 2516 4): version and type, code 0, session id,
// length; then PPP without address and control.
FrameOutcome pppoe_session(Cursor c, int at, Segment* seg, bool* options_visible) {
    if (c.len - at < 6) return FrameOutcome::LinkTruncated;
    if (c.d[at + 1] != 0) return FrameOutcome::NotIp;  // a discovery packet's code
    return ppp(c, at + 6, seg, options_visible);
}

// NFLOG (LINKTYPE_NFLOG): family, version, resource id, then TLVs of a
// 2-byte length (header included) and a 2-byte type, each padded to 4
// bytes; the packet is the payload TLV's value (NFULA_PAYLOAD, 9).
FrameOutcome nflog(Cursor c, int at, Segment* seg, bool* options_visible) {
    constexpr uint16_t kPayload = 9;
    if (c.len - at < 4) return FrameOutcome::LinkTruncated;
    const uint8_t family = c.d[at];
    for (int t = at + 4; c.len - t >= 4;) {
        const int length = host16(c.d + t);
        if (length < 4) return FrameOutcome::LinkTruncated;
        if ((host16(c.d + t + 2) & 0x7fff) == kPayload) {
            const Cursor value{c.d, std::min(c.len, t + length), c.depth, c.router};
            // AF_INET, AF_INET6 (Linux's 10); anything else Wireshark shows as data.
            return family == 2 || family == 10 ? ip(value, t + 4, seg, options_visible) : FrameOutcome::NotIp;
        }
        t += (length + 3) & ~3;
    }
    return FrameOutcome::NotIp;  // a log message without the packet
}

// Netlink as nlmon captures it: a cooked header (ARPHRD_NETLINK at 2, the
// family at 14), then the first message, in the capturing host's byte order
// (told from its length, as Wireshark does). Netfilter (family 12) carries
// packets in a queue packet (subsystem 3, message 0: its payload attribute,
// of the Ethernet type its packet header attribute names) and in a log
// packet (subsystem 4), whose body is NFLOG's.
FrameOutcome netlink(Cursor c, int at, Segment* seg, bool* options_visible) {
    if (c.len - at < 32) return FrameOutcome::LinkTruncated;
    if (be16(c.d + at + 2) != 824 || be16(c.d + at + 14) != 12) return FrameOutcome::NotIp;
    at += 16;
    const uint32_t rest = static_cast<uint32_t>(c.len - at), le = le32(c.d + at),
                   be = (uint32_t{be16(c.d + at)} << 16) | be16(c.d + at + 2);
    const bool big = (be > rest ? be - rest : rest - be) < (le > rest ? le - rest : rest - le);
    auto u16 = [&](int i) { return big ? be16(c.d + i) : le16(c.d + i); };
    if (u16(at + 4) == 0x0400) return nflog(c, at + 16, seg, options_visible);
    if (u16(at + 4) != 0x0300) return FrameOutcome::NotIp;
    uint16_t protocol = 0;
    for (int t = at + 20; c.len - t >= 4;) {
        const int length = u16(t);
        if (length < 4) return FrameOutcome::LinkTruncated;
        const int type = u16(t + 2) & 0x3fff;  // without the nested and byte-order flags
        if (type == 1 && length == 11) protocol = be16(c.d + t + 8);
        if (type == 10)
            return ethertype({c.d, std::min(c.len, t + length), c.depth, c.router}, protocol, t + 4, seg,
                             options_visible);
        t += (length + 3) & ~3;
    }
    return FrameOutcome::NotIp;  // a verdict, a configuration, a packet without its payload
}

// An IEEE 802.11 frame at `at` (no FCS counted: the packet's length is its
// IP header's). Only data frames carry IP, behind LLC/SNAP. `padded`: a
// radiotap header says the 802.11 header is padded to 4 bytes. `centrino`:
// an Intel Centrino card hands protected frames over decrypted, IV left in.
FrameOutcome ieee80211(Cursor c, int at, bool padded, bool centrino, Segment* seg, bool* options_visible) {
    if (c.len - at < 24) return FrameOutcome::LinkTruncated;
    const uint8_t control = c.d[at], flags = c.d[at + 1];
    const int type = (control >> 2) & 3, subtype = control >> 4;
    if (type != 2 || (subtype & 0x4) != 0) return FrameOutcome::NotIp;  // management, control, no data
    if ((flags & 0x40) && !centrino) return FrameOutcome::NotIp;        // protected: the body is encrypted
    int header = 24 + ((flags & 0x03) == 0x03 ? 6 : 0);                 // to and from DS: a fourth address
    if (subtype & 0x8) {                                                // QoS data: QoS control, maybe HT control
        if (c.len - at < header + 2) return FrameOutcome::LinkTruncated;
        if (c.d[at + header] & 0x80) return FrameOutcome::NotIp;  // an A-MSDU: subframes, not one packet
        header += 2 + ((flags & 0x80) ? 4 : 0);
    }
    if (padded) header = (header + 3) & ~3;
    at += header;
    if (flags & 0x40) {  // the IV: 8 bytes with the extended IV bit (TKIP, CCMP), else 4 (WEP)
        if (c.len - at < 4) return FrameOutcome::LinkTruncated;
        at += (c.d[at + 3] & 0x20) ? 8 : 4;
    }
    // LLC/SNAP (RFC 1042, or 802.1H's bridge tunnel OUI), then an Ethernet type.
    if (c.len - at < 8) return FrameOutcome::LinkTruncated;
    const uint8_t* llc = c.d + at;
    if (llc[0] != 0xaa || llc[1] != 0xaa || llc[2] != 0x03 || llc[3] != 0 || llc[4] != 0 ||
        (llc[5] != 0 && llc[5] != 0xf8))
        return FrameOutcome::NotIp;
    return ethertype(c, be16(llc + 6), at + 8, seg, options_visible);
}

// Radiotap (radiotap.org): version, pad, length (little-endian), then
// presence bitmaps (bit 31: another follows) and fields aligned to their
// size. Only the flags field (bit 1, after the 8-byte TSFT of bit 0)
// matters here: its 0x20 says the 802.11 header is padded.
FrameOutcome radiotap(Cursor c, int at, Segment* seg, bool* options_visible) {
    if (c.len - at < 8) return FrameOutcome::LinkTruncated;
    const int length = le16(c.d + at + 2);
    if (length < 8 || c.len - at < length) return FrameOutcome::LinkTruncated;
    const uint32_t present = le32(c.d + at + 4);
    int field = 8;
    for (uint32_t word = present; word & 0x80000000u; field += 4) {
        if (field + 4 > length) return FrameOutcome::LinkTruncated;
        word = le32(c.d + at + field);
    }
    if (present & 0x1) field = ((field + 7) & ~7) + 8;
    bool padded = false;
    if (present & 0x2) {
        if (field >= length) return FrameOutcome::LinkTruncated;
        padded = c.d[at + field] & 0x20;
    }
    return ieee80211(c, at + length, padded, false, seg, options_visible);
}

// PPI (Per-Packet Information): version, flags, length and the payload's
// link type, both little-endian; the payload follows the header's length.
FrameOutcome ppi(Cursor c, int at, Segment* seg, bool* options_visible) {
    if (++c.depth > kMaxDepth) return FrameOutcome::TooDeep;
    if (c.len - at < 8) return FrameOutcome::LinkTruncated;
    const int length = le16(c.d + at + 2);
    if (length < 8 || c.len - at < length) return FrameOutcome::LinkTruncated;
    return link_layer(c, static_cast<int>(le32(c.d + at + 4)), at + length, seg, options_visible);
}

// ERSPAN (GRE type 0x88be or 0x22eb) carrying the mirrored Ethernet frame.
// Type I has no header of its own and a GRE header without a sequence
// number; type II (version 1) has 8 bytes, type III (version 2) 12 plus an
// 8-byte platform subheader when its O flag is set.
FrameOutcome erspan(Cursor c, int at, bool sequenced, Segment* seg, bool* options_visible) {
    if (!sequenced) return ethernet(c, at, seg, options_visible);
    if (c.len - at < 8) return FrameOutcome::LinkTruncated;
    switch (c.d[at] >> 4) {
        case 1: return ethernet(c, at + 8, seg, options_visible);
        case 2:
            if (c.len - at < 12) return FrameOutcome::LinkTruncated;
            return ethernet(c, at + 12 + ((c.d[at + 11] & 0x01) ? 8 : 0), seg, options_visible);
        default: return FrameOutcome::NotIp;
    }
}

// GRE (RFC 2784, RFC 2890 keys and sequence numbers) at `at`.
FrameOutcome gre(Cursor c, int at, Segment* seg, bool* options_visible) {
    if (c.len - at < 4) return FrameOutcome::LinkTruncated;
    const uint16_t flags = be16(c.d + at);
    // Version 0 without source routing (RFC 1701's R bit): the header is 4
    // bytes plus 4 for each of checksum, key and sequence number present.
    if ((flags & 0x0007) != 0 || (flags & 0x4000) != 0) return FrameOutcome::NotTcp;
    const bool sequenced = flags & 0x1000;
    const int length = 4 + ((flags & 0x8000) ? 4 : 0) + ((flags & 0x2000) ? 4 : 0) + (sequenced ? 4 : 0);
    if (c.len - at < length) return FrameOutcome::LinkTruncated;
    switch (be16(c.d + at + 2)) {
        case kEtherTransparentBridging: return ethernet(c, at + length, seg, options_visible);
        case kEtherErspan:
        case kEtherErspan3: return erspan(c, at + length, sequenced, seg, options_visible);
        case kEtherIpv4:
        case kEtherIpv6: return ip(c, at + length, seg, options_visible);
        default: return FrameOutcome::NotTcp;
    }
}

// The tunnels Wireshark decodes on their UDP port, each from the first byte
// after the UDP header.

// VXLAN (RFC 7348): 8 bytes, then an Ethernet frame.
FrameOutcome vxlan(Cursor c, int at, Segment* seg, bool* options_visible) {
    if (c.len - at < 8) return FrameOutcome::LinkTruncated;
    return ethernet(c, at + 8, seg, options_visible);
}

// GTP-U (3GPP TS 29.281): version 1, protocol type GTP; only a G-PDU (type
// 255) carries a user packet. With any of the E, S, PN flags the header has
// 4 more bytes, the last naming the first extension header; each extension
// gives its length in 4-byte units and names the next in its last byte.
FrameOutcome gtp_u(Cursor c, int at, Segment* seg, bool* options_visible) {
    if (c.len - at < 8) return FrameOutcome::LinkTruncated;
    const uint8_t flags = c.d[at];
    if ((flags >> 5) != 1 || (flags & 0x10) == 0 || c.d[at + 1] != 0xff) return FrameOutcome::NotTcp;
    int header = 8;
    if (flags & 0x07) {
        if (c.len - at < 12) return FrameOutcome::LinkTruncated;
        uint8_t next = (flags & 0x04) ? c.d[at + 11] : 0;
        header = 12;
        for (int n = 0; next != 0; ++n) {
            if (n == kMaxDepth) return FrameOutcome::TooDeep;
            if (c.len - at - header < 1) return FrameOutcome::LinkTruncated;
            const int length = c.d[at + header] * 4;
            if (length == 0 || c.len - at - header < length) return FrameOutcome::LinkTruncated;
            next = c.d[at + header + length - 1];
            header += length;
        }
    }
    return by_ip_version(c, at + header, seg, options_visible);
}

// Geneve (RFC 8926): version 0, options of 4-byte units, then the payload
// of the Ethernet type the header names (0x6558: an Ethernet frame).
FrameOutcome geneve(Cursor c, int at, Segment* seg, bool* options_visible) {
    if (c.len - at < 8) return FrameOutcome::LinkTruncated;
    if ((c.d[at] >> 6) != 0) return FrameOutcome::NotTcp;
    const int header = 8 + (c.d[at] & 0x3f) * 4;
    if (c.len - at < header) return FrameOutcome::LinkTruncated;
    const uint16_t type = be16(c.d + at + 2);
    if (type == kEtherTransparentBridging) return ethernet(c, at + header, seg, options_visible);
    return ethertype(c, type, at + header, seg, options_visible);
}

struct UdpTunnel {
    uint16_t port;
    FrameOutcome (*decode)(Cursor c, int at, Segment* seg, bool* options_visible);
};
constexpr UdpTunnel kUdpTunnels[] = {{4789, vxlan}, {2152, gtp_u}, {6081, geneve}};

// UDP at `at`: a tunnel on one of its ports, the lower port first (the
// order Wireshark tries them in).
FrameOutcome udp(Cursor c, int at, Segment* seg, bool* options_visible) {
    if (c.len - at < 8) return FrameOutcome::NotTcp;
    const uint16_t source = be16(c.d + at), destination = be16(c.d + at + 2);
    for (const uint16_t port : {std::min(source, destination), std::max(source, destination)})
        for (const UdpTunnel& t : kUdpTunnels)
            if (t.port == port) return t.decode(c, at + 8, seg, options_visible);
    return FrameOutcome::NotTcp;
}

// What an IP header of protocol `proto`, its payload at `payload`, carries.
FrameOutcome upper_layer(Cursor c, int ip_at, int payload, uint8_t proto, bool v6, Segment* seg,
                         bool* options_visible) {
    switch (proto) {
        case kIpProtoTcp:
            if (c.len - payload < 20) return FrameOutcome::TcpTruncated;
            return read_live_segment(c.d, c.len, ip_at, payload, v6, seg) ? FrameOutcome::Segment
                                                                          : FrameOutcome::TcpTruncated;
        case kIpProtoIcmp:
        case kIpProtoIcmpv6:
            if (proto != (v6 ? kIpProtoIcmpv6 : kIpProtoIcmp)) return FrameOutcome::NotTcp;
            if (c.len - payload < 8) return FrameOutcome::IcmpOther;
            if (!read_icmp_quote(c.d + payload, c.len - payload, v6, seg, options_visible))
                return FrameOutcome::IcmpOther;
            // The router that sent the error: the source of its own IP header.
            if (c.router != nullptr) *c.router = ip_source(c.d + ip_at, v6);
            return FrameOutcome::Quote;
        case kIpProtoIpIp:
        case kIpProtoIpv6: return ip_of_version(c, payload, proto == kIpProtoIpIp ? 4 : 6, seg, options_visible);
        case kIpProtoGre: return gre(c, payload, seg, options_visible);
        case kIpProtoUdp: return udp(c, payload, seg, options_visible);
        default: return FrameOutcome::NotTcp;
    }
}

FrameOutcome ip(Cursor c, int at, Segment* seg, bool* options_visible) {
    if (++c.depth > kMaxDepth) return FrameOutcome::TooDeep;
    if (at >= c.len) return FrameOutcome::IpInvalid;
    const uint8_t* h = c.d + at;
    if ((h[0] >> 4) == 4) {
        const int ihl = (h[0] & 0x0f) * 4;  // options make it longer than 20
        if (c.len - at < 20 || ihl < 20 || c.len - at < ihl) return FrameOutcome::IpInvalid;
        // A total length shorter than the header: Wireshark's dissector
        // stops there ("bogus IP length") and reads no TCP. 0 is
        // segmentation offload, read on.
        const int total = be16(h + 2);
        if (total != 0 && total < ihl) return FrameOutcome::IpInvalid;
        // Any fragment, the first included: Wireshark reassembles them and
        // dissects TCP only in the reassembled packet, where the one-pass
        // analysis gives it no verdict (HeaderReader.h).
        if ((be16(h + 6) & 0x3fff) != 0) return FrameOutcome::IpFragment;
        return upper_layer(c, at, at + ihl, h[9], false, seg, options_visible);
    }
    if ((h[0] >> 4) == 6) {
        if (c.len - at < 40) return FrameOutcome::IpInvalid;
        uint8_t proto = 0;
        const int upper = ipv6_upper_layer(c.d, c.len, at, &proto);
        if (upper < 0) return FrameOutcome::Ipv6Chain;
        return upper_layer(c, at, upper, proto, true, seg, options_visible);
    }
    return FrameOutcome::IpInvalid;
}

// BSD null/loopback: the address family, as the capturing host wrote it.
FrameOutcome null_link(Cursor c, int at, bool network_order, Segment* seg, bool* options_visible) {
    if (c.len - at < 4) return FrameOutcome::LinkTruncated;
    const uint8_t* p = c.d + at;
    uint32_t family = network_order ? (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (p[2] << 8) | p[3]
                                    : (uint32_t{p[3]} << 24) | (uint32_t{p[2]} << 16) | (p[1] << 8) | p[0];
    // DLT_NULL is in the writer's byte order, which the file does not say:
    // a family too big to be one is the other order (as Wireshark reads it).
    if (family > 0xffff) family = __builtin_bswap32(family);
    switch (family) {
        case 2:   // AF_INET everywhere
        case 10:  // AF_INET6: Linux
        case 24:  // NetBSD, OpenBSD, BSD/OS
        case 28:  // FreeBSD, DragonFly
        case 30:  // Darwin
            return ip(c, at + 4, seg, options_visible);
        default: return FrameOutcome::NotIp;
    }
}

// The link layer of type `linktype` whose header starts at `at`.
FrameOutcome link_layer(Cursor c, int linktype, int at, Segment* seg, bool* options_visible) {
    switch (linktype) {
        case linktype::kEthernet: return ethernet(c, at, seg, options_visible);
        case linktype::kLinuxSll:
            // 16 bytes: packet type, ARPHRD type, address length, 8 address bytes, protocol.
            if (c.len - at < 16) return FrameOutcome::LinkTruncated;
            return ethertype(c, be16(c.d + at + 14), at + 16, seg, options_visible);
        case linktype::kLinuxSll2:
            // 20 bytes: protocol first, then reserved, interface, ARPHRD type, ...
            if (c.len - at < 20) return FrameOutcome::LinkTruncated;
            return ethertype(c, be16(c.d + at), at + 20, seg, options_visible);
        case linktype::kRaw:
        case linktype::kRawDlt:
        case linktype::kRawDltOpenBsd: return by_ip_version(c, at, seg, options_visible);
        case linktype::kIpv4: return ip_of_version(c, at, 4, seg, options_visible);
        case linktype::kIpv6: return ip_of_version(c, at, 6, seg, options_visible);
        case linktype::kNull: return null_link(c, at, false, seg, options_visible);
        case linktype::kLoop: return null_link(c, at, true, seg, options_visible);
        case linktype::kPpp:
        case linktype::kPppHdlc: return ppp_hdlc(c, at, seg, options_visible);
        case linktype::kPppDir:
            if (c.len - at < 1) return FrameOutcome::LinkTruncated;
            return ppp_hdlc(c, at + 1, seg, options_visible);  // the direction byte first
        case linktype::kPppoe: return pppoe_session(c, at, seg, options_visible);
        case linktype::kCiscoHdlc: return cisco_hdlc(c, at, seg, options_visible);
        case linktype::kIeee80211: return ieee80211(c, at, false, false, seg, options_visible);
        case linktype::kRadiotap: return radiotap(c, at, seg, options_visible);
        case linktype::kPpi: return ppi(c, at, seg, options_visible);
        case linktype::kNflog: return nflog(c, at, seg, options_visible);
        case linktype::kNetlink: return netlink(c, at, seg, options_visible);
        default: return FrameOutcome::LinkUnsupported;
    }
}

}  // namespace

const char* frame_outcome_name(FrameOutcome o) {
    switch (o) {
        case FrameOutcome::Segment: return "tcp";
        case FrameOutcome::Quote: return "icmp-quote";
        case FrameOutcome::LinkUnsupported: return "link-unsupported";
        case FrameOutcome::LinkTruncated: return "link-truncated";
        case FrameOutcome::NotIp: return "not-ip";
        case FrameOutcome::IpInvalid: return "ip-invalid";
        case FrameOutcome::IpFragment: return "ip-fragment";
        case FrameOutcome::Ipv6Chain: return "ipv6-chain";
        case FrameOutcome::NotTcp: return "not-tcp";
        case FrameOutcome::TcpTruncated: return "tcp-truncated";
        case FrameOutcome::IcmpOther: return "icmp-other";
        case FrameOutcome::TooDeep: return "too-deep";
    }
    return "";
}

FrameOutcome decode_frame(int linktype, const uint8_t* frame, size_t caplen, Segment* seg, bool* options_visible,
                          Address* router) {
    // Frames are at most 256 KiB (libpcap's and wiretap's cap): an int holds any offset.
    const Cursor c{frame, caplen > 0x7fffffff ? 0x7fffffff : static_cast<int>(caplen), 0, router};
    *options_visible = false;
    return link_layer(c, linktype, 0, seg, options_visible);
}

}  // namespace middlebox
