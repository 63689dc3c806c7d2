#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <random>
#include <unordered_map>

#include "middlebox/ChunkedVector.h"
#include "middlebox/PendingTable.h"

using namespace middlebox;

// Heap bytes live in this test binary, so that PendingTable::bytes() can be
// checked against what the table really allocated. Each block carries its
// size in a 16-byte header (keeping malloc's alignment).
namespace {
std::atomic<long long> g_heap_live{0};
}  // namespace

void* operator new(std::size_t n) {
    void* p = std::malloc(n + 16);
    if (p == nullptr) throw std::bad_alloc();
    *static_cast<std::size_t*>(p) = n;
    g_heap_live += static_cast<long long>(n);
    return static_cast<char*>(p) + 16;
}
void operator delete(void* p) noexcept {
    if (p == nullptr) return;
    char* block = static_cast<char*>(p) - 16;
    g_heap_live -= static_cast<long long>(*reinterpret_cast<std::size_t*>(block));
    std::free(block);
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { operator delete(p); }

namespace {
// PendingSyn is packed: its members must not bind to a reference (gtest's
// EXPECT_EQ takes its arguments by reference), so tests compare copies.
template <typename T>
T val(T v) {
    return v;
}

// splitmix64: a bijection of the counter, so distinct counters give distinct
// random-looking tuples.
uint64_t distinct_key(uint64_t i) {
    uint64_t z = i * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// The table holds the map's keys with their seq, nothing else, none evicted.
void expect_holds_exactly(PendingTable& t, const std::unordered_map<uint64_t, uint32_t>& ref) {
    ASSERT_EQ(t.size(), ref.size());
    EXPECT_EQ(t.evictions(), 0u);
    for (const auto& [key, seq] : ref) {
        PendingSyn* e = t.find(key);
        ASSERT_NE(e, nullptr);
        EXPECT_EQ(val(e->seq), seq);
    }
}
}  // namespace

TEST(PendingTable, EntryIs58Bytes) {
    EXPECT_EQ(sizeof(PendingSyn), 58u);
    PendingSyn e;
    e.set_options_length(40, 40);
    e.set_state(bits(PendingState::Answered) | bits(PendingState::ServerSeen));
    EXPECT_EQ(e.options_captured(), 40u);
    EXPECT_EQ(e.options_declared(), 40u);
    EXPECT_EQ(e.state(), bits(PendingState::Answered) | bits(PendingState::ServerSeen));
    e.add_state(bits(PendingState::Simultaneous));
    EXPECT_TRUE(e.has(bits(PendingState::Simultaneous)));
    EXPECT_EQ(e.options_captured(), 40u);
    e.set_options_length(13, 27);
    EXPECT_EQ(e.options_captured(), 13u);
    EXPECT_EQ(e.options_declared(), 27u);
    EXPECT_EQ(e.state(),
              bits(PendingState::Answered) | bits(PendingState::ServerSeen) | bits(PendingState::Simultaneous));
    e.set_state(0);
    EXPECT_FALSE(e.has(bits(PendingState::Answered)));
    EXPECT_EQ(e.options_declared(), 27u);
    e.set_options_length(50, 99);  // clamped, never spills into the state
    EXPECT_EQ(e.options_declared(), 40u);
    EXPECT_EQ(e.options_captured(), 40u);
    EXPECT_EQ(e.state(), 0u);
}

TEST(PendingTable, InsertFindErase) {
    PendingTable t(100);
    for (uint64_t k = 1; k <= 50; ++k) t.insert(k * 7919)->seq = uint32_t(k);
    EXPECT_EQ(t.size(), 50u);
    for (uint64_t k = 1; k <= 50; ++k) {
        PendingSyn* e = t.find(k * 7919);
        ASSERT_NE(e, nullptr);
        EXPECT_EQ(val(e->seq), k);
    }
    // A second insert of a present tuple returns it unchanged.
    EXPECT_EQ(val(t.insert(7919 * 3)->seq), 3u);
    t.erase(t.find(7919));
    EXPECT_EQ(t.find(7919), nullptr);
    EXPECT_EQ(t.size(), 49u);
    for (uint64_t k = 2; k <= 50; ++k) ASSERT_EQ(val(t.find(k * 7919)->seq), k);
}

// Random operations checked against std::unordered_map: backward-shift
// deletion, the move of the last entry into a hole, and growth must never
// lose an entry.
TEST(PendingTable, MatchesAReferenceMap) {
    PendingTable t(5000);
    std::unordered_map<uint64_t, uint32_t> ref;
    std::mt19937_64 rng(1);
    for (int i = 0; i < 200000; ++i) {
        const uint64_t k = (rng() % 6000) + 1;
        // Keys that differ in few bits, to exercise the hash mixing.
        const uint64_t key = (k << 20) | (k % 7);
        if (rng() % 3 == 0) {
            if (PendingSyn* e = t.find(key)) t.erase(e);
            ref.erase(key);
        } else if (ref.size() < 5000 || ref.count(key)) {
            t.insert(key)->seq = uint32_t(i);
            ref[key] = uint32_t(i);
        }
    }
    expect_holds_exactly(t, ref);
}

// A key and its partner (the key with its lowest bit flipped: a connection's
// other direction) are found in one probe, whatever else shares the run.
TEST(PendingTable, FindPairFindsBothKeys) {
    PendingTable t(20000);
    std::unordered_map<uint64_t, uint32_t> ref;
    std::mt19937_64 rng(3);
    for (uint32_t i = 0; i < 30000; ++i) {
        const uint64_t key = distinct_key(rng() % 9000) | (rng() & 1);
        if (rng() % 4 == 0) {
            if (PendingSyn* e = t.find(key)) t.erase(e);
            ref.erase(key);
        } else if (ref.size() < 20000 || ref.count(key)) {
            t.insert(key)->seq = i;
            ref[key] = i;
        }
        const uint64_t probe = distinct_key(rng() % 9000) | (rng() & 1);
        for (uint64_t partner : {probe ^ 1u, probe}) {
            PendingSyn *own = nullptr, *other = nullptr;
            t.find_pair(probe, partner, &own, &other);
            for (auto [k, e] : {std::pair{probe, own}, std::pair{partner, other}}) {
                auto it = ref.find(k);
                ASSERT_EQ(e != nullptr, it != ref.end()) << k;
                if (e != nullptr) {
                    EXPECT_EQ(val(e->tuple), k);
                    EXPECT_EQ(val(e->seq), it->second);
                }
            }
        }
    }
}

// Inserts (evicting at the cap), erases and finds against a reference, at
// capacities that leave the slot many tag and distance bits, few, or none
// (2^31 - 1: one tag bit, no distance bits, every probe reads the entry).
TEST(PendingTable, SmallAndHugeCapsMatchAReferenceMap) {
    for (size_t cap : {size_t{1}, size_t{5}, size_t{100}, size_t{3000}, PendingTable::kMaxCapacity}) {
        SCOPED_TRACE(cap);
        PendingTable t(cap);
        std::unordered_map<uint64_t, uint32_t> ref;
        std::mt19937_64 rng(cap);
        const uint64_t universe = std::min<uint64_t>(cap, 3000) * 3 + 2;
        uint64_t dropped = 0;
        for (uint32_t i = 0; i < 60000; ++i) {
            const uint64_t key = (rng() % universe) * 0x100000001ULL + 1;
            const unsigned op = rng() % 8;
            if (op < 2) {  // erase
                if (PendingSyn* e = t.find(key)) t.erase(e);
                ref.erase(key);
            } else if (op < 4) {  // find
                PendingSyn* e = t.find(key);
                auto it = ref.find(key);
                ASSERT_EQ(e != nullptr, it != ref.end());
                if (e != nullptr) {
                    ASSERT_EQ(val(e->seq), it->second);
                    ASSERT_EQ(val(e->tuple), key);
                }
            } else {  // insert or update
                const bool is_new = ref.count(key) == 0;
                PendingSyn* e = t.insert(key);
                ASSERT_EQ(val(e->tuple), key);
                if (is_new && ref.size() == t.capacity()) {  // one entry made room
                    ASSERT_EQ(ref.size(), t.capacity());
                    ASSERT_EQ(ref.count(key), 0u);
                    size_t gone = 0;
                    for (auto it = ref.begin(); it != ref.end();) {
                        if (t.find(it->first) == nullptr) {
                            it = ref.erase(it);
                            ++gone;
                        } else {
                            ++it;
                        }
                    }
                    ASSERT_EQ(gone, 1u);
                    e = t.find(key);  // entries may have moved
                    ++dropped;
                }
                if (ref.count(key)) {
                    ASSERT_EQ(val(e->seq), ref[key]);
                }
                e->seq = i;
                e->handshake = i;
                ref[key] = i;
            }
            ASSERT_EQ(t.size(), ref.size());
            ASSERT_LE(t.size(), t.capacity());
        }
        EXPECT_EQ(t.evictions(), dropped);  // none was answered: every drop is counted
        for (const auto& [key, seq] : ref) {
            PendingSyn* e = t.find(key);
            ASSERT_NE(e, nullptr);
            EXPECT_EQ(val(e->seq), seq);
        }
        if (cap <= 100) {
            EXPECT_GT(dropped, 0u);
        }
    }
}

TEST(PendingTable, CapIsClamped) {
    EXPECT_EQ(PendingTable(0).capacity(), 1u);
    PendingTable huge(~size_t{0});
    EXPECT_EQ(huge.capacity(), PendingTable::kMaxCapacity);
    EXPECT_LT(huge.bytes(), 4096u);  // nothing is allocated for the cap up front
}

// At most 64 bytes per pending handshake, index included, at every
// size from 4096 up to the cap, and 64 * cap (plus a little) at the cap.
TEST(PendingTable, AtMost64BytesPerEntry) {
    const size_t cap = 1000000;
    PendingTable t(cap);
    double worst = 0;
    size_t worst_at = 0;
    for (size_t i = 0; i < cap; ++i) {
        t.insert(distinct_key(i));
        const size_t n = t.size();
        ASSERT_EQ(n, i + 1);
        ASSERT_GE(t.bytes(), n * sizeof(PendingSyn));  // bytes() hides nothing
        if (n >= 4096) {
            const double per = double(t.bytes()) / double(n);
            if (per > worst) worst = per, worst_at = n;
            ASSERT_LE(t.bytes(), 64 * n) << "at size " << n;
        }
        if (n == 4096 || n == 10000 || n == 100000 || n == cap)
            std::printf("[          ] size %7zu: %zu bytes, %.2f per entry\n", n, t.bytes(), double(t.bytes()) / n);
    }
    std::printf("[          ] worst %.2f bytes per entry (at size %zu)\n", worst, worst_at);
    EXPECT_LE(t.bytes(), 64 * cap + 64 * 1024);
    EXPECT_EQ(t.evictions(), 0u);

    // A flood of new tuples at the cap: every insert drops one, memory stays.
    const size_t flood = 300000;
    for (size_t i = 0; i < flood; ++i) {
        t.insert(distinct_key(cap + i));
        ASSERT_EQ(t.evictions(), i + 1);
    }
    EXPECT_EQ(t.size(), cap);
    EXPECT_EQ(t.evictions(), flood);
    EXPECT_LE(t.bytes(), 64 * cap + 64 * 1024);
}

// reserve() sizes the index for the cap at once (the scanner's table fills
// up): no rebuild on the way, the bound holds again at the cap, and lookups
// (with the prefetch hints between them, as the scanner issues them) find
// exactly what a reference map holds.
TEST(PendingTable, ReserveSizesTheIndexOnce) {
    const size_t cap = 50000;
    PendingTable t(cap);
    t.reserve(10 * cap);  // clamped to the cap
    const size_t slots = t.slots();
    EXPECT_EQ(slots, cap * PendingTable::kReservedSlotsNum / PendingTable::kReservedSlotsDen);
    std::unordered_map<uint64_t, uint32_t> ref;
    std::mt19937_64 rng(3);
    for (uint32_t i = 0; i < 4 * cap; ++i) {
        const uint64_t key = distinct_key(rng() % (2 * cap));
        t.prefetch(key);
        t.prefetch_entry(key ^ 1);
        if (rng() % 4 == 0) {
            if (PendingSyn* e = t.find(key)) t.erase(e);
            ref.erase(key);
        } else if (ref.size() < cap || ref.count(key)) {
            t.insert(key)->seq = i;
            ref[key] = i;
        }
        ASSERT_EQ(t.slots(), slots) << "rebuilt at size " << t.size();
    }
    expect_holds_exactly(t, ref);
    for (uint32_t i = 0; t.size() < cap; ++i) t.insert(distinct_key(2 * cap + i));
    EXPECT_LE(t.bytes(), 64 * cap);  // the larger index still keeps the bound
    t.reserve(cap / 2);              // never shrinks
    EXPECT_EQ(t.slots(), slots);
}

// bytes() is what the table holds allocated, to the byte: chunks (the
// partly used one whole), directory, index, and the object itself.
TEST(PendingTable, BytesIsWhatItAllocates) {
    const long long before = g_heap_live;
    {
        PendingTable t(300000);
        auto held = [&] { return static_cast<size_t>(g_heap_live - before) + sizeof(PendingTable); };
        EXPECT_EQ(t.bytes(), held());
        for (uint64_t i = 0; i < 200000; ++i) {
            t.insert(distinct_key(i));
            if (i % 977 == 0) {
                ASSERT_EQ(t.bytes(), held()) << "at size " << t.size();
            }
        }
        for (uint64_t i = 0; i < 150000; ++i) {
            t.erase(t.find(distinct_key(i * 7 % 200000)));
            if (i % 977 == 0) {
                ASSERT_EQ(t.bytes(), held()) << "at size " << t.size();
            }
        }
        for (uint64_t i = 0; i < 300000; ++i) t.insert(distinct_key(1000000 + i));  // to the cap and past
        EXPECT_EQ(t.size(), 300000u);
        EXPECT_EQ(t.bytes(), held());
        t.clear();
        EXPECT_EQ(t.bytes(), held());
    }
    EXPECT_EQ(g_heap_live, before);
}

// Chunks are freed as the table shrinks; the index keeps its size.
TEST(PendingTable, ShrinksAndClears) {
    PendingTable t(100000);
    std::vector<uint64_t> keys;
    for (uint64_t k = 1; k <= 50000; ++k) keys.push_back(k * 0x9e3779b97f4a7c15ULL);
    for (uint64_t k : keys) t.insert(k)->seq = uint32_t(k);
    const size_t full = t.bytes();
    for (size_t i = 0; i < 45000; ++i) t.erase(t.find(keys[i]));
    EXPECT_EQ(t.size(), 5000u);
    EXPECT_LT(t.bytes(), full - 40000 * sizeof(PendingSyn));
    for (size_t i = 45000; i < keys.size(); ++i) ASSERT_EQ(val(t.find(keys[i])->seq), uint32_t(keys[i]));
    t.clear();
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.find(keys.back()), nullptr);
    EXPECT_LT(t.bytes(), 4096u);
    t.insert(keys[0])->seq = 7;
    EXPECT_EQ(val(t.find(keys[0])->seq), 7u);
}

namespace {
// A full table's entries by key, to tell which one an insert dropped.
struct Held {
    struct Entry {
        uint32_t handshake;
        bool answered;
    };
    std::unordered_map<uint64_t, Entry> entries;

    // Inserts `key` into the full table `t` and returns what it dropped.
    Entry insert_dropping(PendingTable& t, uint64_t key, uint32_t handshake) {
        const size_t size_before = t.size();
        t.insert(key)->handshake = handshake;
        EXPECT_EQ(t.size(), size_before);  // full: one entry made room
        Entry gone{0, false};
        for (auto it = entries.begin(); it != entries.end(); ++it)
            if (t.find(it->first) == nullptr) {
                gone = it->second;
                entries.erase(it);
                break;
            }
        entries[key] = Entry{handshake, false};
        return gone;
    }
};
}  // namespace

TEST(PendingTable, CapEvictsOldestOfTheWindow) {
    // Older = smaller handshake index. Entries 0..63 get decreasing handshake
    // numbers, so in each window of 8 the last one is the oldest.
    PendingTable t(64);
    Held held;
    for (uint32_t i = 0; i < 64; ++i) {
        const uint64_t key = uint64_t(i + 1) * 0x9e3779b97f4a7c15ULL;
        t.insert(key)->handshake = 1000 - i;
        held.entries[key] = {1000 - i, false};
    }
    for (uint32_t w = 0; w < 8; ++w)
        EXPECT_EQ(held.insert_dropping(t, uint64_t(w + 100) * 0x9e3779b97f4a7c15ULL, 5000 + w).handshake,
                  1000 - (8 * w + 7));
    EXPECT_EQ(t.evictions(), 8u);
    for (uint32_t i = 1000; i < 2000; ++i)
        EXPECT_LT(held.insert_dropping(t, uint64_t(i) * 0x9e3779b97f4a7c15ULL | 1, 5000 + i).handshake, 5000 + i);
    EXPECT_EQ(t.size(), 64u);
    EXPECT_EQ(t.evictions(), 8u + 1000u);
    EXPECT_LE(t.bytes(), 64u * 64u + 1024u);
}

TEST(PendingTable, CapEvictsAnsweredFirst) {
    PendingTable t(64);
    Held held;
    for (uint32_t i = 0; i < 64; ++i) {
        const uint64_t key = uint64_t(i + 1) * 0x9e3779b97f4a7c15ULL;
        PendingSyn* e = t.insert(key);
        e->handshake = i;                                            // the oldest of each window is its first entry...
        if (i % 8 == 5) e->set_state(bits(PendingState::Answered));  // ...but an answered one goes first
        held.entries[key] = {i, i % 8 == 5};
    }
    for (uint32_t w = 0; w < 8; ++w) {
        const Held::Entry gone = held.insert_dropping(t, uint64_t(w + 100) * 0x9e3779b97f4a7c15ULL, 100 + w);
        EXPECT_TRUE(gone.answered);
        EXPECT_EQ(gone.handshake, 8 * w + 5);
    }
    EXPECT_EQ(t.evictions(), 0u);
    // None answered left: the oldest of the window goes, and is counted.
    const Held::Entry gone = held.insert_dropping(t, 999, 9999);
    EXPECT_FALSE(gone.answered);
    EXPECT_EQ(gone.handshake, 0u);
    EXPECT_EQ(t.evictions(), 1u);
}

// The correlator's per-handshake records: references survive growth (the
// correlator fills a PairedOptions in place while it may append a Handshake), and the
// heap held is the elements plus at most one partly used chunk.
TEST(ChunkedVector, StableReferencesAndBoundedSlack) {
    ChunkedVector<uint64_t, 4> v;  // chunks of 16
    EXPECT_TRUE(v.empty());
    uint64_t& first = v.emplace_back();
    EXPECT_EQ(first, 0u);  // value-initialised
    first = 7;
    for (uint64_t i = 1; i < 1000; ++i) v.push_back(i * 3);
    EXPECT_EQ(&first, &v[0]);
    EXPECT_EQ(v[0], 7u);
    EXPECT_EQ(v.size(), 1000u);
    for (uint64_t i = 1; i < 1000; ++i) ASSERT_EQ(v[i], i * 3);
    EXPECT_EQ(v.back(), 999u * 3);
    EXPECT_LT(v.bytes(), (1000u + 16u) * sizeof(uint64_t));
    v.pop_back();
    EXPECT_EQ(v.size(), 999u);
    EXPECT_EQ(v.emplace_back(), 0u);  // a slot reused after pop_back is zero again
    v.clear();
    EXPECT_TRUE(v.empty());
    EXPECT_EQ(v.bytes(), 0u);
}
