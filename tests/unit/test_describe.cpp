// How handshakes are spelt for people (Describe.h): one spelling each, shared
// by the reports and the dialog.
#include <gtest/gtest.h>

#include <vector>

#include "Builders.h"
#include "middlebox/Correlator.h"
#include "middlebox/Describe.h"
#include "middlebox/Registry.h"

using namespace middlebox;
using namespace mbtest;

namespace {

Address v6(std::initializer_list<uint16_t> groups) {
    uint8_t b[16] = {};
    size_t i = 0;
    for (uint16_t g : groups) {
        b[i++] = static_cast<uint8_t>(g >> 8);
        b[i++] = static_cast<uint8_t>(g);
    }
    return Address::v6(b);
}

std::string json_string(std::string_view v) {
    TextBuffer s;
    put_json_string(s, v);
    return s.str();
}

Address v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    const uint8_t x[4] = {a, b, c, d};
    return Address::v4(x);
}

}  // namespace

TEST(Describe, Addresses) {
    EXPECT_EQ(address_text(v4(10, 0, 0, 2)), "10.0.0.2");
    EXPECT_EQ(address_text(v4(255, 255, 255, 255)), "255.255.255.255");
    EXPECT_EQ(address_text(v4(0, 0, 0, 0)), "0.0.0.0");
    // RFC 5952: lower case, no leading zeros, the longest run of two or more
    // zero groups as "::" (the first of equal runs), a lone zero group kept.
    EXPECT_EQ(address_text(v6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1})), "2001:db8::1");
    EXPECT_EQ(address_text(v6({})), "::");
    EXPECT_EQ(address_text(v6({0, 0, 0, 0, 0, 0, 0, 1})), "::1");
    EXPECT_EQ(address_text(v6({0xfe80, 0, 0, 0, 0, 0, 0, 0})), "fe80::");
    EXPECT_EQ(address_text(v6({0x2001, 0xdb8, 0, 1, 1, 1, 1, 1})), "2001:db8:0:1:1:1:1:1");
    EXPECT_EQ(address_text(v6({0x2001, 0, 0, 1, 0, 0, 0, 1})), "2001:0:0:1::1");
    EXPECT_EQ(address_text(v6({0x2001, 0xdb8, 0, 0, 1, 0, 0, 1})), "2001:db8::1:0:0:1");
    EXPECT_EQ(address_text(v6({0xABCD, 0x0F00, 0x00F0, 0x000F, 0, 0, 0, 0})), "abcd:f00:f0:f::");

    EXPECT_EQ(endpoint_text(v4(10, 0, 0, 2), 80), "10.0.0.2:80");
    EXPECT_EQ(endpoint_text(v6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2}), 443), "[2001:db8::2]:443");
    EXPECT_EQ(endpoint_text(v4(192, 0, 2, 1), 0), "192.0.2.1:0");
    EXPECT_EQ(endpoint_text(v4(192, 0, 2, 1), 65535), "192.0.2.1:65535");
}

TEST(Describe, AppendersAddToWhatIsThere) {
    TextBuffer s;
    s += "at ";
    put_endpoint(s, v6({0, 0, 0, 0, 0, 0, 0, 1}), 80);
    s += ' ';
    put_address(s, v6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}));
    s += ' ';
    put_key(s, 1);
    EXPECT_EQ(s.view(), "at [::1]:80 2001:db8::1 0x0000000000000001");
}

TEST(Describe, KeysAndBytes) {
    EXPECT_EQ(key_text(0x099c0e6b50c00000ull), "0x099c0e6b50c00000");
    EXPECT_EQ(key_text(0), "0x0000000000000000");
    EXPECT_EQ(key_text(~0ull), "0xffffffffffffffff");
    const uint8_t b[] = {0xf9, 0x89, 0x00, 0x0a};
    EXPECT_EQ(hex_text(b, sizeof b), "f989000a");
    EXPECT_EQ(hex_text(b, 0), "");
}

TEST(Describe, Counts) {
    EXPECT_EQ(plural(1, "pair", "pairs"), "1 pair");
    EXPECT_EQ(plural(0, "pair", "pairs"), "0 pairs");
    EXPECT_EQ(plural(2, "pair", "pairs"), "2 pairs");
    EXPECT_EQ(hops_text(7, 7), "7");
    EXPECT_EQ(hops_text(5, 7), "5-7");
}

// Verdict order (the CSV's columns), not by count: a column of these lists
// reads alike from row to row.
TEST(Describe, VerdictListInVerdictOrder) {
    uint32_t v[kVerdictCount] = {};
    EXPECT_EQ(verdict_list(v), "");
    v[static_cast<int>(Verdict::Plain)] = 5;
    v[static_cast<int>(Verdict::NoAnswer)] = 1;
    v[static_cast<int>(Verdict::MptcpEcho)] = 2;
    v[static_cast<int>(Verdict::IcmpError)] = 3;
    EXPECT_EQ(verdict_list(v), "mptcp-echo 2, plain 5, no-answer 1, icmp-error 3");
}

