#include "middlebox/FrameDecoder.h"

#include "middlebox/PacketDecoder.h"

namespace middlebox {

namespace {

constexpr uint16_t kEtherIpv4 = 0x0800, kEtherIpv6 = 0x86dd, kEtherVlan = 0x8100, kEtherQinQ = 0x88a8,
                   kEtherQinQOld = 0x9100, kEtherMpls = 0x8847, kEtherMplsMulticast = 0x8848,
                   kEtherTransparentBridging = 0x6558;
constexpr uint16_t kVxlanPort = 4789;
// Tunnels within tunnels: enough for any real stack (QinQ over GRE over
// IPsec-less IP-in-IP), small enough to bound the work on hostile input.
constexpr int kMaxDepth = 8;
// MPLS label stack entries followed before giving up.
constexpr int kMaxLabels = 16;

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

// The bytes of one frame and how deep the decoder is into it.
struct Cursor {
    const uint8_t* d;
    int len;
    int depth;
    Address* router;  // an ICMP error's source, when the caller asks for it
};

FrameOutcome ip(Cursor c, int at, Segment* seg, bool* options_visible);

FrameOutcome by_ip_version(Cursor c, int at, Segment* seg, bool* options_visible) {
    if (at >= c.len) return FrameOutcome::IpInvalid;
    const int version = c.d[at] >> 4;
    if (version != 4 && version != 6) return FrameOutcome::NotIp;
    return ip(c, at, seg, options_visible);
}

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
    case kEtherIpv6:
        return ip(c, at, seg, options_visible);
    case kEtherMpls:
    case kEtherMplsMulticast:
        // Labels down to the bottom of the stack; then IP, told by its
        // version nibble, as Wireshark guesses it.
        for (int n = 0;; ++n) {
            if (n == kMaxLabels) return FrameOutcome::TooDeep;
            if (c.len - at < 4) return FrameOutcome::LinkTruncated;
            const bool bottom = c.d[at + 2] & 0x01;
            at += 4;
            if (bottom) break;
        }
        return by_ip_version(c, at, seg, options_visible);
    default:
        return FrameOutcome::NotIp;
    }
}

FrameOutcome ethernet(Cursor c, int at, Segment* seg, bool* options_visible) {
    if (++c.depth > kMaxDepth) return FrameOutcome::TooDeep;
    if (c.len - at < 14) return FrameOutcome::LinkTruncated;
    return ethertype(c, be16(c.d + at + 12), at + 14, seg, options_visible);
}

// GRE (RFC 2784, RFC 2890 keys and sequence numbers) at `at`.
FrameOutcome gre(Cursor c, int at, Segment* seg, bool* options_visible) {
    if (c.len - at < 4) return FrameOutcome::LinkTruncated;
    const uint16_t flags = be16(c.d + at);
    // Version 0 without source routing (RFC 1701's R bit): the header is 4
    // bytes plus 4 for each of checksum, key and sequence number present.
    if ((flags & 0x0007) != 0 || (flags & 0x4000) != 0) return FrameOutcome::NotTcp;
    const int length = 4 + ((flags & 0x8000) ? 4 : 0) + ((flags & 0x2000) ? 4 : 0) + ((flags & 0x1000) ? 4 : 0);
    if (c.len - at < length) return FrameOutcome::LinkTruncated;
    const uint16_t type = be16(c.d + at + 2);
    if (type == kEtherTransparentBridging) return ethernet(c, at + length, seg, options_visible);
    if (type != kEtherIpv4 && type != kEtherIpv6) return FrameOutcome::NotTcp;
    return ip(c, at + length, seg, options_visible);
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
        if (!read_icmp_quote(c.d + payload, c.len - payload, v6, seg, options_visible)) return FrameOutcome::IcmpOther;
        // The router that sent the error: the source of its own IP header.
        if (c.router != nullptr) *c.router = ip_source(c.d + ip_at, v6);
        return FrameOutcome::Quote;
    case kIpProtoIpIp:
    case kIpProtoIpv6:
        if (c.len - payload < 1) return FrameOutcome::LinkTruncated;
        if ((c.d[payload] >> 4) != (proto == kIpProtoIpIp ? 4 : 6)) return FrameOutcome::IpInvalid;
        return ip(c, payload, seg, options_visible);
    case kIpProtoGre:
        return gre(c, payload, seg, options_visible);
    case kIpProtoUdp:
        // VXLAN, which Wireshark decodes on its port: 8 bytes of UDP, 8 of
        // VXLAN, then an Ethernet frame.
        if (c.len - payload >= 16 && be16(c.d + payload + 2) == kVxlanPort)
            return ethernet(c, payload + 16, seg, options_visible);
        return FrameOutcome::NotTcp;
    default:
        return FrameOutcome::NotTcp;
    }
}

