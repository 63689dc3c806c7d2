#include "middlebox/TextBuffer.h"

#include <algorithm>

namespace middlebox {

void TextBuffer::grow(size_t n) {
    const size_t cap = std::max(cap_ * 2, len_ + n + 256);
    std::unique_ptr<char[]> grown(new char[cap]);  // not zeroed: every byte is written before it is read
    if (len_ > 0) std::memcpy(grown.get(), s_.get(), len_);
    s_ = std::move(grown);
    cap_ = cap;
}

}  // namespace middlebox
