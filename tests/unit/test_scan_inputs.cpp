// What internet scans need of the core: scoped reports (--only answered,
// suspects) built in memory that follows the answered servers, a probe
// template standing for SYNs a capture lacks, and zmap's CSV results.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "Builders.h"
#include "middlebox/AnsweredRows.h"
#include "middlebox/Correlator.h"
#include "middlebox/ProbeTemplate.h"
#include "middlebox/ReportFormat.h"
#include "middlebox/ReportRequest.h"
#include "middlebox/StreamReport.h"
#include "middlebox/ZmapCsv.h"

using namespace middlebox;
using namespace mbtest;

namespace {
const Host kClient{192, 0, 2, 1};
const Bytes kSynOpts = cat({mss(1460), kind222()});
const Bytes kPlain = pad4(cat({mss(1380), sack_perm()}));

Host server(uint32_t i) { return Host{198, 51, uint8_t(i >> 8), uint8_t(i)}; }

ReportRequest request(const char* arg) {
    ReportRequest r;
    std::string error;
    EXPECT_TRUE(parse_report_request(arg, &r, &error)) << arg << ": " << error;
    return r;
}

// A scan of `n` servers: every 10th answers plainly, every 50th echoes
// kind 222 instead, the rest stay silent. Fed to a whole-capture correlator and registry (as tshark
// -z middlebox) and to a streaming correlator with AnsweredRows (as
// middlebox-scan --only), which retires handshakes every 64 frames.
struct TwoWays {
    Correlator whole{1 << 16};
    Registry registry;
    Correlator streaming{1 << 16, true};
    ReportRequest req;
    AnsweredRows rows;
    explicit TwoWays(const char* arg) : req(request(arg)), rows(req) {}

    void feed(const Segment& s) {
        if (const FrameRecord* r = whole.observe(s)) registry.add(r->handshake, s.frame);
        if (const FrameRecord* r = streaming.observe(s); r != nullptr && r->role == Role::SynAck && !r->repeated())
            rows.answered(streaming, r->handshake);
        if (s.frame % 64 == 0 && streaming.handshake_count() > 8)
            streaming.expire_before(static_cast<uint32_t>(streaming.handshake_count() - 8),
                                    [&](uint32_t i) { rows.retired(streaming, i); });
    }
    void scan(uint32_t n) {
        uint32_t frame = 0;
        for (uint32_t i = 0; i < n; ++i) {
            const uint16_t port = uint16_t(20000 + i);
            feed(seg(++frame, kClient, port, server(i), 80, kSyn, i * 7, 0, kSynOpts));
            if (i % 50 == 0)
                feed(seg(++frame, server(i), 80, kClient, port, kSyn | kAck, 5, i * 7 + 1, kSynOpts, 60));
            else if (i % 10 == 0)
                feed(seg(++frame, server(i), 80, kClient, port, kSyn | kAck, 5, i * 7 + 1, kPlain, 50));
        }
    }
    std::string tshark() const {
        std::ostringstream out;
        write_report(out, whole, registry, req);
        return out.str();
    }
    std::string scanner() {
        const uint64_t expired = streaming.expired();
        streaming.expire_before(static_cast<uint32_t>(streaming.handshake_count()),
                                [&](uint32_t i) { rows.retired(streaming, i); });
        std::ostringstream out;
        rows.write(out, streaming, expired);
        return out.str();
    }
};
}  // namespace

TEST(Scope, ParsesAfterTheFormOrInItsPlace) {
    EXPECT_EQ(request("middlebox,json,answered").scope, ReportScope::Answered);
    EXPECT_EQ(request("middlebox,json,answered").form, ReportForm::Json);
    EXPECT_FALSE(request("middlebox,json,answered").has_filter);
    const ReportRequest f = request("middlebox,csv,suspects,tcp.port==80,");
    EXPECT_EQ(f.scope, ReportScope::Suspects);
    EXPECT_EQ(f.filter, "tcp.port==80,");
    const ReportRequest t = request("middlebox,suspects,ip.addr==10.0.0.1");
    EXPECT_EQ(t.form, ReportForm::Text);
    EXPECT_EQ(t.scope, ReportScope::Suspects);
    EXPECT_EQ(t.filter, "ip.addr==10.0.0.1");
    EXPECT_EQ(request("middlebox,json,tcp.port==80").scope, ReportScope::All);
    ReportRequest r;
    std::string error;
    EXPECT_FALSE(parse_report_request("middlebox,path,answered", &r, &error));
    EXPECT_NE(error.find("no scope"), std::string::npos) << error;
    EXPECT_FALSE(parse_report_request("middlebox,path,json,suspects", &r, &error));
    EXPECT_FALSE(parse_report_request("middlebox,json,answered,", &r, &error));
}

