#include "middlebox/PacketDecoder.h"

namespace middlebox {

namespace {

// IPv6 extension headers walked to reach the upper-layer header.
constexpr uint8_t kHopByHop = 0, kRouting = 43, kFragment = 44, kAuthentication = 51, kDestinationOptions = 60;
// RFC 8200 allows each at most once (destination options twice): 6 in a
// conforming chain. The cap bounds the work per candidate header when the
// plugin scans a frame for an ICMP error's IP header, where any byte 0x6?
// starts a candidate and the "chain" is arbitrary data; every step also
// advances by at least 8 bytes, so no chain can loop.
constexpr int kMaxExtensionHeaders = 16;

uint32_t be32(const uint8_t* p) {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

}  // namespace

int ipv6_upper_layer(const uint8_t* d, int len, int ip, uint8_t* proto) {
    if (ip < 0 || len - ip < 40) return -1;
    uint8_t next = d[ip + 6];
    int at = ip + 40;
    for (int n = 0; n <= kMaxExtensionHeaders; ++n) {
        int ext_len;
        switch (next) {
            case kHopByHop:
            case kRouting:
            case kDestinationOptions:
                if (len - at < 2) return -1;
                ext_len = (d[at + 1] + 1) * 8;  // Hdr Ext Len: 8-octet units after the first 8
                break;
            case kFragment:
                if (len - at < 8) return -1;
                if ((((d[at + 2] << 8) | d[at + 3]) & 0xfff8) != 0) return -1;  // fragment offset != 0
                ext_len = 8;
                break;
            case kAuthentication:
                if (len - at < 2) return -1;
                ext_len = (d[at + 1] + 2) * 4;  // Payload Len: 4-octet units, minus 2
                break;
            default: *proto = next; return at;
        }
        if (n == kMaxExtensionHeaders || len - at < ext_len) return -1;
        next = d[at];
        at += ext_len;
    }
    return -1;
}

void read_tcp(const uint8_t* t, int avail, Segment* s, bool* complete) {
    s->tuple.src_port = static_cast<uint16_t>((t[0] << 8) | t[1]);
    s->tuple.dst_port = static_cast<uint16_t>((t[2] << 8) | t[3]);
    s->seq = be32(t + 4);
    *complete = avail >= 20;
    if (!*complete) return;
    s->ack = be32(t + 8);
    s->flags = static_cast<uint16_t>(((t[12] & 0x01) << 8) | t[13]);
    const int header_len = (t[12] >> 4) * 4;
    if (header_len < 20) {
        *complete = false;
        return;
    }
    const int declared = header_len - 20;
    const int remaining = avail - 20;
    const int captured = remaining < declared ? remaining : declared;
    s->options_declared = static_cast<uint8_t>(declared);
    s->options_captured = static_cast<uint8_t>(captured);
    s->options = captured > 0 ? t + 20 : nullptr;
}

uint16_t payload_length(const uint8_t* d, int ip, int tcp, const Segment& s, bool v6) {
    const int field = (d[ip + (v6 ? 4 : 2)] << 8) | d[ip + (v6 ? 5 : 3)];
    if (field == 0) return 0;
    const int end = ip + (v6 ? 40 : 0) + field;
    const int n = end - tcp - 20 - s.options_declared;
    return n > 0 ? static_cast<uint16_t>(n) : 0;
}

void read_ip_endpoints(const uint8_t* h, bool v6, Segment* s) {
    if (!v6) {
        s->ip_id = static_cast<uint16_t>((h[4] << 8) | h[5]);
        s->ttl = h[8];
        s->tuple.src = Address::v4(h + 12);
        s->tuple.dst = Address::v4(h + 16);
    } else {
        s->ttl = h[7];  // the hop limit is in the fixed header, whatever follows
        s->tuple.src = Address::v6(h + 8);
        s->tuple.dst = Address::v6(h + 24);
    }
}

Address ip_source(const uint8_t* h, bool v6) { return v6 ? Address::v6(h + 8) : Address::v4(h + 12); }

bool read_live_segment(const uint8_t* d, int len, int ip, int tcp, bool v6, Segment* seg) {
    Segment& s = *seg;
    s = Segment{};
    read_ip_endpoints(d + ip, v6, &s);
    bool complete = false;
    read_tcp(d + tcp, len - tcp, &s, &complete);
    if (!complete) return false;
    s.payload = payload_length(d, ip, tcp, s, v6);
    return true;
}

bool read_icmp_quote(const uint8_t* h, int avail, bool v6, Segment* seg, bool* options_visible) {
    if (avail < 8) return false;
    // Error messages only: they quote the packet that caused them.
    const uint8_t type = h[0];
    const bool error =
        v6 ? (type >= 1 && type <= 4) : (type == 3 || type == 11 || type == 12 || type == 4 || type == 5);
    if (!error) return false;

    Segment& s = *seg;
    s = Segment{};
    int ip_len;
    if (!v6) {
        if (avail < 8 + 20 || (h[8] >> 4) != 4 || h[8 + 9] != kIpProtoTcp) return false;
        ip_len = (h[8] & 0x0f) * 4;
        if (ip_len < 20) return false;
    } else {
        // The quoted SYN's extension headers, if any, within the quote:
        // a quote cut inside them shows no TCP header.
        if (avail < 8 + 40 || (h[8] >> 4) != 6) return false;
        uint8_t upper = 0;
        ip_len = ipv6_upper_layer(h + 8, avail - 8, 0, &upper);
        if (ip_len < 0 || upper != kIpProtoTcp) return false;
    }
    read_ip_endpoints(h + 8, v6, &s);
    // Only the quoted packet's own bytes: an RFC 4884 error pads the original
    // datagram field with zeros to its length attribute (32-bit words in
    // ICMP, 64-bit in ICMPv6) and appends extensions (MPLS labels, RFC 4950);
    // nothing after the quoted IP packet's length is that packet.
    const int length_attribute = v6 ? h[4] * 8 : h[5] * 4;
    if (length_attribute > 0 && 8 + length_attribute < avail) avail = 8 + length_attribute;
    const int ip_total = v6 ? 40 + ((h[8 + 4] << 8) | h[8 + 5]) : (h[8 + 2] << 8) | h[8 + 3];
    if (ip_total > 0 && 8 + ip_total < avail) avail = 8 + ip_total;
    const int tcp_at = 8 + ip_len;
    if (avail < tcp_at + 8) return false;
    bool complete = false;
    read_tcp(h + tcp_at, avail - tcp_at, &s, &complete);
    if (!complete) s.flags = kSyn;  // RFC 792's 8 bytes: flags unseen, assume the probe
    // A router that quoted the header but not its options pads with zeros: an
    // option area that starts with EOL is that padding (no stack declares
    // option space it leaves empty; TCPOPTSTRIP writes NOPs), not a block
    // from which the options were removed.
    *options_visible = complete && !(s.options_captured > 0 && s.options[0] == kEol);
    return true;
}

}  // namespace middlebox