FrameOutcome ip(Cursor c, int at, Segment* seg, bool* options_visible) {
    if (++c.depth > kMaxDepth) return FrameOutcome::TooDeep;
    if (at >= c.len) return FrameOutcome::IpInvalid;
    const uint8_t* h = c.d + at;
    if ((h[0] >> 4) == 4) {
        const int ihl = (h[0] & 0x0f) * 4;  // options make it longer than 20
        if (c.len - at < 20 || ihl < 20 || c.len - at < ihl) return FrameOutcome::IpInvalid;
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
FrameOutcome null_link(Cursor c, bool network_order, Segment* seg, bool* options_visible) {
    if (c.len < 4) return FrameOutcome::LinkTruncated;
    uint32_t family = network_order ? (uint32_t{c.d[0]} << 24) | (uint32_t{c.d[1]} << 16) | (c.d[2] << 8) | c.d[3]
                                    : (uint32_t{c.d[3]} << 24) | (uint32_t{c.d[2]} << 16) | (c.d[1] << 8) | c.d[0];
    // DLT_NULL is in the writer's byte order, which the file does not say:
    // a family too big to be one is the other order (as Wireshark reads it).
    if (family > 0xffff) family = __builtin_bswap32(family);
    switch (family) {
    case 2:   // AF_INET everywhere
    case 10:  // AF_INET6: Linux
    case 24:  // NetBSD, OpenBSD, BSD/OS
    case 28:  // FreeBSD, DragonFly
    case 30:  // Darwin
        return ip(c, 4, seg, options_visible);
    default:
        return FrameOutcome::NotIp;
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
    // Frames are at most 256 KiB (libpcap's cap): an int holds any offset.
    const Cursor c{frame, caplen > 0x7fffffff ? 0x7fffffff : static_cast<int>(caplen), 0, router};
    *options_visible = false;
    switch (linktype) {
    case linktype::kEthernet:
        return ethernet(c, 0, seg, options_visible);
    case linktype::kLinuxSll:
        // 16 bytes: packet type, ARPHRD type, address length, 8 address bytes, protocol.
        if (c.len < 16) return FrameOutcome::LinkTruncated;
        return ethertype(c, be16(c.d + 14), 16, seg, options_visible);
    case linktype::kLinuxSll2:
        // 20 bytes: protocol first, then reserved, interface, ARPHRD type, ...
        if (c.len < 20) return FrameOutcome::LinkTruncated;
        return ethertype(c, be16(c.d), 20, seg, options_visible);
    case linktype::kRaw:
    case linktype::kRawDlt:
    case linktype::kRawDltOpenBsd:
        return by_ip_version(c, 0, seg, options_visible);
    case linktype::kIpv4:
    case linktype::kIpv6:
        if (c.len < 1) return FrameOutcome::IpInvalid;
        if ((c.d[0] >> 4) != (linktype == linktype::kIpv4 ? 4 : 6)) return FrameOutcome::IpInvalid;
        return ip(c, 0, seg, options_visible);
    case linktype::kNull:
        return null_link(c, false, seg, options_visible);
    case linktype::kLoop:
        return null_link(c, true, seg, options_visible);
    default:
        return FrameOutcome::LinkUnsupported;
    }
}

}  // namespace middlebox
