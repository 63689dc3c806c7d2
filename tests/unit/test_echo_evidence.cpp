#include <gtest/gtest.h>

#include "Builders.h"
#include "middlebox/EchoEvidence.h"

using namespace middlebox;
using namespace mbtest;

namespace {
OptionBlock parse(const Bytes& b) { return OptionBlock::parse(b.data(), b.size(), b.size()); }
Verdict verdict(const Bytes& syn, const Bytes& synack, bool simultaneous = false) {
    const OptionBlock a = parse(syn), b = parse(synack);
    return classify(compare_options(a, b), simultaneous);
}
const Bytes kLinuxV1Syn = cat({mss(1460), sack_perm(), ts(1000, 0), nop(), ws(7), mpc_v1_syn()});
}  // namespace

// The four cases of the background write-up.
TEST(Classify, V0GenuineServerPicksItsOwnKey) {
    EXPECT_EQ(verdict(mpc_key(0, 692439777126907904ULL), cat({mss(1380), mpc_key(0, 17898842517462319104ULL)})),
              Verdict::MptcpGenuine);
}
TEST(Classify, V0ServerWithoutMptcpDropsTheOption) {
    EXPECT_EQ(verdict(mpc_key(0, 1674215399152943104ULL), mss(1460)), Verdict::MptcpAbsent);
}
TEST(Classify, V0EchoReturnsTheClientsKey) {
    const Bytes syn = mpc_key(0, 692439777126907904ULL);
    const OptionBlock a = parse(syn), b = parse(syn);
    const EchoEvidence e = compare_options(a, b);
    EXPECT_TRUE(e.mpc_echo);
    EXPECT_EQ(classify(e, false), Verdict::MptcpEcho);
    ASSERT_EQ(e.echoed_count, 1);
    EXPECT_EQ(e.echoed_kinds[0], kMptcp);
}
TEST(Classify, Kind222EchoedOrDropped) {
    const Bytes syn = pad4(kind222());
    EXPECT_EQ(verdict(syn, syn), Verdict::OptionEcho);
    EXPECT_EQ(verdict(syn, mss(1380)), Verdict::Plain);
}

// RFC 8684 v1.
TEST(Classify, V1GenuineServerSendsAKey) {
    const Bytes synack = cat({mss(1460), sack_perm(), ts(5555, 1000), nop(), ws(7), mpc_key(1, 0xabcdef)});
    EXPECT_EQ(verdict(kLinuxV1Syn, synack), Verdict::MptcpGenuine);
}
TEST(Classify, V1EchoReturnsTheKeylessForm) {
    const OptionBlock a = parse(kLinuxV1Syn), b = parse(kLinuxV1Syn);
    const EchoEvidence e = compare_options(a, b);
    EXPECT_TRUE(e.mpc_echo);
    EXPECT_TRUE(e.ts_echo);
    EXPECT_TRUE(e.all_options);
    EXPECT_EQ(classify(e, false), Verdict::MptcpEcho);
}
TEST(Classify, V1KeylessSynAckWithOtherFlagsIsStillNoServerKey) {
    const Bytes synack = cat({mss(1400), Bytes{30, 4, 0x01, 0x01}});
    EXPECT_EQ(verdict(kLinuxV1Syn, synack), Verdict::MptcpEcho);
}
TEST(Classify, V1SynAnsweredByV0ServerWithKeyIsGenuine) {
    EXPECT_EQ(verdict(kLinuxV1Syn, cat({mss(1460), mpc_key(0, 77)})), Verdict::MptcpGenuine);
}
TEST(Classify, V0SameKeyDifferentFlagsIsEcho) {
    Bytes synack = mpc_key(0, 42);
    synack[3] = 0x01;
    EXPECT_EQ(verdict(mpc_key(0, 42), synack), Verdict::MptcpEcho);
}

