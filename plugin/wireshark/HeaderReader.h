// Finds the live IP and TCP headers of a packet in the protocol tree and
// reads them into a middlebox::Segment, from the raw bytes (cheaper than
// asking for a dozen dissected fields).
//
// Only protocol items at the root of the tree are live headers: a TCP
// header quoted inside an ICMP/ICMPv6 error is dissected under the ICMP
// item, so it is never taken for a packet of the connection.
#pragma once

#include <epan/packet.h>

#include "middlebox/Segment.h"

namespace middlebox_ws {

// Protocol ids the reader needs; resolved once at handoff.
struct RequiredProtocols {
    int ip = -1;
    int ipv6 = -1;
    int tcp = -1;
    int icmp = -1;
    int icmpv6 = -1;
};

// Resolves every protocol the plugin depends on, by name. On a missing one it
// reports which (a renamed field in a newer Wireshark) and returns false.
bool resolve_required_protocols(RequiredProtocols* out);

enum class ReadResult {
    NoTcp,       // no live TCP header at the root of the tree
    Quoted,      // TCP seen only inside an ICMP error
    Unreadable,  // TCP present but its fixed header or its IP header was cut
    Ok,
};

// What read_frame() found in a packet.
enum class FrameKind {
    None,    // no TCP, or nothing that could be located
    Live,    // a TCP segment of the capture's own traffic
    Quoted,  // a TCP header quoted inside an ICMP/ICMPv6 error
};

// Reads the segment straight from the frame's bytes, without a protocol
// tree: pinfo->layers says whether TCP came before any ICMP error (live) or
// inside one (quoted); the IP dissector's network addresses and the TCP
// dissector's ports locate the header in the frame. Trees are built only
// when a filter, a column or the details pane asks for one, so this keeps
// the plugin working (and cheap) in every other run: tshark -q -z ...,
// the first pass of tshark -2, the GUI's packet list.
// The IP header is where the IP dissector's net_src points (a scan finds it
// when the addresses come from another buffer); IPv6 extension headers
// (hop-by-hop, routing, fragment, destination options, AH) are walked to the
// TCP header, bounds-checked against the captured bytes. A non-first
// fragment has no TCP header. What the bytes cannot give (TCP behind ESP or
// IPv4 AH, a segment reassembled from fragments) is read from the tree when
// there is one (read_segment).
// For a quote, `*router` (when given) is set to the error's source address.
FrameKind read_frame(tvbuff_t* frame, const packet_info* pinfo, const RequiredProtocols& p, middlebox::Segment* seg,
                     bool* options_visible, middlebox::Address* router = nullptr);

// Fills `seg` from the root-level IP and TCP items of a protocol tree (its
// options point into the packet's buffer: valid while the packet is being
// dissected).
ReadResult read_segment(proto_tree* tree, const RequiredProtocols& p, uint32_t frame, middlebox::Segment* seg);

// For a packet read_segment() called Quoted: the TCP header an ICMP or
// ICMPv6 error quotes, read from the raw bytes of the root-level ICMP item
// (its quoted sub-items exist only when a filter asks for them). Sets
// `*options_visible` to false when the quote ends before the TCP data offset
// (RFC 792 requires only 8 bytes of it); a quoted IPv6 header's extension
// headers are walked as in read_frame(). False: not a quoted IP+TCP header.
bool read_quote(proto_tree* tree, const RequiredProtocols& p, middlebox::Segment* seg, bool* options_visible);

}  // namespace middlebox_ws
