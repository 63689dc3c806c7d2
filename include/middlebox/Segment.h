// What the correlator needs to know about one TCP segment, independent of
// how it was captured or dissected. The Wireshark adapter fills it from the
// dissected IP and TCP headers; tests and fuzzers build it directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "middlebox/TcpOptions.h"

namespace middlebox {

struct Address {
    uint8_t family = 0;  // 4 or 6
    uint8_t bytes[16] = {};

    static Address v4(const uint8_t b[4]);
    static Address v6(const uint8_t b[16]);
    bool operator==(const Address& o) const { return family == o.family && std::memcmp(bytes, o.bytes, 16) == 0; }
    bool operator!=(const Address& o) const { return !(*this == o); }
};

// One end of a connection, and the one order of endpoints every view lists
// them in (the report's rows, the dialog's, the path report's targets):
// by family (IPv4 first), then address bytes, then port.
struct Endpoint {
    Address address;
    uint16_t port = 0;

    // <0, 0, >0. IPv4 compares its 4 bytes.
    static int compare(const Address& a, uint16_t a_port, const Address& b, uint16_t b_port) {
        if (a.family != b.family) return a.family < b.family ? -1 : 1;
        if (const int c = std::memcmp(a.bytes, b.bytes, a.family == 4 ? 4 : 16)) return c;
        return a_port < b_port ? -1 : a_port > b_port ? 1 : 0;
    }
    bool operator<(const Endpoint& o) const { return compare(address, port, o.address, o.port) < 0; }
    bool operator==(const Endpoint& o) const { return port == o.port && address == o.address; }
    bool operator!=(const Endpoint& o) const { return !(*this == o); }

    // The endpoint as bytes that sort in its order (family, the 16 address
    // bytes, the port high byte first): a key for byte-wise sorts and maps.
    static constexpr size_t kKeyBytes = 19;
    void key(uint8_t (&out)[kKeyBytes]) const {
        out[0] = address.family;
        std::memcpy(out + 1, address.bytes, 16);
        out[17] = static_cast<uint8_t>(port >> 8);
        out[18] = static_cast<uint8_t>(port & 0xff);
    }
};

struct EndpointHash {
    size_t operator()(const Endpoint& e) const {
        uint8_t k[Endpoint::kKeyBytes];
        e.key(k);
        uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
        for (uint8_t b : k) h = (h ^ b) * 0x100000001b3ull;
        return static_cast<size_t>(h);
    }
};

// Source and destination of one direction of a connection.
struct FlowTuple {
    Address src;
    Address dst;
    uint16_t src_port = 0;
    uint16_t dst_port = 0;

    FlowTuple reversed() const { return {dst, src, dst_port, src_port}; }
    Endpoint source() const { return {src, src_port}; }
    Endpoint destination() const { return {dst, dst_port}; }
    // A self-connect (one endpoint talking to itself) is its own reverse.
    bool is_loop() const { return src_port == dst_port && src == dst; }
    // 64-bit fingerprint, direction-sensitive, never 0 (0 marks an empty slot).
    // Both directions of a connection share every bit but the lowest, which
    // tells the direction, so that a lookup of a segment's own direction and
    // of the reverse one is one probe of the pending table (PendingTable::
    // find_pair) and the reverse key costs no hashing.
    uint64_t fingerprint() const;
    // reversed().fingerprint(), given fingerprint().
    uint64_t reverse_fingerprint(uint64_t own) const { return is_loop() ? own : own ^ 1u; }
};

enum TcpFlags : uint16_t {
    kFin = 0x01,
    kSyn = 0x02,
    kRst = 0x04,
    kPsh = 0x08,
    kAck = 0x10,
    kUrg = 0x20,
    kEce = 0x40,
    kCwr = 0x80,
    kAe = 0x100,  // RFC 9768 (AccECN): the former ECN-nonce bit
};

struct Segment {
    uint32_t frame = 0;  // capture frame number, strictly increasing in a first pass
    FlowTuple tuple;
    uint32_t seq = 0;
    uint32_t ack = 0;
    uint16_t flags = 0;
    uint8_t ttl = 0;     // IPv4 TTL or IPv6 hop limit
    uint16_t ip_id = 0;  // IPv4 identification (0 for IPv6, which has none in its fixed header)
    // TCP payload bytes, from the IP header's length (0 when unknown): data
    // on a SYN (TCP Fast Open), and which server segments carry data.
    uint16_t payload = 0;
    // Raw option block: `options_captured` bytes available of `options_declared`.
    const uint8_t* options = nullptr;
    uint8_t options_captured = 0;
    uint8_t options_declared = 0;

    bool is_syn() const { return (flags & (kSyn | kAck | kRst)) == kSyn; }
    bool is_synack() const { return (flags & (kSyn | kAck | kRst)) == (kSyn | kAck); }
    bool is_rst() const { return (flags & kRst) != 0; }
    OptionBlock option_block() const { return OptionBlock::parse(options, options_captured, options_declared); }
};

}  // namespace middlebox