// Things that must not be called echoes.
TEST(Classify, EqualMssAndWindowScaleAreNotEvidence) {
    const Bytes syn = cat({mss(1460), sack_perm(), nop(), ws(7)});
    EXPECT_EQ(verdict(syn, syn), Verdict::Plain);
}
TEST(Classify, CopiedTimestampIsEvidence) {
    // The SYN's TS option as it was, TSecr 0 included: a correct SYN+ACK's
    // TSecr would be the SYN's TSval.
    const Bytes syn = cat({mss(1460), sack_perm(), ts(1000, 0), nop(), ws(7)});
    const Bytes synack = cat({mss(1400), sack_perm(), ts(1000, 0), nop(), ws(5)});
    const OptionBlock a = parse(syn), b = parse(synack);
    const EchoEvidence e = compare_options(a, b);
    EXPECT_TRUE(e.ts_echo);
    EXPECT_FALSE(e.tsval_equal);
    EXPECT_FALSE(e.all_options);
    ASSERT_EQ(e.echoed_count, 1);
    EXPECT_EQ(e.echoed_kinds[0], kTimestamp);
    EXPECT_EQ(classify(e, false), Verdict::OptionEcho);
}
// Loopback, namespaces of one host, stacks without per-connection offsets:
// both sides stamp the same clock in the same millisecond, and the SYN+ACK's
// TSecr correctly acknowledges the SYN's TSval. Seen, never an echo.
TEST(Classify, SameClockTsvalIsOnlyAWeakSign) {
    const Bytes syn = cat({mss(65495), sack_perm(), ts(1000, 0), nop(), ws(7)});
    const Bytes synack = cat({mss(65495), sack_perm(), ts(1000, 1000), nop(), ws(7)});
    const OptionBlock a = parse(syn), b = parse(synack);
    const EchoEvidence e = compare_options(a, b);
    EXPECT_TRUE(e.tsval_equal);
    EXPECT_FALSE(e.ts_echo);
    EXPECT_FALSE(e.any_echo());
    EXPECT_EQ(e.echoed_count, 0);
    EXPECT_EQ(classify(e, false), Verdict::Plain);
}
// An identical option proves a copy only where a correct one would differ.
TEST(Classify, IdenticalTimestampWithTsecrEqualToTsvalProvesNothing) {
    const Bytes syn = cat({ts(1000, 1000), nop(), nop()});
    const OptionBlock a = parse(syn), b = parse(syn);
    const EchoEvidence e = compare_options(a, b);
    EXPECT_FALSE(e.ts_echo);
    EXPECT_TRUE(e.tsval_equal);
    EXPECT_EQ(classify(e, false), Verdict::Plain);
}
TEST(Classify, NormalTimestampIsNotEvidence) {
    const Bytes syn = cat({mss(1460), sack_perm(), ts(1000, 0), nop(), ws(7)});
    const Bytes synack = cat({mss(1460), sack_perm(), ts(9000, 1000), nop(), ws(7)});
    EXPECT_EQ(verdict(syn, synack), Verdict::Plain);
}
TEST(Classify, ZeroTsvalIsNotEvidence) {
    const Bytes syn = cat({ts(0, 0), nop(), nop()});
    EXPECT_EQ(verdict(syn, syn), Verdict::Plain);
}
TEST(Classify, ExperimentalAndMd5CopiesAreEvidence) {
    const Bytes exp = {254, 4, 0x12, 0x34};  // an experiment other than TFO
    EXPECT_EQ(verdict(exp, exp), Verdict::OptionEcho);
    const Bytes exp6 = {254, 6, 0xf9, 0x89, 1, 2};  // TFO's ExID on 253, not TFO
    const Bytes exp253 = {253, 6, 0xf9, 0x89, 1, 2};
    EXPECT_EQ(verdict(pad4(exp253), pad4(exp253)), Verdict::OptionEcho);
    EXPECT_EQ(verdict(pad4(exp6), pad4(exp6)), Verdict::Plain);  // a TFO cookie (experimental form)
    Bytes md5 = {19, 18};
    md5.resize(18, 0xaa);
    EXPECT_EQ(verdict(pad4(md5), pad4(md5)), Verdict::OptionEcho);
}
// TCP Fast Open, kind 34 and the experimental kind 254 / ExID 0xF989.
TEST(Classify, FastOpenCookieRequestReturnedIsAnEcho) {
    const Bytes syn = cat({mss(1460), sack_perm(), ts(1000, 0), nop(), ws(7), nop(), nop(), Bytes{34, 2}});
    const Bytes synack = cat({mss(1460), sack_perm(), ts(5555, 1000), nop(), ws(7), nop(), nop(), Bytes{34, 2}});
    const OptionBlock a = parse(syn), b = parse(synack);
    const EchoEvidence e = compare_options(a, b);
    EXPECT_TRUE(e.tfo_request_echo);
    ASSERT_EQ(e.echoed_count, 1);
    EXPECT_EQ(e.echoed_kinds[0], kFastOpen);
    EXPECT_EQ(classify(e, false), Verdict::OptionEcho);
    const Bytes exp_request = {254, 4, 0xf9, 0x89};
    EXPECT_EQ(verdict(exp_request, exp_request), Verdict::OptionEcho);
}
TEST(Classify, FastOpenCookieIsNeverAnEcho) {
    const Bytes request = cat({nop(), nop(), Bytes{34, 2}});
    const Bytes cookie = {34, 10, 1, 2, 3, 4, 5, 6, 7, 8};
    const Bytes with_cookie = cat({nop(), nop(), cookie});
    EXPECT_EQ(verdict(request, with_cookie), Verdict::Plain);  // a cookie given
    // Linux returns the SYN's own cookie when it cannot open early.
    EXPECT_EQ(verdict(with_cookie, with_cookie), Verdict::Plain);
    const Bytes exp_request = {254, 4, 0xf9, 0x89};
    const Bytes exp_cookie = {254, 12, 0xf9, 0x89, 1, 2, 3, 4, 5, 6, 7, 8};
    const OptionBlock a = parse(exp_request), b = parse(exp_cookie);
    const EchoEvidence e = compare_options(a, b);
    EXPECT_FALSE(e.synack_unknown);  // the experimental form is TFO, not an unknown kind
    EXPECT_EQ(classify(e, false), Verdict::Plain);
    EXPECT_EQ(verdict(exp_cookie, exp_cookie), Verdict::Plain);
}
TEST(Classify, SimultaneousOpenIsNeverAnEcho) {
    EXPECT_EQ(verdict(kLinuxV1Syn, kLinuxV1Syn, true), Verdict::SimultaneousOpen);
}

