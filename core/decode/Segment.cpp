#include "middlebox/Segment.h"

namespace middlebox {

Address Address::v4(const uint8_t b[4]) {
    Address a;
    a.family = 4;
    std::memcpy(a.bytes, b, 4);
    return a;
}

Address Address::v6(const uint8_t b[16]) {
    Address a;
    a.family = 6;
    std::memcpy(a.bytes, b, 16);
    return a;
}

namespace {
// 64-bit mixing (the finaliser of splitmix64): cheap and spreads every input bit.
inline uint64_t mix(uint64_t h, uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}
inline uint64_t load64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

}  // namespace

uint64_t FlowTuple::fingerprint() const {
    // The endpoints in a fixed order (the lower one first), so that both
    // directions hash alike; the lowest bit then says which one sent.
    const bool forward = Endpoint::compare(src, src_port, dst, dst_port) <= 0;
    const Address& lo = forward ? src : dst;
    const Address& hi = forward ? dst : src;
    const uint16_t lo_port = forward ? src_port : dst_port, hi_port = forward ? dst_port : src_port;
    uint64_t h = mix((uint64_t{lo.family} << 8) | hi.family, (uint64_t{lo_port} << 16) | hi_port);
    if (lo.family == 4 && hi.family == 4) {
        uint32_t s, d;
        std::memcpy(&s, lo.bytes, 4);
        std::memcpy(&d, hi.bytes, 4);
        h = mix(h, (uint64_t{s} << 32) | d);
    } else {
        h = mix(h, load64(lo.bytes));
        h = mix(h, load64(lo.bytes + 8));
        h = mix(h, load64(hi.bytes));
        h = mix(h, load64(hi.bytes + 8));
    }
    h &= ~uint64_t{1};
    if (h == 0) h = 2;  // never 0, in either direction
    // A tuple equal to its own reverse (a self-connect) is "forward" both
    // ways: reverse_fingerprint() gives it back unchanged.
    return forward ? h : h | 1u;
}

}  // namespace middlebox
