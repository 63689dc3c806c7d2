#include "report/ServerOrder.h"

namespace middlebox::detail {

// A stable LSD radix sort over the key's bytes, least significant first,
// skipping the bytes every key shares. A scan of IPv4 servers on one port
// varies in four bytes: four linear passes instead of a comparison sort's
// log2(n).
void sort_items(std::vector<Item>& items) {
    if (items.size() < 2) return;
    uint64_t hi_diff = 0, lo_diff = 0;
    uint32_t tail_diff = 0;
    for (const Item& it : items) {
        hi_diff |= it.key.hi ^ items[0].key.hi;
        lo_diff |= it.key.lo ^ items[0].key.lo;
        tail_diff |= it.key.tail ^ items[0].key.tail;
    }
    // (word, shift) of each byte, least significant first: tail's 3 bytes,
    // then lo's 8, then hi's 8.
    struct Digit {
        int word;  // 0 tail, 1 lo, 2 hi
        unsigned shift;
    };
    Digit digits[19];
    size_t n_digits = 0;
    for (unsigned b = 0; b < 3; ++b)
        if ((tail_diff >> (8 * b)) & 0xff) digits[n_digits++] = Digit{0, 8 * b};
    for (unsigned b = 0; b < 8; ++b)
        if ((lo_diff >> (8 * b)) & 0xff) digits[n_digits++] = Digit{1, 8 * b};
    for (unsigned b = 0; b < 8; ++b)
        if ((hi_diff >> (8 * b)) & 0xff) digits[n_digits++] = Digit{2, 8 * b};
    if (n_digits == 0) return;  // one endpoint: already in position order

    std::vector<Item> other(items.size(), items[0]);
    std::vector<Item>* from = &items;
    std::vector<Item>* to = &other;
    for (size_t d = 0; d < n_digits; ++d) {
        const Digit dg = digits[d];
        auto byte_of = [dg](const Item& it) -> size_t {
            const uint64_t w = dg.word == 0 ? it.key.tail : dg.word == 1 ? it.key.lo : it.key.hi;
            return static_cast<size_t>((w >> dg.shift) & 0xff);
        };
        size_t start[256] = {};
        for (const Item& it : *from) ++start[byte_of(it)];
        size_t sum = 0;
        for (size_t& c : start) {
            const size_t count = c;
            c = sum;
            sum += count;
        }
        for (const Item& it : *from) (*to)[start[byte_of(it)]++] = it;
        std::swap(from, to);
    }
    if (from != &items) items.swap(other);
}

}  // namespace middlebox::detail
