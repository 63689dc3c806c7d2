// Decoding of MPTCP's MP_CAPABLE (subtype 0), the option that matters in a
// handshake; MP_JOIN (subtype 1) is compared byte for byte, not decoded.
//
// MP_CAPABLE forms (RFC 6824 for v0, RFC 8684 for v1):
//   length  4  v1 SYN: no key at all (a keyless offer)
//   length 12  v0 SYN and SYN+ACK, v1 SYN+ACK: the sender's 64-bit key
//   length 20  third ACK: both keys
//   length 22/24  v1 ACK carrying data (data-level length, optional checksum)
// A genuine server answers with a key of its own; a box that copies the SYN
// returns the client's key (v0) or the keyless 4-byte form (v1).
#pragma once

#include <cstddef>
#include <cstdint>

namespace middlebox {

enum MptcpSubtype : uint8_t {
    kMpCapable = 0,
    kMpJoin = 1,
};

struct MpCapable {
    bool present = false;
    bool well_formed = false;  // a length RFC 6824/8684 defines for MP_CAPABLE
    uint8_t version = 0;       // 0 = RFC 6824, 1 = RFC 8684
    uint8_t flags = 0;         // A..H bits
    uint8_t length = 0;
    bool has_key = false;  // the sender's key is present (length >= 12)
    uint64_t key = 0;      // the sender's key, network order decoded

    // Decodes an option whose first byte is kind 30. Missing/short input
    // leaves present = false.
    static MpCapable decode(const uint8_t* option, size_t length);
};

// Subtype of an MPTCP option (kind 30), or 0xff when too short to tell.
uint8_t mptcp_subtype(const uint8_t* option, size_t length);

}  // namespace middlebox
