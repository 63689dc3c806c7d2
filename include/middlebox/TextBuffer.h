// A growable byte buffer whose appends are inline. The report builds a
// scan's million rows in one, a few dozen pieces each: std::string's
// append() is an out-of-line call per piece, and a std::string zeroes the
// room it grows before it is written.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace middlebox {

class TextBuffer {
public:
    TextBuffer& operator+=(char c) {
        room(1);
        s_[len_++] = c;
        return *this;
    }
    TextBuffer& operator+=(std::string_view v) {
        if (v.empty()) return *this;  // no storage yet is a null pointer: no memcpy to it
        room(v.size());
        std::memcpy(&s_[len_], v.data(), v.size());
        len_ += v.size();
        return *this;
    }
    // Room for `n` more bytes, written at end() then committed with advance().
    char* end(size_t n) {
        room(n);
        return &s_[len_];
    }
    void advance(size_t n) { len_ += n; }
    size_t size() const { return len_; }
    bool empty() const { return len_ == 0; }
    void clear() { len_ = 0; }
    void reserve(size_t n) { room(n); }
    std::string_view view() const { return std::string_view(s_.get(), len_); }
    std::string str() const { return std::string(view()); }

private:
    void room(size_t n) {
        if (cap_ - len_ < n) grow(n);
    }
    void grow(size_t n);  // rare: out of line

    std::unique_ptr<char[]> s_;
    size_t cap_ = 0;
    size_t len_ = 0;
};

// A number in decimal, straight into the buffer.
inline void put_uint(TextBuffer& s, uint64_t v) {
    char* b = s.end(20);
    s.advance(static_cast<size_t>(std::to_chars(b, b + 20, v).ptr - b));
}

}  // namespace middlebox
