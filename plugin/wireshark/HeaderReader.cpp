#include "HeaderReader.h"

#include <cstdint>
#include <cstring>

#include <epan/proto.h>
#include <epan/tvbuff.h>
#include <wsutil/report_message.h>

#include "middlebox/PacketDecoder.h"

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
            report_failure(
                "Middlebox plugin: protocol \"%s\" is not registered in this Wireshark; "
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
        if ((h[0] >> 4) != 4 || ihl < 5 || h[9] != middlebox::kIpProtoTcp || (((h[6] << 8) | h[7]) & 0x1fff) != 0)
            return -1;
        if (std::memcmp(h + 12, src.data, 4) != 0 || std::memcmp(h + 16, dst.data, 4) != 0) return -1;
        tcp_at = ip + ihl * 4;
    } else if (src.type == AT_IPv6 && dst.type == AT_IPv6) {
        if (len - ip < 40) return -1;
        const guint8* h = d + ip;
        if ((h[0] >> 4) != 6 || std::memcmp(h + 8, src.data, 16) != 0 || std::memcmp(h + 24, dst.data, 16) != 0)
            return -1;
        guint8 proto = 0;
        tcp_at = middlebox::ipv6_upper_layer(d, len, ip, &proto);  // without extension headers: ip + 40, no walk
        if (tcp_at < 0 || proto != middlebox::kIpProtoTcp) return -1;
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
        if (!middlebox::read_live_segment(d, len, ip, at, pinfo->net_src.type == AT_IPv6, seg)) return FrameKind::None;
        seg->frame = pinfo->num;
        return FrameKind::Live;
    }

    // Quoted: find the ICMP error after an IP header of the right protocol.
    const guint8 proto = icmp_v6 ? middlebox::kIpProtoIcmpv6 : middlebox::kIpProtoIcmp;
    for (int at = 0; at + 28 <= len; ++at) {
        int icmp_at = -1;
        if (!icmp_v6 && (d[at] >> 4) == 4 && (d[at] & 0x0f) >= 5 && d[at + 9] == proto)
            icmp_at = at + (d[at] & 0x0f) * 4;
        else if (icmp_v6 && (d[at] >> 4) == 6) {
            guint8 upper = 0;  // a hop-by-hop header (router alert) may come first
            const int after = middlebox::ipv6_upper_layer(d, len, at, &upper);
            if (after >= 0 && upper == proto) icmp_at = after;
        }
        if (icmp_at < 0 || icmp_at + 8 > len) continue;
        if (middlebox::read_icmp_quote(d + icmp_at, len - icmp_at, icmp_v6, seg, options_visible)) {
            seg->frame = pinfo->num;
            if (router != nullptr) *router = middlebox::ip_source(d + at, icmp_v6);
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
    return middlebox::read_icmp_quote(h, avail, icmp->hfinfo->id == p.icmpv6, seg, options_visible);
}

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

    const bool v6 = ip_of_tcp->hfinfo->id != p.ip;
    const guint8* h = item_bytes(ip_of_tcp, v6 ? 40 : 20);
    if (h == nullptr || (h[0] >> 4) != (v6 ? 6 : 4)) return ReadResult::Unreadable;
    middlebox::read_ip_endpoints(h, v6, &s);

    const int avail =
        tcp->ds_tvb != nullptr && tcp->start >= 0 ? tvb_captured_length_remaining(tcp->ds_tvb, tcp->start) : 0;
    const guint8* t = item_bytes(tcp, avail);
    if (t == nullptr || avail < 20) return ReadResult::Unreadable;
    bool complete = false;
    middlebox::read_tcp(t, avail, &s, &complete);
    if (!complete) return ReadResult::Unreadable;
    // The TCP layer's own buffer (reassembled or decrypted) ends where its
    // payload does.
    const int payload = tvb_reported_length_remaining(tcp->ds_tvb, tcp->start) - 20 - s.options_declared;
    s.payload = payload > 0 ? static_cast<guint16>(payload > 0xffff ? 0xffff : payload) : 0;
    return ReadResult::Ok;
}

}  // namespace middlebox_ws
