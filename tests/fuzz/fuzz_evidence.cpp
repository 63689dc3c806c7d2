// Fuzzes the echo rules: the evidence drawn from two option blocks (the
// SYN's and the SYN+ACK's) and the verdict that follows, with the
// invariants of docs/verdicts.md that hold for any input.
//
// Input: [flags][syn captured][syn declared][syn bytes][synack captured]
// [synack declared][synack bytes]. Lengths modulo 41 (valid TCP headers).
#include "FuzzInput.h"
#include "middlebox/EchoEvidence.h"
#include "middlebox/OptionDiff.h"
#include "middlebox/Verdict.h"

using namespace middlebox;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    mbfuzz::Input in(data, size);
    const uint8_t flags = in.u8();
    const size_t syn_cap = in.u8() % 41, syn_decl = in.u8() % 41;
    const std::vector<uint8_t> syn_bytes = in.bytes(syn_cap);
    size_t sa_cap = in.u8() % 41, sa_decl = in.u8() % 41;
    std::vector<uint8_t> sa_bytes = in.bytes(sa_cap);
    if (flags & 0x80) {  // an echo box: the SYN+ACK is the SYN's block
        sa_bytes = syn_bytes;
        sa_cap = syn_cap;
        sa_decl = syn_decl;
    }
    const bool simultaneous = flags & 0x01;

    const OptionBlock syn = OptionBlock::parse(syn_bytes.empty() ? nullptr : syn_bytes.data(), syn_cap, syn_decl);
    const OptionBlock synack = OptionBlock::parse(sa_bytes.empty() ? nullptr : sa_bytes.data(), sa_cap, sa_decl);
    const EchoEvidence e = compare_options(syn, synack);
    const Verdict v = classify(e, simultaneous);

    MBFUZZ_CHECK(verdict_name(v)[0] != '\0');
    MBFUZZ_CHECK(verdict_from_name(verdict_name(v)) == v);
    MBFUZZ_CHECK(e.echoed_count <= sizeof e.echoed_kinds);
    if (simultaneous) MBFUZZ_CHECK(v == Verdict::SimultaneousOpen);
    // A verdict never rests on bytes that were not read.
    if (!syn.ok() || !synack.ok()) {
        MBFUZZ_CHECK(e.unreadable);
        if (!simultaneous) MBFUZZ_CHECK(v == Verdict::Truncated);
        MBFUZZ_CHECK(!e.any_echo());
    }
    if (!simultaneous && !e.unreadable) {
        MBFUZZ_CHECK(v != Verdict::Truncated && v != Verdict::NoSyn && v != Verdict::NoAnswer && v != Verdict::Rst);
        if (is_echo(v)) MBFUZZ_CHECK(e.any_echo());
        if (v == Verdict::Plain) MBFUZZ_CHECK(!e.any_echo());
        // An option echo always names what was copied.
        if (v == Verdict::OptionEcho) MBFUZZ_CHECK(e.echoed_count > 0);
        // MPTCP verdicts need MP_CAPABLE or MP_JOIN in the SYN.
        if (v == Verdict::MptcpGenuine || v == Verdict::MptcpAbsent) MBFUZZ_CHECK(e.syn_mpc.present);
        if (v == Verdict::MptcpJoin) MBFUZZ_CHECK(e.syn_join);
    }
    // Only copied kinds are listed, each at most once.
    for (uint8_t i = 0; i < e.echoed_count; ++i)
        for (uint8_t j = i + 1; j < e.echoed_count; ++j) MBFUZZ_CHECK(e.echoed_kinds[i] != e.echoed_kinds[j]);

    (void)option_diff(&syn, synack);
    return 0;
}
