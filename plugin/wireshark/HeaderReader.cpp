#include "HeaderReader.h"

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

// The IP header that carries the TCP header at `tcp_at`, if its addresses
// are `src`/`dst`: returns the IP header's offset or -1.
int ip_header_before(const guint8* d, int tcp_at, const address& src, const address& dst) {
    if (src.type == AT_IPv4 && dst.type == AT_IPv4) {
        for (int ihl = 5; ihl <= 15; ++ihl) {
            const int at = tcp_at - ihl * 4;
            if (at < 0) break;
            const guint8* h = d + at;
            if (h[0] == (0x40 | ihl) && h[9] == 6 && std::memcmp(h + 12, src.data, 4) == 0 &&
                std::memcmp(h + 16, dst.data, 4) == 0)
                return at;
        }
    } else if (src.type == AT_IPv6 && dst.type == AT_IPv6 && tcp_at >= 40) {
        const guint8* h = d + tcp_at - 40;
        if ((h[0] >> 4) == 6 && h[6] == 6 && std::memcmp(h + 8, src.data, 16) == 0 &&
            std::memcmp(h + 24, dst.data, 16) == 0)
            return tcp_at - 40;
    }
    return -1;
}

// Parses an ICMP/ICMPv6 error whose header starts at `icmp` (with `avail`
// captured bytes) and the IP+TCP header it quotes.
bool parse_quote(const guint8* h, int avail, bool v6, middlebox::Segment* seg, bool* options_visible);

}  // namespace

FrameKind read_frame(tvbuff_t* frame, const packet_info* pinfo, const RequiredProtocols& p, middlebox::Segment* seg,
                     bool* options_visible) {
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
        const guint8 pattern[4] = {static_cast<guint8>(pinfo->srcport >> 8), static_cast<guint8>(pinfo->srcport),
                                   static_cast<guint8>(pinfo->destport >> 8), static_cast<guint8>(pinfo->destport)};
        for (int at = 20; at + 20 <= len; ++at) {
            if (std::memcmp(d + at, pattern, 4) != 0) continue;
            const int ip = ip_header_before(d, at, pinfo->net_src, pinfo->net_dst);
            if (ip < 0) continue;
            s = middlebox::Segment{};
            s.frame = pinfo->num;
            if (pinfo->net_src.type == AT_IPv4) {
                s.ttl = d[ip + 8];
                s.tuple.src = middlebox::Address::v4(d + ip + 12);
                s.tuple.dst = middlebox::Address::v4(d + ip + 16);
            } else {
                s.ttl = d[ip + 7];
                s.tuple.src = middlebox::Address::v6(d + ip + 8);
                s.tuple.dst = middlebox::Address::v6(d + ip + 24);
            }
            bool complete = false;
            read_tcp(d + at, len - at, &s, &complete);
            return complete ? FrameKind::Live : FrameKind::None;
        }
        return FrameKind::None;
    }

    // Quoted: find the ICMP error after an IP header of the right protocol.
    const guint8 proto = icmp_v6 ? 58 : 1;
    for (int at = 0; at + 28 <= len; ++at) {
        int icmp_at = -1;
        if (!icmp_v6 && (d[at] >> 4) == 4 && (d[at] & 0x0f) >= 5 && d[at + 9] == proto)
            icmp_at = at + (d[at] & 0x0f) * 4;
        else if (icmp_v6 && (d[at] >> 4) == 6 && at + 40 <= len && d[at + 6] == proto)
            icmp_at = at + 40;
        if (icmp_at < 0 || icmp_at + 8 > len) continue;
        if (parse_quote(d + icmp_at, len - icmp_at, icmp_v6, seg, options_visible)) {
            seg->frame = pinfo->num;
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
        // Extension headers in a quote are rare enough to leave unread.
        if (avail < 8 + 40 || (h[8] >> 4) != 6 || h[8 + 6] != 6) return false;
        ip_len = 40;
        s.ttl = h[8 + 7];
        s.tuple.src = middlebox::Address::v6(h + 8 + 8);
        s.tuple.dst = middlebox::Address::v6(h + 8 + 24);
    }
    const int tcp_at = 8 + ip_len;
    if (avail < tcp_at + 8) return false;
    bool complete = false;
    read_tcp(h + tcp_at, avail - tcp_at, &s, &complete);
    if (!complete) s.flags = middlebox::kSyn;  // RFC 792's 8 bytes: flags unseen, assume the probe
    *options_visible = complete;
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
    return complete ? ReadResult::Ok : ReadResult::Unreadable;
}

}  // namespace middlebox_ws
