#include "HeaderReader.h"

#include <cstdint>
#include <cstring>

#include <epan/proto.h>
#include <wsutil/report_message.h>
#include <epan/tvbuff.h>

namespace middlebox_ws {

bool resolve_required_protocols(RequiredProtocols* out) {
    // One table, like transum: what we need, by name, and where it goes.
    struct Need {
        const char* name;
        int* id;
    } const needs[] = {
        {"ip", &out->ip}, {"ipv6", &out->ipv6}, {"tcp", &out->tcp}, {"icmp", &out->icmp}, {"icmpv6", &out->icmpv6},
    };
    bool ok = true;
    for (const Need& n : needs) {
        *n.id = proto_get_id_by_filter_name(n.name);
        if (*n.id < 0) {
            report_failure("Middlebox plugin: protocol \"%s\" is not registered in this Wireshark; "
                           "the plugin is disabled.",
                           n.name);
            ok = false;
        }
    }
    return ok;
}

namespace {

// Pointer to `n` contiguous captured bytes of the item, or nullptr. Checks
// the bounds first: tvb accessors throw (longjmp) past the captured data.
const guint8* item_bytes(const field_info* fi, int n) {
    if (fi == nullptr || fi->ds_tvb == nullptr || fi->start < 0) return nullptr;
    if (tvb_captured_length_remaining(fi->ds_tvb, fi->start) < n) return nullptr;
    return tvb_get_ptr(fi->ds_tvb, fi->start, n);
}

// Reads a TCP header starting at `t`, with `avail` contiguous captured bytes
// (>= 8), into `s`: ports and sequence always, the rest when present.
void read_tcp(const guint8* t, int avail, middlebox::Segment* s, bool* complete) {
    s->tuple.src_port = static_cast<uint16_t>((t[0] << 8) | t[1]);
    s->tuple.dst_port = static_cast<uint16_t>((t[2] << 8) | t[3]);
    s->seq = (guint32{t[4]} << 24) | (guint32{t[5]} << 16) | (guint32{t[6]} << 8) | t[7];
    *complete = avail >= 20;
    if (!*complete) return;
    s->ack = (guint32{t[8]} << 24) | (guint32{t[9]} << 16) | (guint32{t[10]} << 8) | t[11];
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

// The payload of the TCP segment whose IP header starts at `ip` and TCP
// header at `tcp` in `d`, from the IP header's length field (IPv4 total
// length, IPv6 payload length), not from the frame: a frame may carry
// padding or a trailer. 0 when the field says nothing (0: segmentation
// offload, a jumbogram) or disagrees with the headers.
guint16 payload_length(const guint8* d, int ip, int tcp, const middlebox::Segment& s, bool v6) {
    const int field = (d[ip + (v6 ? 4 : 2)] << 8) | d[ip + (v6 ? 5 : 3)];
    if (field == 0) return 0;
    const int end = ip + (v6 ? 40 : 0) + field;
    const int n = end - tcp - 20 - s.options_declared;
    return n > 0 ? static_cast<guint16>(n) : 0;
}

// IPv6 extension headers walked to reach the upper-layer header (RFC 8200
// 4.3-4.6, RFC 4302 2.2). Others (ESP, Mobility, HIP, Shim6, No Next Header)
// end the walk: what follows them is not a TCP header that can be read.
constexpr guint8 kHopByHop = 0, kRouting = 43, kFragment = 44, kAuthentication = 51, kDestinationOptions = 60;
// RFC 8200 allows each at most once (destination options twice): 6 in a
// conforming chain. The cap bounds the work per candidate header when
// read_frame() scans a frame for an ICMP error's IP header, where any byte
// 0x6? starts a candidate and the "chain" is arbitrary data; every step also
// advances by at least 8 bytes, so no chain can loop. A longer real chain is
// left to the tree (read_segment), as before.
constexpr int kMaxExtensionHeaders = 16;

// The upper-layer header of the IPv6 packet whose fixed header starts at
// `ip` in `d` (`len` captured bytes): its offset, with its protocol in
// `*proto`; -1 when a header runs past the captured bytes, the chain is
// longer than the cap, or the packet is a non-first fragment (its payload
// continues another packet's upper-layer data: no header there). The
// returned offset may equal `len`: the caller checks what it needs.
int ipv6_upper_layer(const guint8* d, int len, int ip, guint8* proto) {
    if (ip < 0 || len - ip < 40) return -1;
    guint8 next = d[ip + 6];
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
        default:
            *proto = next;
            return at;
        }
        if (n == kMaxExtensionHeaders || len - at < ext_len) return -1;
        next = d[at];
        at += ext_len;
    }
    return -1;
}

// The TCP header carried by the IP header at `ip`, if that header is one of
// `src`/`dst` and the TCP header's first 4 bytes (its ports) are `ports`:
// its offset, or -1. The fixed 20 bytes of TCP must be captured.
int tcp_behind(const guint8* d, int len, int ip, const address& src, const address& dst, const guint8 ports[4]) {
    if (ip < 0) return -1;
    int tcp_at;
    if (src.type == AT_IPv4 && dst.type == AT_IPv4) {
        if (len - ip < 20) return -1;
        const guint8* h = d + ip;
        const int ihl = h[0] & 0x0f;  // options make it longer than 20 (IHL > 5)
        // A non-first fragment carries the rest of a segment, no TCP header.
        if ((h[0] >> 4) != 4 || ihl < 5 || h[9] != 6 || (((h[6] << 8) | h[7]) & 0x1fff) != 0) return -1;
        if (std::memcmp(h + 12, src.data, 4) != 0 || std::memcmp(h + 16, dst.data, 4) != 0) return -1;
        tcp_at = ip + ihl * 4;
    } else if (src.type == AT_IPv6 && dst.type == AT_IPv6) {
        if (len - ip < 40) return -1;
        const guint8* h = d + ip;
        if ((h[0] >> 4) != 6 || std::memcmp(h + 8, src.data, 16) != 0 || std::memcmp(h + 24, dst.data, 16) != 0)
            return -1;
        guint8 proto = 0;
        tcp_at = ipv6_upper_layer(d, len, ip, &proto);  // without extension headers: ip + 40, no walk
        if (tcp_at < 0 || proto != 6) return -1;
    } else {
        return -1;
    }
    if (len - tcp_at < 20 || std::memcmp(d + tcp_at, ports, 4) != 0) return -1;
    return tcp_at;
}

// The offset in `d` (`len` bytes) where the IP header that set `src`/`dst`
// starts, from where the addresses point, or -1. The IP dissectors point
// net_src/net_dst at the header's own bytes (set_address_tvb keeps a
// pointer), and a subset tvb shares the frame's memory: so for an IP
// header in the frame this is exact and costs nothing, however many
// extension headers or options follow. Any other source of the addresses
// (a reassembled or decompressed buffer, an exported PDU's tags) points
// elsewhere or is not laid out as an IP header: -1.
int ip_header_at(const guint8* d, int len, const address& src, const address& dst) {
    int addr_len, src_in_header;
    if (src.type == AT_IPv4 && dst.type == AT_IPv4) {
        addr_len = 4;
        src_in_header = 12;
    } else if (src.type == AT_IPv6 && dst.type == AT_IPv6) {
        addr_len = 16;
        src_in_header = 8;
    } else {
        return -1;
    }
    // Integer arithmetic: relational operators on pointers into different
    // buffers are undefined.
    const auto base = reinterpret_cast<std::uintptr_t>(d);
    const auto s = reinterpret_cast<std::uintptr_t>(src.data);
    const auto t = reinterpret_cast<std::uintptr_t>(dst.data);
    if (src.len != addr_len || dst.len != addr_len || s < base || s - base > static_cast<std::uintptr_t>(len) ||
        t != s + static_cast<std::uintptr_t>(addr_len))
        return -1;
    const int ip = static_cast<int>(s - base) - src_in_header;
    if (ip < 0 || len - ip < src_in_header + 2 * addr_len) return -1;
    if ((d[ip] >> 4) != (addr_len == 4 ? 4 : 6)) return -1;
    return ip;
}

// Parses an ICMP/ICMPv6 error whose header starts at `icmp` (with `avail`
// captured bytes) and the IP+TCP header it quotes.
bool parse_quote(const guint8* h, int avail, bool v6, middlebox::Segment* seg, bool* options_visible);

}  // namespace