TEST(Scope, TheScannersRowsAreTsharksScopedReportByteForByte) {
    for (const char* arg : {"middlebox,json,answered", "middlebox,json,suspects", "middlebox,text,answered",
                            "middlebox,csv,suspects", "middlebox,pairs,suspects", "middlebox,pairs,answered"}) {
        TwoWays t(arg);
        t.scan(1000);
        EXPECT_EQ(t.scanner(), t.tshark()) << arg;
    }
}

TEST(Scope, RowsFollowTheAnsweredServersNotTheSyns) {
    TwoWays t("middlebox,json,answered");
    t.scan(5000);
    EXPECT_EQ(t.rows.rows(), 500u);  // every 10th server answered; nothing kept of the 4500 silent ones
    const std::string json = t.scanner();
    EXPECT_NE(json.find("\"only\": \"answered\""), std::string::npos);
    EXPECT_NE(json.find("\"servers\": null, \"servers_listed\": 500, \"suspect_servers\": 100, \"handshakes\": 5000"),
              std::string::npos)
        << json.substr(json.find("\"totals\""), 300);
}

TEST(Scope, UnscopedReportsKeepTheirServerCount) {
    TwoWays t("middlebox,json");
    t.scan(100);
    const std::string json = t.tshark();
    EXPECT_NE(json.find("\"totals\": {\"servers\": 100, "), std::string::npos);
    EXPECT_EQ(json.find("\"only\""), std::string::npos);
}

TEST(Scope, NdjsonListsOnlyTheScopedHandshakesAndCountsEveryOne) {
    Correlator c(1024, true);
    std::ostringstream out;
    {
        NdjsonWriter w(out, ReportScope::Suspects);
        uint32_t frame = 0;
        for (uint32_t i = 0; i < 100; ++i) {
            c.observe(seg(++frame, kClient, uint16_t(30000 + i), server(i), 80, kSyn, i, 0, kSynOpts));
            if (i % 10 == 0) {
                const FrameRecord* r = c.observe(seg(++frame, server(i), 80, kClient, uint16_t(30000 + i), kSyn | kAck,
                                                     9, i + 1, i % 20 == 0 ? kSynOpts : kPlain));
                w.handshake(c, r->handshake);
            }
        }
        c.expire_before(static_cast<uint32_t>(c.handshake_count()), [&](uint32_t i) {
            if (!c.handshake(i).answered()) w.handshake(c, i);
            w.count(c, i);
        });
        w.finish(c, {});
    }
    const std::string s = out.str();
    EXPECT_EQ(std::count(s.begin(), s.end(), '\n'), 5 + 1);  // the 5 echoes, then the totals
    EXPECT_NE(s.find("{\"totals\": {\"handshakes\": 100, \"synacks\": 10"), std::string::npos) << s;
    EXPECT_NE(s.find("\"only\": \"suspects\"}"), std::string::npos);
}

TEST(ProbeTemplate, ParsesZmapsSpellingAndRefusesWhatIsNoOptionList) {
    ProbeTemplate t;
    std::string error;
    ASSERT_TRUE(parse_probe_template("hex:020405b4de04f989", &t, &error)) << error;
    EXPECT_EQ(t.options.captured, 8);
    EXPECT_EQ(t.text(), "hex:020405b4de04f989");
    ASSERT_TRUE(parse_probe_template("0x1E0C00810123456789ABCDEF", &t, &error)) << error;
    EXPECT_EQ(t.text(), "hex:1e0c00810123456789abcdef");
    const std::string too_long = "hex:" + std::string(88, '1');  // 44 bytes of NOP
    for (const std::string& bad :
         {std::string(), std::string("hex:"), std::string("hex:0204"), std::string("hex:020405b"),
          std::string("hex:02zz05b4"), std::string("hex:0201ffff"), std::string("hex:de00f98901010101"), too_long}) {
        error.clear();
        EXPECT_FALSE(parse_probe_template(bad, &t, &error)) << bad;
        EXPECT_FALSE(error.empty()) << bad;
    }
}

