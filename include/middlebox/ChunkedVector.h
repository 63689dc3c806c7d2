// An append-only sequence stored in fixed chunks of 2^ChunkBits elements.
//
// Why not std::vector: the correlator appends one record per handshake for
// the whole capture (a million of them in a scan), and a vector that doubles
// copies everything it holds each time, keeping the old and the new block
// alive together: the peak is up to three times the data and every copy
// pages fresh memory in. Chunks never move, so the peak is the data plus
// less than one chunk, and a reference stays valid while elements are added.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "middlebox/Assert.h"

namespace middlebox {

template <typename T, unsigned ChunkBits = 12>
class ChunkedVector {
public:
    static constexpr size_t kChunk = size_t{1} << ChunkBits;

    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

    // `i` below size() and not released (release_before()).
    T& operator[](size_t i) {
        MIDDLEBOX_ASSERT(i < size_ && (i >> ChunkBits) >= released_);
        return chunks_[i >> ChunkBits][i & (kChunk - 1)];
    }
    const T& operator[](size_t i) const {
        MIDDLEBOX_ASSERT(i < size_ && (i >> ChunkBits) >= released_);
        return chunks_[i >> ChunkBits][i & (kChunk - 1)];
    }
    T& back() { return (*this)[size_ - 1]; }
    const T& back() const { return (*this)[size_ - 1]; }

    // Appends a value-initialised element and returns it.
    T& emplace_back() {
        if (size_ == chunks_.size() * kChunk) chunks_.emplace_back(new T[kChunk]);
        T& slot = (*this)[size_++];
        slot = T{};
        return slot;
    }
    T& push_back(const T& v) { return emplace_back() = v; }
    void pop_back() { --size_; }
    void clear() {
        chunks_.clear();
        size_ = 0;
        released_ = 0;
    }
    // Frees the chunks that hold only elements below `end`: indices stay
    // what they were, and an element below the first chunk kept is gone
    // (a stream that retires its oldest elements keeps a window of them).
    void release_before(size_t end) {
        for (; released_ < (end >> ChunkBits) && released_ < chunks_.size(); ++released_) chunks_[released_].reset();
    }
    // Heap bytes held by the elements' chunks.
    size_t bytes() const {
        size_t n = 0;
        for (const auto& c : chunks_) n += c ? kChunk * sizeof(T) : 0;
        return n;
    }

private:
    std::vector<std::unique_ptr<T[]>> chunks_;
    size_t size_ = 0;
    size_t released_ = 0;  // chunks freed by release_before()
};

}  // namespace middlebox
