// From a captured frame's first byte to its TCP segment, without Wireshark:
// the link layers and tunnels middlebox-scan reads (Wireshark's dissectors
// do this for the plugin), then PacketDecoder.h from the innermost IP
// header on. What is decoded, and the frames the scanner cannot analyse,
// counted by reason so that none is skipped silently:
//
//   link layers  Ethernet (802.1Q, 802.1ad, QinQ tags; MPLS; PPPoE session;
//                802.11 behind Ethernet type 0x2452, Intel Centrino's),
//                Linux cooked (SLL, SLL2: tcpdump -i any), raw IP (DLT_RAW,
//                LINKTYPE_IPV4, LINKTYPE_IPV6), BSD null and OpenBSD
//                loopback, PPP (with or without HDLC-like framing, after a
//                direction byte), Cisco HDLC, NFLOG, netfilter's queue and
//                log packets in netlink, IEEE 802.11 data frames with
//                LLC/SNAP (bare, radiotap, PPI)
//   tunnels      IPv4 and IPv6 in IPv4 or IPv6 (IP-in-IP, 6in4, 6in6, 4in6),
//                GRE (IPv4, IPv6, transparent Ethernet, ERSPAN I-III),
//                VXLAN (UDP 4789), GTP-U (UDP 2152), Geneve (UDP 6081), as
//                Wireshark decodes them: the innermost IP header is the
//                segment's
//   IP           IPv4 with options, IPv6 with extension headers; IPv4
//                fragments are not reassembled (tshark, which reassembles,
//                gives the reassembled segment no verdict in one pass either)
//   ICMP         errors quoting TCP (linked to the SYN, never paired)
#pragma once

#include <cstddef>
#include <cstdint>

#include "middlebox/Segment.h"

namespace middlebox {

// Link-layer header types, as pcap_datalink() and pcap files name them
// (the LINKTYPE_ and DLT_ values of www.tcpdump.org/linktypes.html).
namespace linktype {
constexpr int kNull = 0;  // DLT_NULL: 4-byte address family, the capturing host's byte order
constexpr int kEthernet = 1;
constexpr int kRaw = 101;    // LINKTYPE_RAW in a file
constexpr int kRawDlt = 12;  // DLT_RAW, as libpcap reports LINKTYPE_RAW (most systems)
constexpr int kRawDltOpenBsd = 14;
constexpr int kLoop = 108;  // OpenBSD loopback: the family in network byte order
constexpr int kLinuxSll = 113;
constexpr int kLinuxSll2 = 276;
constexpr int kIpv4 = 228;
constexpr int kIpv6 = 229;
constexpr int kPpp = 9;          // PPP, HDLC-like framing optional (Wireshark reads 50 as 9)
constexpr int kPppHdlc = 50;     // PPP in HDLC-like framing (DLT_PPP_SERIAL)
constexpr int kPppoe = 51;       // PPPoE without its Ethernet header (DLT_PPP_ETHER)
constexpr int kCiscoHdlc = 104;  // DLT_C_HDLC
constexpr int kIeee80211 = 105;  // 802.11 without radio header
constexpr int kRadiotap = 127;   // 802.11 behind a radiotap header
constexpr int kPpi = 192;        // Per-Packet Information header, then its own link type
constexpr int kNflog = 239;      // Linux NFLOG: TLVs, the packet in one
constexpr int kNetlink = 253;    // Linux netlink (nlmon), cooked header first
constexpr int kPppDir = 204;     // PPP after a byte saying sent or received
}  // namespace linktype

// What one frame was, for the scanner's counts: a segment, a quote, or why
// it is neither. Every frame gets exactly one.
enum class FrameOutcome : uint8_t {
    Segment,          // a live TCP segment (in `seg`)
    Quote,            // an ICMP/ICMPv6 error quoting a TCP header (in `seg`)
    LinkUnsupported,  // a link-layer type not listed above
    LinkTruncated,    // cut inside a link-layer or tunnel header
    NotIp,            // a link-layer payload that is not IP (ARP, LLDP, ...)
    IpInvalid,        // an IP header cut short or inconsistent
    IpFragment,       // an IPv4 fragment (not reassembled)
    Ipv6Chain,        // IPv6 extension headers cut, too many, or a non-first fragment
    NotTcp,           // IP carrying something else (UDP, ESP, ...)
    TcpTruncated,     // a TCP header cut short or with a bad data offset
    IcmpOther,        // ICMP that is not an error quoting TCP
    TooDeep,          // more nested encapsulations than the decoder follows
};
constexpr int kFrameOutcomeCount = static_cast<int>(FrameOutcome::TooDeep) + 1;

// "tcp", "icmp-quote", "link-unsupported", ...: the name in the counts.
const char* frame_outcome_name(FrameOutcome o);

// Decodes a frame of `linktype` (`caplen` captured bytes). For Segment and
// Quote, `seg` holds the segment (its options point into `frame`; its frame
// number is the caller's to set) and `*options_visible` says, for a quote,
// whether the quoted option area was captured, and `*router` (when given)
// is the source of the ICMP error: the hop that answered.
FrameOutcome decode_frame(int linktype, const uint8_t* frame, size_t caplen, Segment* seg, bool* options_visible,
                          Address* router = nullptr);

}  // namespace middlebox