FrameKind read_frame(tvbuff_t* frame, const packet_info* pinfo, const RequiredProtocols& p, middlebox::Segment* seg,
                     bool* options_visible, middlebox::Address* router) {
    // Layer order: TCP before any ICMP error is live; TCP after one is quoted.
    bool icmp = false, live = false, quoted = false, icmp_v6 = false;
    for (wmem_list_frame_t* f = wmem_list_head(pinfo->layers); f != nullptr; f = wmem_list_frame_next(f)) {
        const int id = GPOINTER_TO_INT(wmem_list_frame_data(f));
        if (id == p.icmp || id == p.icmpv6) {
            if (!icmp) icmp_v6 = id == p.icmpv6;
            icmp = true;
        } else if (id == p.tcp) {
            (icmp ? quoted : live) = true;
        }
    }
    if (!live && !quoted) return FrameKind::None;

    const int len = static_cast<int>(tvb_captured_length(frame));
    if (len < 40) return FrameKind::None;
    const guint8* d = tvb_get_ptr(frame, 0, len);
    middlebox::Segment& s = *seg;

    if (live) {
        if (pinfo->ptype != PT_TCP) return FrameKind::None;
        // The innermost IP layer set net_src/net_dst; TCP set the ports.
        const guint8 ports[4] = {static_cast<guint8>(pinfo->srcport >> 8), static_cast<guint8>(pinfo->srcport),
                                 static_cast<guint8>(pinfo->destport >> 8), static_cast<guint8>(pinfo->destport)};
        int ip = ip_header_at(d, len, pinfo->net_src, pinfo->net_dst);
        int at = -1;
        if (ip >= 0) {
            // The header TCP was dissected behind: it has it or the frame
            // has none (a non-first fragment; TCP in a reassembled buffer).
            at = tcp_behind(d, len, ip, pinfo->net_src, pinfo->net_dst, ports);
        } else {
            // Addresses from elsewhere: the first header in the frame with
            // those addresses whose payload is a TCP header with those ports.
            for (int candidate = 0; candidate + 20 <= len && at < 0; ++candidate) {
                at = tcp_behind(d, len, candidate, pinfo->net_src, pinfo->net_dst, ports);
                ip = candidate;
            }
        }
        if (at < 0) return FrameKind::None;
        s = middlebox::Segment{};
        s.frame = pinfo->num;
        if (pinfo->net_src.type == AT_IPv4) {
            s.ttl = d[ip + 8];
            s.tuple.src = middlebox::Address::v4(d + ip + 12);
            s.tuple.dst = middlebox::Address::v4(d + ip + 16);
        } else {
            s.ttl = d[ip + 7];  // the hop limit is in the fixed header, whatever follows
            s.tuple.src = middlebox::Address::v6(d + ip + 8);
            s.tuple.dst = middlebox::Address::v6(d + ip + 24);
        }
        bool complete = false;
        read_tcp(d + at, len - at, &s, &complete);
        if (!complete) return FrameKind::None;
        s.payload = payload_length(d, ip, at, s, pinfo->net_src.type == AT_IPv6);
        return FrameKind::Live;
    }

    // Quoted: find the ICMP error after an IP header of the right protocol.
    const guint8 proto = icmp_v6 ? 58 : 1;
    for (int at = 0; at + 28 <= len; ++at) {
        int icmp_at = -1;
        if (!icmp_v6 && (d[at] >> 4) == 4 && (d[at] & 0x0f) >= 5 && d[at + 9] == proto)
            icmp_at = at + (d[at] & 0x0f) * 4;
        else if (icmp_v6 && (d[at] >> 4) == 6) {
            guint8 upper = 0;  // a hop-by-hop header (router alert) may come first
            const int after = ipv6_upper_layer(d, len, at, &upper);
            if (after >= 0 && upper == proto) icmp_at = after;
        }
        if (icmp_at < 0 || icmp_at + 8 > len) continue;
        if (parse_quote(d + icmp_at, len - icmp_at, icmp_v6, seg, options_visible)) {
            seg->frame = pinfo->num;
            if (router != nullptr)
                *router = icmp_v6 ? middlebox::Address::v6(d + at + 8) : middlebox::Address::v4(d + at + 12);
            return FrameKind::Quoted;
        }
    }
    return FrameKind::None;
}