TEST(ProbeTemplate, StandsForAMissingSynAndNeverForAPresentOne) {
    ProbeTemplate probe;
    std::string error;
    ASSERT_TRUE(parse_probe_template("hex:020405b4de04f989", &probe, &error));
    Correlator c(64);
    c.set_probe(probe);
    const Bytes echo = cat({mss(1460), kind222()});
    const Bytes plain = cat({mss(1460)});
    // Answers without their SYN: an echo of the template, a plain answer.
    const FrameRecord* a = c.observe(seg(1, server(1), 80, kClient, 40001, kSyn | kAck, 9, 101, echo));
    const FrameRecord* b = c.observe(seg(2, server(2), 80, kClient, 40002, kSyn | kAck, 9, 201, plain));
    EXPECT_EQ(c.handshake(a->handshake).verdict, Verdict::OptionEcho);
    EXPECT_TRUE(c.handshake(a->handshake).against_probe());
    EXPECT_EQ(c.handshake(b->handshake).verdict, Verdict::Plain);
    // A SYN in the capture wins: it carried no kind 222, so returning the
    // template's bytes is no echo of it.
    const Bytes syn = cat({mss(1460), sack_perm()});
    c.observe(seg(3, kClient, 40003, server(3), 80, kSyn, 300, 0, syn));
    const FrameRecord* d = c.observe(seg(4, server(3), 80, kClient, 40003, kSyn | kAck, 9, 301, echo));
    EXPECT_FALSE(c.handshake(d->handshake).against_probe());
    EXPECT_EQ(c.handshake(d->handshake).verdict, Verdict::Plain);
    // Without a template the same answer is no-syn.
    Correlator none(64);
    EXPECT_EQ(none.handshake(none.observe(seg(1, server(1), 80, kClient, 40001, kSyn | kAck, 9, 101, echo))->handshake)
                  .verdict,
              Verdict::NoSyn);
    // The reports say so.
    Registry reg;
    for (uint32_t i = 0; i < c.handshake_count(); ++i) reg.add(i, i + 1);
    std::ostringstream json;
    write_report(json, c, reg, request("middlebox,json"));
    EXPECT_NE(json.str().find("\"probe\": \"hex:020405b4de04f989\""), std::string::npos);
    EXPECT_NE(json.str().find("\"against_probe\": 2"), std::string::npos);
    EXPECT_NE(json.str().find("compared against the probe template hex:020405b4de04f989"), std::string::npos);
    std::ostringstream pairs;
    write_report(pairs, c, reg, request("middlebox,pairs"));
    EXPECT_NE(pairs.str().find("\nprobe\t1\t192.0.2.1:40001\t198.51.0.1:80\toption-echo\t=MSS 1460 =KIND222 f989\n"),
              std::string::npos)
        << pairs.str();
}

TEST(ZmapCsv, ReadsTheTcpSynoptFieldsInAnyOrder) {
    ZmapCsv csv;
    std::string error;
    ASSERT_TRUE(
        csv.header("saddr,daddr,ttl,sport,dport,seqnum,acknum,window,optionshex,classification,success", &error));
    Segment s;
    uint8_t opts[kMaxOptionBytes];
    int64_t t = 0;
    ASSERT_EQ(csv.line("198.51.100.7,192.0.2.1,57,80,40001,5,101,65535,0x020405b4de04f989,synack,1", &s, opts, &t),
              CsvOutcome::Answer);
    EXPECT_TRUE(s.is_synack());
    EXPECT_EQ(s.tuple.src_port, 80);
    EXPECT_EQ(s.tuple.dst_port, 40001);
    EXPECT_EQ(s.ttl, 57);
    EXPECT_EQ(s.ack, 101u);
    EXPECT_EQ(s.options_captured, 8);
    EXPECT_EQ(csv.line("198.51.100.7,192.0.2.1,57,80,40001,5,101,0,0x,rst,0", &s, opts, &t), CsvOutcome::Answer);
    EXPECT_TRUE(s.is_rst());
    EXPECT_EQ(csv.line("198.51.100.7,192.0.2.1,57,80,40001,5,101,0,0x0204,other,0", &s, opts, &t),
              CsvOutcome::NotAnswer);
    EXPECT_EQ(csv.line("198.51.100.7,192.0.2.1,57", &s, opts, &t), CsvOutcome::MissingField);
    EXPECT_EQ(csv.line("198.51.100.300,192.0.2.1,57,80,40001,5,101,0,0x,synack,1", &s, opts, &t),
              CsvOutcome::BadAddress);
    EXPECT_EQ(csv.line("198.51.100.7,192.0.2.1,57,80,70000,5,101,0,0x,synack,1", &s, opts, &t), CsvOutcome::BadPort);
    EXPECT_EQ(csv.line("198.51.100.7,192.0.2.1,x,80,40001,5,101,0,0x,synack,1", &s, opts, &t), CsvOutcome::BadNumber);
    EXPECT_EQ(csv.line("198.51.100.7,192.0.2.1,57,80,40001,5,101,0,0x02g4,synack,1", &s, opts, &t),
              CsvOutcome::BadOptions);
    EXPECT_FALSE(csv.header("saddr,sport,optionshex", &error));
    EXPECT_NE(error.find("dport"), std::string::npos);
}

TEST(ZmapCsv, ParsesIpv6Addresses) {
    Address a;
    ASSERT_TRUE(parse_address("2001:db8::1", &a));
    EXPECT_EQ(a.family, 6);
    EXPECT_EQ(a.bytes[0], 0x20);
    EXPECT_EQ(a.bytes[15], 1);
    ASSERT_TRUE(parse_address("::ffff:192.0.2.1", &a));
    EXPECT_EQ(a.bytes[10], 0xff);
    EXPECT_EQ(a.bytes[12], 192);
    ASSERT_TRUE(parse_address("1:2:3:4:5:6:7:8", &a));
    EXPECT_EQ(a.bytes[15], 8);
    for (const char* bad : {"1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "1:2", "::g", "1.2.3", "1.2.3.4.5", ""})
        EXPECT_FALSE(parse_address(bad, &a)) << bad;
}
