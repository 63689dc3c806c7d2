#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

#include "middlebox/PendingTable.h"

using namespace middlebox;

TEST(PendingTable, EntryIsOneCacheLine) { EXPECT_EQ(sizeof(PendingSyn), 64u); }

TEST(PendingTable, InsertFindErase) {
    PendingTable t(100);
    for (uint64_t k = 1; k <= 50; ++k) t.insert(k * 7919, nullptr, nullptr)->seq = uint32_t(k);
    EXPECT_EQ(t.size(), 50u);
    for (uint64_t k = 1; k <= 50; ++k) {
        PendingSyn* e = t.find(k * 7919);
        ASSERT_NE(e, nullptr);
        EXPECT_EQ(e->seq, k);
    }
    t.erase(t.find(7919));
    EXPECT_EQ(t.find(7919), nullptr);
    EXPECT_EQ(t.size(), 49u);
}

// Random operations checked against std::unordered_map: backward-shift
// deletion and growth must never lose an entry.
TEST(PendingTable, MatchesAReferenceMap) {
    PendingTable t(5000);
    std::unordered_map<uint64_t, uint32_t> ref;
    std::mt19937_64 rng(1);
    for (int i = 0; i < 200000; ++i) {
        const uint64_t k = (rng() % 6000) + 1;
        // Cluster keys on few home slots to exercise wrap-around and shifting.
        const uint64_t key = (k << 20) | (k % 7);
        if (rng() % 3 == 0) {
            if (PendingSyn* e = t.find(key)) t.erase(e);
            ref.erase(key);
        } else if (ref.size() < 5000 || ref.count(key)) {
            t.insert(key, nullptr, nullptr)->seq = uint32_t(i);
            ref[key] = uint32_t(i);
        }
    }
    ASSERT_EQ(t.size(), ref.size());
    EXPECT_EQ(t.evictions(), 0u);
    for (const auto& [key, seq] : ref) {
        PendingSyn* e = t.find(key);
        ASSERT_NE(e, nullptr);
        EXPECT_EQ(e->seq, seq);
    }
}

TEST(PendingTable, CapEvictsOldest) {
    PendingTable t(64);
    for (uint32_t i = 1; i <= 1000; ++i) {
        PendingSyn evicted;
        bool did = false;
        PendingSyn* e = t.insert(uint64_t(i) * 0x9e3779b97f4a7c15ULL | 1, &evicted, &did);
        e->frame = i;
        if (did) {
            EXPECT_LT(evicted.frame, i);
        }
    }
    EXPECT_EQ(t.size(), 64u);
    EXPECT_EQ(t.evictions(), 1000u - 64u);
    EXPECT_LE(t.bytes(), 128u * 64u);  // at most 4/3 of the cap, rounded to a power of two
}