bool read_quote(proto_tree* tree, const RequiredProtocols& p, middlebox::Segment* seg, bool* options_visible) {
    const field_info* icmp = nullptr;
    for (proto_node* n = tree->first_child; n != nullptr; n = n->next) {
        const field_info* fi = PNODE_FINFO(n);
        if (fi != nullptr && fi->hfinfo != nullptr && (fi->hfinfo->id == p.icmp || fi->hfinfo->id == p.icmpv6)) {
            icmp = fi;
            break;
        }
    }
    if (icmp == nullptr || icmp->ds_tvb == nullptr || icmp->start < 0) return false;
    const int avail = tvb_captured_length_remaining(icmp->ds_tvb, icmp->start);
    if (avail < 8) return false;
    const guint8* h = tvb_get_ptr(icmp->ds_tvb, icmp->start, avail);
    return parse_quote(h, avail, icmp->hfinfo->id == p.icmpv6, seg, options_visible);
}

namespace {

bool parse_quote(const guint8* h, int avail, bool v6, middlebox::Segment* seg, bool* options_visible) {
    // Error messages only: they quote the packet that caused them.
    const guint8 type = h[0];
    const bool error = v6 ? (type >= 1 && type <= 4) : (type == 3 || type == 11 || type == 12 || type == 4 || type == 5);
    if (!error) return false;

    middlebox::Segment& s = *seg;
    s = middlebox::Segment{};
    int ip_len;
    if (!v6) {
        if (avail < 8 + 20 || (h[8] >> 4) != 4 || h[8 + 9] != 6) return false;
        ip_len = (h[8] & 0x0f) * 4;
        if (ip_len < 20) return false;
        s.ttl = h[8 + 8];
        s.tuple.src = middlebox::Address::v4(h + 8 + 12);
        s.tuple.dst = middlebox::Address::v4(h + 8 + 16);
    } else {
        // The quoted SYN's extension headers, if any, within the quote:
        // a quote cut inside them shows no TCP header.
        if (avail < 8 + 40 || (h[8] >> 4) != 6) return false;
        guint8 upper = 0;
        ip_len = ipv6_upper_layer(h + 8, avail - 8, 0, &upper);
        if (ip_len < 0 || upper != 6) return false;
        s.ttl = h[8 + 7];
        s.tuple.src = middlebox::Address::v6(h + 8 + 8);
        s.tuple.dst = middlebox::Address::v6(h + 8 + 24);
    }
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
    if (!complete) s.flags = middlebox::kSyn;  // RFC 792's 8 bytes: flags unseen, assume the probe
    // A router that quoted the header but not its options pads with zeros: an
    // option area that starts with EOL is that padding (no stack declares
    // option space it leaves empty; TCPOPTSTRIP writes NOPs), not a block
    // from which the options were removed.
    *options_visible = complete && !(s.options_captured > 0 && s.options[0] == middlebox::kEol);
    return true;
}

}  // namespace

