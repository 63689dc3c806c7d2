// Fuzzes the TCP option codec and the option diff on one or two blocks.
//
// Input: [captured][declared][bytes...] for block A, then the same for
// block B. `captured` and `declared` are taken modulo 64 so that blocks
// larger than a TCP header can hold (a caller bug) are tried too; only the
// captured bytes are handed to the parser, in a buffer of exactly that size.
#include <cstring>
#include <string>

#include "FuzzInput.h"
#include "middlebox/Mptcp.h"
#include "middlebox/OptionDiff.h"
#include "middlebox/TcpOptions.h"

using namespace middlebox;

namespace {

void check_block(const OptionBlock& b, size_t given) {
    MBFUZZ_CHECK(b.declared_length() <= kMaxOptionBytes);
    MBFUZZ_CHECK(b.captured_length() <= b.declared_length());
    MBFUZZ_CHECK(b.captured_length() <= given);
    MBFUZZ_CHECK(b.count() <= kMaxOptionBytes / 2);
    size_t end = 0;
    for (size_t i = 0; i < b.count(); ++i) {
        const TcpOption& o = b.at(i);
        MBFUZZ_CHECK(o.length >= 2);
        MBFUZZ_CHECK(o.offset >= end);  // in wire order, no overlap
        MBFUZZ_CHECK(size_t{o.offset} + o.length <= b.captured_length());
        MBFUZZ_CHECK(o.kind != kNop && o.kind != kEol);
        MBFUZZ_CHECK(b.data(o)[0] == o.kind && b.data(o)[1] == o.length);
        end = size_t{o.offset} + o.length;
        // Every accessor on every option.
        (void)describe_option(b, o);
        (void)option_name(o.kind, b.data(o), o.length);
        (void)MpCapable::decode(b.data(o), o.length);
        MBFUZZ_CHECK(b.has_identical(b, o));
    }
    // Ok with fewer bytes captured than declared happens when an EOL comes
    // first: the rest is padding. same_bytes() then stays false (it never
    // vouches for bytes it did not see).
    if (b.ok() && b.captured_length() == b.declared_length()) MBFUZZ_CHECK(b.same_bytes(b));
    (void)b.find(kMptcp);
    (void)b.find_mptcp(kMpCapable);
    (void)b.find_mptcp(kMpJoin);

    // Copying keeps the block: a re-parse of the copy gives the same options.
    uint8_t copy[kMaxOptionBytes];
    const size_t n = b.copy_to(copy);
    MBFUZZ_CHECK(n == b.captured_length());
    const OptionBlock again = OptionBlock::parse(copy, n, b.declared_length());
    MBFUZZ_CHECK(again.status() == b.status());
    MBFUZZ_CHECK(again.count() == b.count());
    for (size_t i = 0; i < b.count(); ++i) {
        MBFUZZ_CHECK(again.at(i).offset == b.at(i).offset);
        MBFUZZ_CHECK(again.at(i).length == b.at(i).length);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    mbfuzz::Input in(data, size);
    const size_t cap_a = in.u8() % 64, decl_a = in.u8() % 64;
    const std::vector<uint8_t> a = in.bytes(cap_a);
    const size_t cap_b = in.u8() % 64, decl_b = in.u8() % 64;
    const std::vector<uint8_t> b = in.bytes(cap_b);

    const OptionBlock ba = OptionBlock::parse(a.empty() ? nullptr : a.data(), a.size(), decl_a);
    const OptionBlock bb = OptionBlock::parse(b.empty() ? nullptr : b.data(), b.size(), decl_b);
    check_block(ba, a.size());
    check_block(bb, b.size());

    const std::string d1 = option_diff(&ba, bb);
    const std::string d2 = option_diff(nullptr, bb);
    const std::string d3 = option_diff(&ba, ba);
    MBFUZZ_CHECK(!d1.empty() && !d2.empty() && !d3.empty());
    (void)status_name(ba.status());
    return 0;
}
