// -z middlebox,path: its argument, the sweeps built from the correlator's
// records, and both writers.
#include <gtest/gtest.h>

#include <sstream>

#include "Builders.h"
#include "middlebox/Correlator.h"
#include "middlebox/PathReport.h"
#include "middlebox/Registry.h"

using namespace middlebox;
using namespace mbtest;

namespace {

const Host kClient{192, 0, 2, 10};
const Host kServer{198, 51, 100, 7};
const uint16_t S = kSyn, SA = kSyn | kAck;

Address v4(Host h) {
    const uint8_t b[4] = {h.a, h.b, h.c, h.d};
    return Address::v4(b);
}

ReportRequest parse(const char* arg, std::string* error = nullptr) {
    ReportRequest r;
    std::string e;
    const bool ok = parse_report_request(arg, &r, &e);
    if (error != nullptr) *error = ok ? "" : e;
    return r;
}

// A tracebox sweep: TTL 1..4 quoted by routers 203.0.113.N, a box at hop 2
// clamps the MSS, one at hop 3 strips MP_CAPABLE; TTL 5 answered.
struct Sweep : ::testing::Test {
    Correlator c{1000};
    Registry seen;
    Bytes sent = cat({mss(1460), mpc_key(0, 42)});
    Bytes clamped = cat({mss(1360), mpc_key(0, 42)});
    Bytes stripped =
        cat({mss(1360), nop(), nop(), nop(), nop(), nop(), nop(), nop(), nop(), nop(), nop(), nop(), nop()});
    Bytes answer = mss(1400);
    uint32_t frame = 0;
    uint16_t round = 0;  // each run() sends from other ports

    void probe(uint8_t ttl, const Bytes* quoted, bool partial = false) {
        const uint16_t sport = static_cast<uint16_t>(40000 + 10 * round + ttl);
        const uint32_t seq = 1000u * ttl;
        const FrameRecord* r = c.observe(seg(++frame, kClient, sport, kServer, 80, S, seq, 0, sent, ttl));
        seen.add(r->handshake, frame);
        if (quoted != nullptr) {
            const Segment q = seg(++frame, kClient, sport, kServer, 80, S, seq, 0, *quoted, ttl);
            const Host router{203, 0, 113, ttl};
            const Quote* qr = c.observe_quote(frame, q, !partial, v4(router));
            seen.add(qr->handshake, frame);
        } else {
            const FrameRecord* a = c.observe(seg(++frame, kServer, 80, kClient, sport, SA, 9, seq + 1, answer, 60));
            seen.add(a->handshake, frame);
        }
    }
    void run(bool partial_at_2 = false) {
        probe(1, &sent);
        probe(2, &sent, partial_at_2);
        probe(3, &clamped);
        probe(4, &stripped);
        probe(5, nullptr);
        ++round;
    }
};

}  // namespace

TEST(PathArgs, FormatAndFilter) {
    ReportRequest r = parse("middlebox,path");
    EXPECT_TRUE(r.path);
    EXPECT_EQ(r.form, ReportForm::Text);
    EXPECT_FALSE(r.has_filter);
    r = parse("middlebox,path,json");
    EXPECT_TRUE(r.path);
    EXPECT_EQ(r.form, ReportForm::Json);
    EXPECT_FALSE(r.has_filter);
    r = parse("middlebox,path,json,tcp.port==80");
    EXPECT_EQ(r.form, ReportForm::Json);
    EXPECT_EQ(r.filter, "tcp.port==80");
    // Without a format, the rest is the filter.
    r = parse("middlebox,path,ip.addr==10.0.0.0/8, 2");
    EXPECT_EQ(r.form, ReportForm::Text);
    EXPECT_EQ(r.filter, "ip.addr==10.0.0.0/8, 2");
    EXPECT_FALSE(parse("middlebox,pairs").path);
}

TEST(PathArgs, Errors) {
    std::string error;
    parse("middlebox,path,csv", &error);
    EXPECT_EQ(error, "the path report is text or json, not csv");
    parse("middlebox,path,json,", &error);
    EXPECT_EQ(error, "empty filter after \"middlebox,path,json,\"");
    parse("middlebox,path, ", &error);
    EXPECT_EQ(error, "empty filter after \"middlebox,path,\"");
}