TEST(Describe, EchoedOfAServer) {
    ServerSummary s;
    EXPECT_EQ(echoed_text(s), "");
    s.echoed_kinds.set(222);
    EXPECT_EQ(echoed_text(s), "kind 222");
    s.echoed_kinds.set(8);
    EXPECT_EQ(echoed_text(s), "kinds 8,222");
    s.echoed_keyless = true;
    EXPECT_EQ(echoed_text(s), "MP_CAPABLE keyless; kinds 8,222");
    s.echoed_keys = {0x099c0e6b50c00000ull};
    EXPECT_EQ(echoed_text(s), "MP_CAPABLE key 0x099c0e6b50c00000; MP_CAPABLE keyless; kinds 8,222");
    s.echoed_keyless = false;
    s.echoed_kinds.reset();
    s.echoed_keys = {1, 2, 3, 4, 5};  // at most three shown
    EXPECT_EQ(echoed_text(s), "MP_CAPABLE keys 0x0000000000000001,0x0000000000000002,0x0000000000000003 (+2 more)");

    TextBuffer b;
    b += "Echoed: ";
    put_echoed(b, s);
    EXPECT_EQ(b.str(), "Echoed: " + echoed_text(s));

    TextBuffer k;
    put_kind_list(k, std::bitset<256>(), ",");
    EXPECT_TRUE(k.empty());
    std::bitset<256> all;
    all.set(0);
    all.set(255);
    put_kind_list(k, all, " ");
    EXPECT_EQ(k.view(), "0 255");
}

// A handshake's echoed text is what its server row says when it is the only
// handshake there: the dialog's child row and the report's row agree.
TEST(Describe, EchoedOfAPairIsItsRowsText) {
    const Host client{192, 0, 2, 10};
    const Host servers[] = {{198, 51, 100, 1}, {198, 51, 100, 2}, {198, 51, 100, 3}, {198, 51, 100, 4}};
    const uint16_t S = kSyn, SA = kSyn | kAck;
    const std::vector<Bytes> options = {
        mpc_key(0, 0x099c0e6b50c00000ull),                 // v0 key returned
        pad4(mpc_v1_syn()),                                // v1 keyless form returned
        cat({nop(), nop(), ts(100, 7), pad4(kind222())}),  // TS with its TSecr, and 222
        cat({mss(1460), pad4(kind222())}),                 // 222 alone
    };
    Correlator c{100};
    Registry reg;
    std::vector<Bytes> keep;
    uint32_t frame = 0;
    for (size_t i = 0; i < options.size(); ++i) {
        keep.push_back(options[i]);
        const Segment syn = seg(++frame, client, uint16_t(40000 + i), servers[i], 80, S, 1000, 0, keep.back());
        if (const FrameRecord* r = c.observe(syn)) reg.add(r->handshake, r->frame);
        const Segment synack = seg(++frame, servers[i], 80, client, uint16_t(40000 + i), SA, 5000, 1001, keep.back());
        if (const FrameRecord* r = c.observe(synack)) reg.add(r->handshake, r->frame);
    }
    const std::vector<ServerSummary> rows = reg.summarize(c);
    ASSERT_EQ(rows.size(), options.size());
    const char* expected[] = {"MP_CAPABLE key 0x099c0e6b50c00000; kind 30", "MP_CAPABLE keyless; kind 30",
                              "kinds 8,222", "kind 222"};
    for (size_t i = 0; i < rows.size(); ++i) {
        ASSERT_EQ(rows[i].handshake_indices.size(), 1u);
        const Handshake& hs = c.handshake(rows[i].handshake_indices[0]);
        ASSERT_NE(hs.pair, kNone);
        EXPECT_EQ(echoed_text(c.pair(hs.pair).evidence), echoed_text(rows[i])) << i;
        EXPECT_EQ(echoed_text(rows[i]), expected[i]) << i;
    }
}

TEST(Describe, CsvFields) {
    EXPECT_EQ(csv_field("plain"), "plain");
    EXPECT_EQ(csv_field(""), "");
    EXPECT_EQ(csv_field("mptcp-echo 2, plain 1"), "\"mptcp-echo 2, plain 1\"");
    EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
    EXPECT_EQ(csv_field("cr\r"), "\"cr\r\"");
    EXPECT_EQ(csv_field(" spaced "), " spaced ");  // RFC 4180: spaces are part of the field
}

TEST(Describe, JsonStringEscapes) {
    EXPECT_EQ(json_string("10.0.0.2"), "\"10.0.0.2\"");
    EXPECT_EQ(json_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(json_string("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
    EXPECT_EQ(json_string(std::string("\x01\x1f", 2)), "\"\\u0001\\u001f\"");
    EXPECT_EQ(json_string(std::string("a\0b", 3)), "\"a\\u0000b\"");
    // Valid UTF-8 passes through; invalid bytes become U+FFFD.
    EXPECT_EQ(json_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
              "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    EXPECT_EQ(json_string("\xff"), "\"\xef\xbf\xbd\"");
    EXPECT_EQ(json_string("\xc0\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");                  // overlong '/'
    EXPECT_EQ(json_string("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");  // a surrogate
    EXPECT_EQ(json_string("\xe2\x82"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");                  // cut short
    EXPECT_EQ(json_string("\xf4\x90\x80\x80"),
              "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");  // above U+10FFFF
}

TEST(Describe, TextBufferGrowsAndKeepsItsBytes) {
    TextBuffer s;
    EXPECT_TRUE(s.empty());
    s += std::string_view();  // nothing to copy, no storage yet
    EXPECT_EQ(s.size(), 0u);
    std::string expected;
    for (uint64_t i = 0; i < 100000; ++i) {
        put_uint(s, i);
        s += ',';
        expected += std::to_string(i) + ",";
    }
    EXPECT_EQ(s.view(), expected);
    put_uint(s, ~0ull);
    EXPECT_EQ(s.view().substr(expected.size()), "18446744073709551615");
    s.clear();
    EXPECT_TRUE(s.empty());
}
