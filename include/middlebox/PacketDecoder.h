// Reading a TCP segment from an IP packet's bytes: the IPv4 header and its
// options, IPv6 and its extension headers, the TCP header, and the TCP
// header an ICMP/ICMPv6 error quotes (RFC 792, RFC 4884). Plain bytes in,
// a Segment out: the Wireshark plugin calls it where the IP dissector put
// the header (plugin/wireshark/HeaderReader.cpp), middlebox-scan after its
// own link-layer and tunnel decoding (FrameDecoder.h). One decoder, so both
// see the same segment in the same bytes.
//
// Offsets and lengths are ints: every function checks its bounds against
// the captured length it is given and reads nothing past it.
#pragma once

#include <cstdint>

#include "middlebox/Segment.h"

namespace middlebox {

constexpr uint8_t kIpProtoIcmp = 1, kIpProtoIpIp = 4, kIpProtoTcp = 6, kIpProtoUdp = 17, kIpProtoIpv6 = 41,
                  kIpProtoGre = 47, kIpProtoIcmpv6 = 58;

// From the fixed part of the IPv4 (`v6` false) or IPv6 header at `h`: the
// TTL (hop limit), the IPv4 identification and both addresses into `s`, and the source address alone
// (an ICMP error's: the router that sent it). One place for the offsets.
void read_ip_endpoints(const uint8_t* h, bool v6, Segment* s);
Address ip_source(const uint8_t* h, bool v6);

// The upper-layer header of the IPv6 packet whose fixed header starts at
// `ip` in `d` (`len` captured bytes), past its extension headers
// (hop-by-hop, routing, fragment, destination options, AH; RFC 8200
// 4.3-4.6, RFC 4302 2.2): its offset, with its protocol in `*proto`; -1
// when a header runs past the captured bytes, the chain is longer than 16
// headers, or the packet is a non-first fragment (no upper-layer header
// there). ESP, Mobility, HIP, Shim6 and No Next Header end the walk: they
// are returned as the upper layer. The offset may equal `len`.
int ipv6_upper_layer(const uint8_t* d, int len, int ip, uint8_t* proto);

// Reads the TCP header at `t` (`avail` captured bytes, at least 8) into
// `s`: ports and sequence number always; ack, flags and options when the
// fixed 20 bytes are there. `*complete`: the fixed header is captured and
// its data offset is valid.
void read_tcp(const uint8_t* t, int avail, Segment* s, bool* complete);

// The payload of the TCP segment whose IP header starts at `ip` and TCP
// header at `tcp` in `d`, from the IP header's length field (IPv4 total
// length, IPv6 payload length), not from the frame, which may carry padding
// or a trailer. 0 when the field says nothing (0: segmentation offload, a
// jumbogram) or disagrees with the headers. `s` holds the TCP header.
uint16_t payload_length(const uint8_t* d, int ip, int tcp, const Segment& s, bool v6);

// The live segment of the IP packet at `ip` whose TCP header is at `tcp`
// (both located by the caller; 20 bytes of TCP captured): addresses and
// TTL from the IP header, the TCP header, the payload length. False when
// the TCP header is not complete.
bool read_live_segment(const uint8_t* d, int len, int ip, int tcp, bool v6, Segment* s);

// The TCP header an ICMP (`v6` false) or ICMPv6 error quotes, the ICMP
// header at `icmp` with `avail` captured bytes: false when it is not an
// error message (ICMP 3, 4, 5, 11, 12; ICMPv6 1-4) or does not quote IP
// and TCP. Only the quoted packet's own bytes count: an RFC 4884 error's
// padding and extensions, and anything past the quoted IP length, are cut.
// RFC 792 asks for only 8 bytes of the quoted TCP header: then the flags
// are taken to be a SYN (the probe) and `*options_visible` is false, as it
// is when the option area starts with EOL (a router's zero padding).
bool read_icmp_quote(const uint8_t* icmp, int avail, bool v6, Segment* s, bool* options_visible);

}  // namespace middlebox
