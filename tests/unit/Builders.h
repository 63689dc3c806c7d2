// Small builders for option blocks and segments used by the unit tests.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "middlebox/Segment.h"

namespace mbtest {

using Bytes = std::vector<uint8_t>;

inline Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}
inline Bytes mss(uint16_t v) { return {2, 4, uint8_t(v >> 8), uint8_t(v)}; }
inline Bytes sack_perm() { return {4, 2}; }
inline Bytes nop() { return {1}; }
inline Bytes ws(uint8_t s) { return {3, 3, s}; }
inline Bytes ts(uint32_t val, uint32_t ecr) {
    return {8,
            10,
            uint8_t(val >> 24),
            uint8_t(val >> 16),
            uint8_t(val >> 8),
            uint8_t(val),
            uint8_t(ecr >> 24),
            uint8_t(ecr >> 16),
            uint8_t(ecr >> 8),
            uint8_t(ecr)};
}
inline Bytes key_bytes(uint64_t k) {
    Bytes b;
    for (int i = 7; i >= 0; --i) b.push_back(uint8_t(k >> (8 * i)));
    return b;
}
// MP_CAPABLE v0/v1 with a key (12 bytes), flags 0x81.
inline Bytes mpc_key(uint8_t version, uint64_t key) { return cat({{30, 12, uint8_t(version), 0x81}, key_bytes(key)}); }
// MP_CAPABLE v1 SYN form: no key.
inline Bytes mpc_v1_syn() { return {30, 4, 0x01, 0x81}; }
inline Bytes kind222() { return {222, 4, 0xf9, 0x89}; }
inline Bytes pad4(Bytes b) {
    while (b.size() % 4) b.push_back(0);
    return b;
}

struct Host {
    uint8_t a, b, c, d;
};

// A segment whose options point into `storage` (kept alive by the caller).
inline middlebox::Segment seg(uint32_t frame, Host src, uint16_t sport, Host dst, uint16_t dport, uint16_t flags,
                              uint32_t seq, uint32_t ack, const Bytes& storage, uint8_t ttl = 64) {
    middlebox::Segment s;
    s.frame = frame;
    const uint8_t sa[4] = {src.a, src.b, src.c, src.d};
    const uint8_t da[4] = {dst.a, dst.b, dst.c, dst.d};
    s.tuple.src = middlebox::Address::v4(sa);
    s.tuple.dst = middlebox::Address::v4(da);
    s.tuple.src_port = sport;
    s.tuple.dst_port = dport;
    s.flags = flags;
    s.seq = seq;
    s.ack = ack;
    s.ttl = ttl;
    s.options = storage.data();
    s.options_captured = s.options_declared = uint8_t(storage.size());
    return s;
}

}  // namespace mbtest
