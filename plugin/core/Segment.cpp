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
    uint64_t h = mix(src.family, (uint64_t{src_port} << 16) | dst_port);
    if (src.family == 4) {
        uint32_t s, d;
        std::memcpy(&s, src.bytes, 4);
        std::memcpy(&d, dst.bytes, 4);
        h = mix(h, (uint64_t{s} << 32) | d);
    } else {
        h = mix(h, load64(src.bytes));
        h = mix(h, load64(src.bytes + 8));
        h = mix(h, load64(dst.bytes));
        h = mix(h, load64(dst.bytes + 8));
    }
    return h == 0 ? 1 : h;
}

}  // namespace middlebox
