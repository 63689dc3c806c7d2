// The value types every view shares: an endpoint and its order, a stored
// option block and its diff, what a handshake adds to the counts, who is
// a suspect, how a role is spelt.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "Builders.h"
#include "middlebox/Registry.h"
#include "middlebox/Role.h"
#include "middlebox/TcpOptions.h"
#include "middlebox/Verdict.h"

using namespace middlebox;
using namespace mbtest;

namespace {

Endpoint v4(uint8_t last, uint16_t port) {
    const uint8_t b[4] = {192, 0, 2, last};
    return Endpoint{Address::v4(b), port};
}

Endpoint v6(uint8_t last, uint16_t port) {
    uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8};
    b[15] = last;
    return Endpoint{Address::v6(b), port};
}

}  // namespace

TEST(Endpoint, OrderIsFamilyAddressPortAndItsKeySortsAlike) {
    std::vector<Endpoint> e = {v6(1, 80), v4(2, 80), v4(1, 443), v4(1, 80), v6(0, 443), v4(10, 1)};
    std::sort(e.begin(), e.end());
    const std::vector<Endpoint> want = {v4(1, 80), v4(1, 443), v4(2, 80), v4(10, 1), v6(0, 443), v6(1, 80)};
    EXPECT_TRUE(e == want);
    for (size_t i = 0; i + 1 < e.size(); ++i) {
        uint8_t a[Endpoint::kKeyBytes], b[Endpoint::kKeyBytes];
        e[i].key(a);
        e[i + 1].key(b);
        EXPECT_LT(std::memcmp(a, b, sizeof a), 0) << i;
        EXPECT_NE(EndpointHash{}(e[i]), EndpointHash{}(e[i + 1]));
    }
    EXPECT_EQ(Endpoint::compare(v4(1, 80).address, 80, v4(1, 80).address, 80), 0);
    FlowTuple t{v4(1, 0).address, v6(1, 0).address, 1000, 80};
    EXPECT_EQ(t.source(), v4(1, 1000));
    EXPECT_EQ(t.destination(), v6(1, 80));
}

TEST(StoredOptions, KeepsTheBlockAndDiffsAgainstAnother) {
    const Bytes syn = pad4(cat({mss(1460), sack_perm(), kind222()}));
    const Bytes synack = pad4(cat({mss(1380), kind222()}));
    const StoredOptions s = StoredOptions::of(OptionBlock::parse(syn.data(), syn.size(), syn.size()));
    const StoredOptions a = StoredOptions::of(OptionBlock::parse(synack.data(), synack.size(), synack.size()));
    EXPECT_EQ(s.captured, syn.size());
    EXPECT_TRUE(s.block().ok());
    EXPECT_EQ(a.diff(&s), "~MSS 1460 -> 1380 =KIND222 f989 -SACK_PERM");
    EXPECT_EQ(a.diff(nullptr), "(no SYN) MSS 1380 KIND222 f989");
    uint8_t raw[kMaxOptionBytes] = {};
    std::memcpy(raw, syn.data(), syn.size());
    const auto n = static_cast<uint8_t>(syn.size());
    const StoredOptions r = StoredOptions::raw(raw, n, n);
    EXPECT_EQ(a.diff(&r), a.diff(&s));
    EXPECT_EQ(StoredOptions::raw(raw, n, 60).block().declared_length(), kMaxOptionBytes);  // clamped when read
}

TEST(Counts, AHandshakeTakenBackLeavesNothing) {
    StudyCounts n;
    const uint8_t facts = bits(HandshakeFact::SynAck) | bits(HandshakeFact::Mpc) | bits(HandshakeFact::MpcEcho) |
                          bits(HandshakeFact::Unknown) | bits(HandshakeFact::UnknownEcho);
    count_handshake(&n, Verdict::MptcpEcho, facts, true);
    EXPECT_EQ(n.handshakes, 1u);
    EXPECT_EQ(n.synacks, 1u);
    EXPECT_EQ(n.verdicts[static_cast<int>(Verdict::MptcpEcho)], 1u);
    EXPECT_EQ(n.synacks_with_mp_capable, 1u);
    EXPECT_EQ(n.mp_capable_echoed, 1u);
    EXPECT_EQ(n.mp_capable_genuine, 0u);
    EXPECT_EQ(n.unknown_option_echoed, 1u);
    EXPECT_EQ(n.against_probe, 1u);
    count_handshake(&n, Verdict::MptcpEcho, facts, true, -1);
    const StudyCounts zero;
    EXPECT_EQ(std::memcmp(&n, &zero, sizeof n), 0);
    // The facts alone leave the handshakes and verdicts to the rows.
    count_facts(&n, facts, false);
    EXPECT_EQ(n.handshakes, 0u);
    EXPECT_EQ(n.synacks, 0u);
    EXPECT_EQ(n.mp_capable_echoed, 1u);
}

TEST(Suspect, AnyEchoVerdictFlagEchoIncluded) {
    uint32_t v[kVerdictCount] = {};
    v[static_cast<int>(Verdict::Plain)] = 3;
    v[static_cast<int>(Verdict::MptcpGenuine)] = 1;
    EXPECT_FALSE(is_suspect(v));
    for (Verdict echo : {Verdict::MptcpEcho, Verdict::OptionEcho, Verdict::FlagEcho}) {
        uint32_t w[kVerdictCount] = {};
        std::copy(v, v + kVerdictCount, w);
        w[static_cast<int>(echo)] = 2;
        EXPECT_TRUE(is_suspect(w)) << verdict_name(echo);
        EXPECT_EQ(echo_count(w), 2u);
    }
    ServerSummary s;
    s.verdicts[static_cast<int>(Verdict::FlagEcho)] = 1;
    EXPECT_TRUE(s.suspect());
}

TEST(Role, NamesAndKeys) {
    EXPECT_STREQ(role_name(Role::Syn), "SYN");
    EXPECT_STREQ(role_name(Role::SynAck), "SYN+ACK");
    EXPECT_STREQ(role_name(Role::Rst), "RST");
    EXPECT_STREQ(role_key(Role::SynAck), "synack");
    EXPECT_STREQ(role_key(Role::Rst), "rst");
}