TEST_F(Sweep, HopsInTtlOrderWithTheFirstHopOfEachChange) {
    run();
    const std::vector<PathSweep> sweeps = path_sweeps(c, seen);
    ASSERT_EQ(sweeps.size(), 1u);
    const PathSweep& s = sweeps[0];
    EXPECT_EQ(s.server.port, 80);
    EXPECT_EQ(s.probe, "MSS,MP_CAPABLE");
    ASSERT_EQ(s.probes.size(), 5u);
    for (uint8_t i = 0; i < 5; ++i) EXPECT_EQ(s.probes[i].hop, i + 1);
    EXPECT_TRUE(s.probes[0].quotes[0].changes.empty());
    EXPECT_EQ(s.probes[2].quotes[0].changes, (std::vector<std::string>{"~MSS 1460 -> 1360"}));
    EXPECT_EQ(s.probes[2].quotes[0].first, (std::vector<bool>{true}));
    EXPECT_EQ(s.probes[3].quotes[0].changes, (std::vector<std::string>{"~MSS 1460 -> 1360", "-MP_CAPABLE"}));
    EXPECT_EQ(s.probes[3].quotes[0].first, (std::vector<bool>{false, true}));
    EXPECT_EQ(s.probes[4].answer, Role::SynAck);
    EXPECT_EQ(s.probes[4].verdict, Verdict::MptcpAbsent);
    EXPECT_EQ(s.probes[4].answer_hops, 4);
    ASSERT_EQ(s.changes.size(), 2u);
    EXPECT_EQ(s.changes[0].change, "~MSS 1460 -> 1360");
    EXPECT_EQ(s.changes[0].hop, 3);
    EXPECT_EQ(s.changes[1].change, "-MP_CAPABLE");
    EXPECT_EQ(s.changes[1].hop, 4);
    EXPECT_EQ(address_text(s.changes[1].router), "203.0.113.4");
}

TEST_F(Sweep, APartialQuoteIsNeverADeletion) {
    run(true);
    const PathSweep s = path_sweeps(c, seen).at(0);
    EXPECT_TRUE(s.probes[1].quotes[0].partial);
    EXPECT_TRUE(s.probes[1].quotes[0].changes.empty());
    EXPECT_EQ(s.changes.size(), 2u);
}

TEST_F(Sweep, ATtlThatDoesNotRiseStartsAnotherSweep) {
    run();
    run();
    EXPECT_EQ(path_sweeps(c, seen).size(), 2u);
}

TEST_F(Sweep, TextAndJson) {
    run();
    const std::vector<PathSweep> sweeps = path_sweeps(c, seen);
    Totals t;
    std::ostringstream text, json;
    write_path_text(text, sweeps, t, ReportRequest{});
    write_path_json(json, sweeps, t, ReportRequest{});
    const std::string want_text =
        "# middlebox path: per probed target, its SYNs in sweeps of rising TTL (hop: the SYN's TTL as captured); "
        "filter: none\n"
        "# ICMP: what the hop that sent the error received, against the SYN as sent: = unchanged, -removed, +added, "
        "~rewritten, * first hop of the sweep showing that change; partial: the quote proves nothing about the "
        "options\n"
        "192.0.2.10 -> 198.51.100.7:80, probe MSS,MP_CAPABLE, 5 probes\n"
        "  hop 1  SYN 1  ICMP 2 from 203.0.113.1: =\n"
        "  hop 2  SYN 3  ICMP 4 from 203.0.113.2: =\n"
        "  hop 3  SYN 5  ICMP 6 from 203.0.113.3: *~MSS 1460 -> 1360\n"
        "  hop 4  SYN 7  ICMP 8 from 203.0.113.4: ~MSS 1460 -> 1360 *-MP_CAPABLE\n"
        "  hop 5  SYN 9  SYN+ACK 10: mptcp-absent, 4 hops away\n"
        "  first seen: ~MSS 1460 -> 1360 at hop 3 (203.0.113.3, frame 6)\n"
        "  first seen: -MP_CAPABLE at hop 4 (203.0.113.4, frame 8)\n"
        "# 1 sweep\n";
    EXPECT_EQ(text.str(), want_text);
    const std::string j = json.str();
    EXPECT_EQ(j.rfind("{\"report\": \"middlebox-path\", \"version\": 1, \"filter\": null, \"sweeps\": [", 0), 0u);
    EXPECT_NE(j.find("{\"hop\": 4, \"syn_frame\": 7, \"quotes\": [{\"icmp_frame\": 8, \"from\": \"203.0.113.4\", "
                     "\"partial\": false, \"changes\": [\"~MSS 1460 -> 1360\", \"-MP_CAPABLE\"], \"first_here\": "
                     "[\"-MP_CAPABLE\"]}], \"answer\": null, \"copies\": []}"),
              std::string::npos)
        << j;
    EXPECT_NE(j.find("\"answer\": {\"kind\": \"synack\", \"frame\": 10, \"verdict\": \"mptcp-absent\", \"hops\": 4}"),
              std::string::npos);
}

TEST(PathChangeKey, SignAndName) {
    EXPECT_EQ(change_key("~MSS 1460 -> 1360"), "~MSS");
    EXPECT_EQ(change_key("-MP_CAPABLE"), "-MP_CAPABLE");
}
