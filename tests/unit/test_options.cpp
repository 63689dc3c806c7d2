#include <gtest/gtest.h>

#include "Builders.h"
#include "middlebox/Mptcp.h"
#include "middlebox/OptionDiff.h"
#include "middlebox/TcpOptions.h"

using namespace middlebox;
using namespace mbtest;

namespace {
OptionBlock parse(const Bytes& b) { return OptionBlock::parse(b.data(), b.size(), b.size()); }
}  // namespace

TEST(OptionBlock, ParsesLinuxSyn) {
    const Bytes b = cat({mss(1460), sack_perm(), ts(100, 0), nop(), ws(7)});
    const OptionBlock o = parse(b);
    ASSERT_TRUE(o.ok());
    ASSERT_EQ(o.count(), 4u);
    EXPECT_EQ(o.at(0).kind, kMss);
    EXPECT_EQ(o.at(1).kind, kSackPermitted);
    EXPECT_EQ(o.at(2).kind, kTimestamp);
    EXPECT_EQ(o.at(3).kind, kWindowScale);
    EXPECT_EQ(o.at(3).offset, 17);
}

TEST(OptionBlock, EmptyBlock) {
    const OptionBlock o = OptionBlock::parse(nullptr, 0, 0);
    EXPECT_TRUE(o.ok());
    EXPECT_EQ(o.count(), 0u);
}

TEST(OptionBlock, EolEndsParsingAndPaddingIsIgnored) {
    const Bytes b = {2, 4, 5, 0xb4, 0, 0xff, 0xff, 0xff};  // MSS, EOL, garbage padding
    const OptionBlock o = parse(b);
    EXPECT_TRUE(o.ok());
    EXPECT_EQ(o.count(), 1u);
}

TEST(OptionBlock, LengthZeroIsMalformed) {
    const Bytes b = {222, 0, 1, 1};
    const OptionBlock o = parse(b);
    EXPECT_EQ(o.status(), OptionBlock::Status::Malformed);
}

TEST(OptionBlock, LengthOneIsMalformed) {
    const Bytes b = {1, 1, 222, 1};
    const OptionBlock o = parse(b);
    EXPECT_EQ(o.status(), OptionBlock::Status::Malformed);
}

TEST(OptionBlock, OverlongOptionIsMalformed) {
    const Bytes b = {2, 8, 5, 0xb4};  // says 8 bytes, block has 4
    EXPECT_EQ(parse(b).status(), OptionBlock::Status::Malformed);
}

TEST(OptionBlock, KindAtLastByteWithoutLengthIsMalformed) {
    const Bytes b = {1, 1, 1, 222};
    EXPECT_EQ(parse(b).status(), OptionBlock::Status::Malformed);
}

TEST(OptionBlock, SnaplenCutIsTruncatedNotMalformed) {
    const Bytes b = pad4(cat({mss(1460), mpc_key(0, 0x1122334455667788ULL)}));
    const OptionBlock o = OptionBlock::parse(b.data(), 6, b.size());
    EXPECT_EQ(o.status(), OptionBlock::Status::Truncated);
    EXPECT_EQ(o.count(), 1u);  // what was read in full is kept
}

TEST(OptionBlock, CutBeforeLengthByteIsTruncated) {
    const Bytes b = pad4(cat({mss(1460), kind222()}));
    EXPECT_EQ(OptionBlock::parse(b.data(), 5, b.size()).status(), OptionBlock::Status::Truncated);
}

TEST(OptionBlock, DeclaredLengthIsCappedAt40) {
    Bytes b(60, 1);  // all NOPs
    const OptionBlock o = OptionBlock::parse(b.data(), b.size(), b.size());
    EXPECT_TRUE(o.ok());
    EXPECT_EQ(o.declared_length(), 40u);
}

TEST(OptionBlock, FortyOneByteOptionsNeverOverflow) {
    Bytes b;
    for (int i = 0; i < 20; ++i) b.insert(b.end(), {254, 2});
    const OptionBlock o = parse(b);
    EXPECT_TRUE(o.ok());
    EXPECT_EQ(o.count(), 20u);
}

