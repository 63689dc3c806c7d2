#include "HeaderReader.h"

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

// Reads a TCP header starting at `t` with `avail` captured bytes (>= 8) into
// `s`: ports and sequence always, the rest when present.
void read_tcp(const guint8* t, int avail, const field_info* fi, int tcp_offset, middlebox::Segment* s, bool* complete) {
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
    s->options = captured > 0 ? tvb_get_ptr(fi->ds_tvb, tcp_offset + 20, captured) : nullptr;
}

}  // namespace

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
    const bool v6 = icmp->hfinfo->id == p.icmpv6;
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
    read_tcp(h + tcp_at, avail - tcp_at, icmp, icmp->start + tcp_at, &s, &complete);
    if (!complete) s.flags = middlebox::kSyn;  // RFC 792's 8 bytes: flags unseen, assume the probe
    *options_visible = complete;
    return true;
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

    const guint8* t = item_bytes(tcp, 20);
    if (t == nullptr) return ReadResult::Unreadable;
    bool complete = false;
    read_tcp(t, tvb_captured_length_remaining(tcp->ds_tvb, tcp->start), tcp, tcp->start, &s, &complete);
    return complete ? ReadResult::Ok : ReadResult::Unreadable;
}

}  // namespace middlebox_ws