ReadResult read_segment(proto_tree* tree, const RequiredProtocols& p, uint32_t frame, middlebox::Segment* seg) {
    const field_info* ip = nullptr;
    const field_info* ip_of_tcp = nullptr;
    const field_info* tcp = nullptr;
    bool in_error = false;
    for (proto_node* n = tree->first_child; n != nullptr; n = n->next) {
        const field_info* fi = PNODE_FINFO(n);
        if (fi == nullptr || fi->hfinfo == nullptr) continue;
        const int id = fi->hfinfo->id;
        if (id == p.ip || id == p.ipv6) {
            ip = fi;
        } else if (id == p.tcp) {
            if (in_error) return ReadResult::Quoted;
            tcp = fi;  // the innermost live TCP wins (tunnels carry the outer one first)
            ip_of_tcp = ip;
        } else if (id == p.icmp || id == p.icmpv6) {
            in_error = true;
        }
    }
    if (tcp == nullptr) return in_error ? ReadResult::Quoted : ReadResult::NoTcp;
    if (ip_of_tcp == nullptr) return ReadResult::Unreadable;

    middlebox::Segment& s = *seg;
    s = middlebox::Segment{};
    s.frame = frame;

    if (ip_of_tcp->hfinfo->id == p.ip) {
        const guint8* h = item_bytes(ip_of_tcp, 20);
        if (h == nullptr || (h[0] >> 4) != 4) return ReadResult::Unreadable;
        s.ttl = h[8];
        s.tuple.src = middlebox::Address::v4(h + 12);
        s.tuple.dst = middlebox::Address::v4(h + 16);
    } else {
        const guint8* h = item_bytes(ip_of_tcp, 40);
        if (h == nullptr || (h[0] >> 4) != 6) return ReadResult::Unreadable;
        s.ttl = h[7];
        s.tuple.src = middlebox::Address::v6(h + 8);
        s.tuple.dst = middlebox::Address::v6(h + 24);
    }

    const int avail = tcp->ds_tvb != nullptr && tcp->start >= 0
                          ? tvb_captured_length_remaining(tcp->ds_tvb, tcp->start) : 0;
    const guint8* t = item_bytes(tcp, avail);
    if (t == nullptr || avail < 20) return ReadResult::Unreadable;
    bool complete = false;
    read_tcp(t, avail, &s, &complete);
    if (!complete) return ReadResult::Unreadable;
    // The TCP layer's own buffer (reassembled or decrypted) ends where its
    // payload does.
    const int payload = tvb_reported_length_remaining(tcp->ds_tvb, tcp->start) - 20 - s.options_declared;
    s.payload = payload > 0 ? static_cast<guint16>(payload > 0xffff ? 0xffff : payload) : 0;
    return ReadResult::Ok;
}

}  // namespace middlebox_ws