// MP_JOIN.
TEST(Classify, JoinAnsweredByJoinIsJoin) {
    const Bytes syn = {30, 12, 0x10, 0x01, 0, 0, 0, 9, 0, 0, 0, 7};
    const Bytes synack = {30, 16, 0x10, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 3};
    EXPECT_EQ(verdict(syn, synack), Verdict::MptcpJoin);
    EXPECT_EQ(verdict(syn, syn), Verdict::MptcpEcho);
}

// Unreadable blocks.
TEST(Classify, TruncatedSynAckGivesTruncated) {
    const Bytes syn = pad4(mpc_key(0, 42));
    const OptionBlock a = parse(syn);
    const OptionBlock b = OptionBlock::parse(syn.data(), 4, syn.size());
    EXPECT_EQ(classify(compare_options(a, b), false), Verdict::Truncated);
}
TEST(Classify, MalformedSynAckGivesTruncated) {
    const Bytes syn = pad4(kind222());
    const Bytes bad = {222, 1, 0xf9, 0x89};
    EXPECT_EQ(verdict(syn, bad), Verdict::Truncated);
}
TEST(Classify, UnsolicitedMpCapableIsFlagged) {
    const OptionBlock a = parse(mss(1460));
    const Bytes synack = mpc_key(0, 9);
    const OptionBlock b = parse(synack);
    const EchoEvidence e = compare_options(a, b);
    EXPECT_TRUE(e.unsolicited_mpc);
    EXPECT_EQ(classify(e, false), Verdict::Plain);
}

TEST(VerdictNames, RoundTrip) {
    for (int i = 1; i < kVerdictCount; ++i) {
        const auto v = static_cast<Verdict>(i);
        ASSERT_TRUE(verdict_from_name(verdict_name(v)).has_value());
        EXPECT_EQ(*verdict_from_name(verdict_name(v)), v);
    }
    EXPECT_FALSE(verdict_from_name("echo").has_value());
    EXPECT_STREQ(verdict_name(Verdict::MptcpEcho), "mptcp-echo");
}