TEST(MpCapable, V0SynWithKey) {
    const Bytes b = mpc_key(0, 692439777126907904ULL);
    const MpCapable m = MpCapable::decode(b.data(), b.size());
    EXPECT_TRUE(m.present);
    EXPECT_TRUE(m.well_formed);
    EXPECT_EQ(m.version, 0);
    EXPECT_TRUE(m.has_key);
    EXPECT_EQ(m.key, 692439777126907904ULL);
}

TEST(MpCapable, V1SynIsKeyless) {
    const Bytes b = mpc_v1_syn();
    const MpCapable m = MpCapable::decode(b.data(), b.size());
    EXPECT_TRUE(m.present);
    EXPECT_EQ(m.version, 1);
    EXPECT_FALSE(m.has_key);
    EXPECT_EQ(m.length, 4);
}

TEST(MpCapable, ThirdAckCarriesBothKeys) {
    const Bytes b = cat({{30, 20, 0x01, 0x81}, key_bytes(1), key_bytes(2)});
    const MpCapable m = MpCapable::decode(b.data(), b.size());
    EXPECT_TRUE(m.well_formed);
    EXPECT_EQ(m.key, 1u);
}

TEST(MpCapable, OddLengthIsNotWellFormed) {
    const Bytes b = {30, 7, 0x00, 0x81, 1, 2, 3};
    const MpCapable m = MpCapable::decode(b.data(), b.size());
    EXPECT_TRUE(m.present);
    EXPECT_FALSE(m.well_formed);
    EXPECT_FALSE(m.has_key);
}

TEST(MpCapable, JoinIsNotCapable) {
    const Bytes b = {30, 12, 0x10, 0x01, 0, 0, 0, 1, 0, 0, 0, 2};
    EXPECT_FALSE(MpCapable::decode(b.data(), b.size()).present);
    EXPECT_EQ(mptcp_subtype(b.data(), b.size()), kMpJoin);
}

TEST(MpCapable, TooShortIsAbsent) {
    const Bytes b = {30, 2};
    EXPECT_FALSE(MpCapable::decode(b.data(), b.size()).present);
    EXPECT_FALSE(MpCapable::decode(nullptr, 0).present);
}

TEST(OptionDiff, BackgroundCaseOneGenuineServer) {
    const Bytes syn = mpc_key(0, 692439777126907904ULL);
    const Bytes synack = cat({mss(1380), mpc_key(0, 17898842517462319104ULL)});
    const OptionBlock a = parse(syn), b = parse(synack);
    EXPECT_EQ(option_diff(&a, b), "+MSS 1380 ~MP_CAPABLE v0 key 0x099c0a4f00000000 -> v0 key 0xf865767000000000");
}

TEST(OptionDiff, RemovedAndEchoed) {
    const Bytes syn = cat({mpc_key(0, 5), kind222()});
    const Bytes synack = cat({mss(1460), kind222()});
    const OptionBlock a = parse(syn), b = parse(synack);
    EXPECT_EQ(option_diff(&a, b), "+MSS 1460 =KIND222 f989 -MP_CAPABLE");
}

TEST(OptionDiff, TruncatedIsSaid) {
    const Bytes synack = pad4(cat({mss(1460), kind222()}));
    const OptionBlock b = OptionBlock::parse(synack.data(), 3, synack.size());
    EXPECT_EQ(option_diff(nullptr, b), "(SYN+ACK options truncated)");
}

TEST(OptionNames, Names) {
    EXPECT_EQ(option_name(2), "MSS");
    EXPECT_EQ(option_name(222), "KIND222");
    // Assigned since: TCP-ENO (RFC 8547), AccECN (RFC 9768); never "unknown".
    EXPECT_EQ(option_name(69), "TCP_ENO");
    EXPECT_EQ(option_name(172), "ACCECN0");
    EXPECT_EQ(option_name(174), "ACCECN1");
    for (uint8_t kind : {69, 172, 174}) {
        const Bytes o = {kind, 2};
        EXPECT_FALSE(is_unknown_option(o.data(), o.size())) << int(kind);
        EXPECT_TRUE(may_match_legitimately(kind)) << int(kind);
    }
    const Bytes j = {30, 12, 0x10, 0};
    EXPECT_EQ(option_name(30, j.data(), j.size()), "MP_JOIN");
}
