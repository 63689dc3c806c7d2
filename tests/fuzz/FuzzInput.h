// A tiny cursor over a fuzzer's input: reads bytes, never past the end
// (missing bytes read as 0), so every input decodes to something.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mbfuzz {

class Input {
public:
    Input(const uint8_t* data, size_t size) : p_(data), n_(size) {}
    bool empty() const { return i_ >= n_; }
    size_t remaining() const { return i_ < n_ ? n_ - i_ : 0; }
    uint8_t u8() { return i_ < n_ ? p_[i_++] : 0; }
    uint16_t u16() { return static_cast<uint16_t>((u8() << 8) | u8()); }
    uint32_t u32() { return (uint32_t{u16()} << 16) | u16(); }
    // Exactly n bytes in a heap buffer of that very size, so that ASan sees
    // any read past what a caller was given (a packet buffer ends there too).
    std::vector<uint8_t> bytes(size_t n) {
        std::vector<uint8_t> out(n);
        for (size_t k = 0; k < n; ++k) out[k] = u8();
        return out;
    }

private:
    const uint8_t* p_;
    size_t n_;
    size_t i_ = 0;
};

// Fails loudly (libFuzzer reports the abort with the input that caused it).
#define MBFUZZ_CHECK(cond)                                                                 \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            __builtin_printf("invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            __builtin_abort();                                                             \
        }                                                                                  \
    } while (0)

}  // namespace mbfuzz
