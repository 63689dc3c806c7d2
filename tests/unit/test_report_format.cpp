// The -z middlebox argument grammar and the four output forms.
#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <sstream>

#include "Builders.h"
#include "middlebox/Correlator.h"
#include "middlebox/Registry.h"
#include "middlebox/ReportFormat.h"
#include "middlebox/ReportSchema.h"

using namespace middlebox;
using namespace mbtest;

namespace {

ReportRequest parse_ok(const char* arg) {
    ReportRequest r;
    std::string error;
    EXPECT_TRUE(parse_report_request(arg, &r, &error)) << arg << ": " << error;
    return r;
}

std::string parse_error(const char* arg) {
    ReportRequest r;
    std::string error;
    EXPECT_FALSE(parse_report_request(arg, &r, &error)) << arg;
    return error;
}

// The whole of one per-server form for rows already in a vector.
std::string write_form(ReportForm form, const std::vector<ServerSummary>& rows, const Totals& t,
                       const ReportRequest& r = ReportRequest{}) {
    std::ostringstream out;
    std::unique_ptr<ServerReportWriter> w = make_report_writer(form, out, r);
    for (const ServerSummary& s : rows) w->row(s);
    w->finish(t);
    return out.str();
}

}  // namespace

TEST(ReportArgs, FormsAndFilters) {
    ReportRequest r = parse_ok("middlebox");
    EXPECT_EQ(r.form, ReportForm::Text);
    EXPECT_FALSE(r.has_filter);
    EXPECT_FALSE(r.form_given);

    for (ReportForm f : {ReportForm::Text, ReportForm::Json, ReportForm::Csv, ReportForm::Pairs}) {
        r = parse_ok((std::string("middlebox,") + report_form_name(f)).c_str());
        EXPECT_EQ(r.form, f);
        EXPECT_TRUE(r.form_given);
        EXPECT_FALSE(r.has_filter);
    }

    r = parse_ok("middlebox,json,ip.addr==10.0.0.0/8");
    EXPECT_EQ(r.form, ReportForm::Json);
    EXPECT_TRUE(r.has_filter);
    EXPECT_EQ(r.filter, "ip.addr==10.0.0.0/8");

    // The filter is the rest of the argument, commas included.
    r = parse_ok("middlebox,csv,tcp.port in {80, 443}");
    EXPECT_EQ(r.form, ReportForm::Csv);
    EXPECT_EQ(r.filter, "tcp.port in {80, 443}");

    // A first argument that is not a form is the filter of the text report.
    r = parse_ok("middlebox,tcp.port==80");
    EXPECT_EQ(r.form, ReportForm::Text);
    EXPECT_FALSE(r.form_given);
    EXPECT_EQ(r.filter, "tcp.port==80");

    // "json" is also a protocol: spelled after a form it is the filter.
    r = parse_ok("middlebox,text,json");
    EXPECT_EQ(r.form, ReportForm::Text);
    EXPECT_EQ(r.filter, "json");
}

TEST(ReportArgs, Errors) {
    EXPECT_NE(parse_error("middleboxes").find("unknown report \"middleboxes\""), std::string::npos);
    EXPECT_NE(parse_error("middlebox_verdict").find("unknown report"), std::string::npos);
    EXPECT_NE(parse_error("middlebox,").find("empty argument"), std::string::npos);
    EXPECT_NE(parse_error("middlebox,,tcp").find("empty argument"), std::string::npos);
    EXPECT_NE(parse_error("middlebox,json,").find("empty filter"), std::string::npos);
    EXPECT_NE(parse_error("middlebox,csv,  ").find("empty filter"), std::string::npos);
    const std::string usage = report_usage();
    for (const char* form : {"-z middlebox ", "middlebox,text", "middlebox,json", "middlebox,csv", "middlebox,pairs",
                             "middlebox,FILTER", "middlebox_verdicts"})
        EXPECT_NE(usage.find(form), std::string::npos) << form;
}

// Every row of the table of forms is accepted by its name (and its other
// spelling), listed by the usage text and the error messages, takes a scope
// unless it says why not, and has exactly one way to be written.
TEST(ReportArgs, EveryFormOfTheTable) {
    const std::string usage = report_usage();
    const std::string names = report_form_names(", ");
    for (const ReportFormInfo& f : report_forms()) {
        for (const char* spelling : {f.name, f.also}) {
            if (spelling == nullptr) continue;
            const std::string arg = std::string("middlebox,") + spelling;
            const ReportRequest r = parse_ok(arg.c_str());
            EXPECT_EQ(&report_form(r.path, r.form), &f) << arg;
            EXPECT_TRUE(r.form_given) << arg;
            EXPECT_EQ(parse_ok((arg + ",tcp.port==80").c_str()).filter, "tcp.port==80") << arg;
        }
        EXPECT_NE(usage.find(std::string("-z middlebox,") + f.name + "[,FILTER]"), std::string::npos) << f.name;
        EXPECT_NE(names.find(f.name), std::string::npos) << f.name;
        EXPECT_NE(f.make_writer == nullptr, f.write == nullptr) << f.name;
        const std::string scoped = std::string("middlebox,") + f.name + ",suspects";
        if (f.unscoped == nullptr)
            EXPECT_EQ(parse_ok(scoped.c_str()).scope, ReportScope::Suspects) << f.name;
        else
            EXPECT_EQ(parse_error(scoped.c_str()), std::string(f.unscoped) + ": it takes no scope (suspects)");
    }
    EXPECT_EQ(names, "text, json, csv, pairs, path, path,json");
    EXPECT_EQ(report_forms().front().name, std::string("text"));  // the default
}

// Every row of the table of scopes is accepted by its name, after a form and
// in its place, listed by the usage text, and says what its rows hold.
TEST(ReportArgs, EveryScopeOfTheTable) {
    const std::string usage = report_usage();
    for (const ReportScopeInfo& s : report_scopes()) {
        ReportScope parsed = ReportScope::All;
        EXPECT_TRUE(parse_report_scope(s.name, &parsed)) << s.name;
        EXPECT_EQ(parsed, s.scope) << s.name;
        EXPECT_STREQ(report_scope_name(s.scope), s.name);
        EXPECT_EQ(parse_ok((std::string("middlebox,json,") + s.name).c_str()).scope, s.scope) << s.name;
        EXPECT_EQ(parse_ok((std::string("middlebox,") + s.name).c_str()).scope, s.scope) << s.name;
        EXPECT_NE(usage.find(std::string("-z middlebox,FORM,") + s.name + "[,FILTER]"), std::string::npos) << s.name;
        EXPECT_NE(usage.find(s.usage), std::string::npos) << s.name;
        EXPECT_NE(scope_note(s.scope, false).find(s.rows), std::string::npos) << s.name;
        EXPECT_NE(scope_note(s.scope, true).find(s.lines), std::string::npos) << s.name;
    }
    EXPECT_EQ(report_scope_names("|"), "answered|suspects");
    EXPECT_NE(usage.find("-z middlebox,answered|suspects "), std::string::npos);
    ReportScope none = ReportScope::Answered;
    EXPECT_FALSE(parse_report_scope("all", &none));  // the default is never given
    EXPECT_EQ(none, ReportScope::Answered);
}

namespace {

struct Report : ::testing::Test {
    Correlator c{1000};
    Registry reg;
    std::vector<Bytes> keep;
    const Host client{192, 0, 2, 10}, box{198, 51, 100, 1}, server{198, 51, 100, 2};

    void feed(uint32_t f, Host src, uint16_t sport, Host dst, uint16_t dport, uint16_t flags, uint32_t seq,
              uint32_t ack, Bytes opts, uint8_t ttl = 64) {
        keep.push_back(std::move(opts));
        const Segment s = seg(f, src, sport, dst, dport, flags, seq, ack, keep.back(), ttl);
        if (const FrameRecord* r = c.observe(s)) reg.add(r->handshake, r->frame);
    }
    void scenario() {
        const uint16_t S = kSyn, SA = kSyn | kAck;
        feed(1, client, 40001, box, 80, S, 100, 0, mpc_key(0, 0x099c0e6b50c00000ull));
        feed(2, box, 80, client, 40001, SA, 9, 101, mpc_key(0, 0x099c0e6b50c00000ull), 46);
        feed(3, client, 40002, server, 80, S, 200, 0, pad4(kind222()));
        feed(4, server, 80, client, 40002, SA, 9, 201, mss(1380), 57);
        feed(5, client, 40003, server, 80, S, 300, 0, mss(1460));
    }
    std::vector<ServerSummary> rows() { return reg.summarize(c); }
    Totals totals() { return Registry::totals(c, rows(), reg); }
};

}  // namespace

TEST_F(Report, JsonDocument) {
    scenario();
    ReportRequest r = parse_ok("middlebox,json,ip.addr==\"x\"");
    const std::string expected =
        "{\n"
        "  \"report\": \"middlebox\",\n"
        "  \"version\": 1,\n"
        "  \"filter\": \"ip.addr==\\\"x\\\"\",\n"
        "  \"servers\": [\n"
        "    {\"address\": \"198.51.100.1\", \"family\": 4, \"port\": 80, \"handshakes\": 1, \"synacks\": 1, "
        "\"verdicts\": {\"mptcp-echo\": 1}, \"suspect\": true, \"echoed\": {\"mp_capable_keys\": "
        "[\"0x099c0e6b50c00000\"], \"keyless\": false, \"kinds\": [30], \"flags\": false}, \"hops\": {\"min\": 18, "
        "\"max\": 18}, "
        "\"hop_mismatches\": 0, \"syn_proxies\": 0, \"first_evidence_frame\": 2, \"first_synack_frame\": 2},\n"
        "    {\"address\": \"198.51.100.2\", \"family\": 4, \"port\": 80, \"handshakes\": 2, \"synacks\": 1, "
        "\"verdicts\": {\"plain\": 1, \"no-answer\": 1}, \"suspect\": false, \"echoed\": {\"mp_capable_keys\": [], "
        "\"keyless\": false, \"kinds\": [], \"flags\": false}, \"hops\": {\"min\": 7, \"max\": 7}, \"hop_mismatches\": "
        "0, "
        "\"syn_proxies\": 0, \"first_evidence_frame\": null, \"first_synack_frame\": 4}\n"
        "  ],\n"
        "  \"totals\": {\"servers\": 2, \"suspect_servers\": 1, \"handshakes\": 3, \"synacks\": 2, \"verdicts\": "
        "{\"mptcp-echo\": 1, \"plain\": 1, \"no-answer\": 1},\n"
        "             \"mp_capable\": {\"synacks\": 1, \"genuine\": 0, \"echoed\": 1}, \"unknown_options\": "
        "{\"synacks\": 0, \"echoed\": 0}, \"syn_proxies\": 0,\n"
        "             \"evictions\": 0, \"hidden_frames\": 0, \"hidden_handshakes\": 0, \"read_filtered_frames\": 0, "
        "\"reliable\": true},\n"
        "  \"notes\": []\n"
        "}\n";
    EXPECT_EQ(write_form(ReportForm::Json, rows(), totals(), r), expected);
}

TEST_F(Report, JsonWithoutServers) {
    const std::string s = write_form(ReportForm::Json, {}, Totals{});
    EXPECT_NE(s.find("\"filter\": null,\n  \"servers\": [],\n"), std::string::npos) << s;
    EXPECT_NE(s.find("\"notes\": []\n}\n"), std::string::npos);
}

TEST_F(Report, CsvRows) {
    scenario();
    const std::string expected =
        "address,port,handshakes,synacks,mptcp-genuine,mptcp-echo,mptcp-absent,mptcp-join,option-echo,"
        "simultaneous-open,plain,no-syn,no-answer,rst,truncated,icmp-error,suspect,echoed_mp_capable_keys,"
        "echoed_keyless,echoed_kinds,hops_min,hops_max,hop_mismatches,first_evidence_frame,first_synack_frame,"
        "syn_proxies,echoed_flags,flag-echo\n"
        "198.51.100.1,80,1,1,0,1,0,0,0,0,0,0,0,0,0,0,1,0x099c0e6b50c00000,0,30,18,18,0,2,2,0,0,0\n"
        "198.51.100.2,80,2,1,0,0,0,0,0,0,1,0,1,0,0,0,0,,0,,7,7,0,,4,0,0,0\n";
    EXPECT_EQ(write_form(ReportForm::Csv, rows(), Totals{}), expected);
}

TEST_F(Report, TextTableAndTotals) {
    scenario();
    const std::string s = write_form(ReportForm::Text, rows(), totals());
    EXPECT_NE(s.find("Filter: none\n"), std::string::npos);
    EXPECT_NE(s.find("Server           Handshakes  SYN+ACKs  Verdicts"), std::string::npos) << s;
    EXPECT_NE(s.find("198.51.100.1:80           1         1  mptcp-echo 1"), std::string::npos) << s;
    EXPECT_NE(s.find("MP_CAPABLE key 0x099c0e6b50c00000; kind 30"), std::string::npos) << s;
    EXPECT_NE(s.find("plain 1, no-answer 1"), std::string::npos) << s;
    EXPECT_NE(s.find("  MP_CAPABLE: of 1 SYN+ACK that carried MP_CAPABLE, 0 genuine, 1 echo\n"), std::string::npos)
        << s;
    EXPECT_NE(s.find("  Unknown options: of 0 SYN+ACKs that carried an unknown option kind, 0 echoed"),
              std::string::npos);
    EXPECT_EQ(s.find("Note:"), std::string::npos);
    // No line ends in a space.
    EXPECT_EQ(s.find(" \n"), std::string::npos);
}

// What tshark -z middlebox does: each row of Registry::visit() summed into the
// totals and streamed to the writer, with no vector of rows. Byte for byte the
// output of summarize()'s rows and totals, in every per-server form.
TEST_F(Report, StreamedFormsEqualTheVectorForms) {
    scenario();
    const std::vector<ServerSummary> all = rows();
    const Totals t = totals();
    for (ReportForm form : {ReportForm::Text, ReportForm::Json, ReportForm::Csv}) {
        const ReportRequest r = parse_ok((std::string("middlebox,") + report_form_name(form)).c_str());
        std::ostringstream streamed;
        Totals summed;
        std::unique_ptr<ServerReportWriter> w = make_report_writer(form, streamed, r);
        ASSERT_NE(w, nullptr);
        size_t visited = 0;
        reg.visit(c, [&](const ServerSummary& row) {
            ASSERT_LT(visited, all.size());
            EXPECT_EQ(row.server, all[visited].server);
            EXPECT_EQ(row.handshakes, all[visited].handshakes);
            EXPECT_TRUE(row.handshake_indices.empty());  // only summarize() asks for them
            ++visited;
            Registry::add_row(&summed, row);
            w->row(row);
        });
        Registry::finish_totals(&summed, c, reg);
        w->finish(summed);
        EXPECT_EQ(visited, all.size());
        EXPECT_EQ(summed.servers, t.servers);
        EXPECT_EQ(summed.suspect_servers, t.suspect_servers);
        EXPECT_EQ(summed.handshakes, t.handshakes);
        EXPECT_EQ(summed.mp_capable_echoed, t.mp_capable_echoed);
        EXPECT_EQ(streamed.str(), write_form(form, all, t, r)) << report_form_name(form);
    }
    EXPECT_EQ(make_report_writer(ReportForm::Pairs, std::cout, ReportRequest{}), nullptr);
}

TEST_F(Report, PairsWithTheOptionDiff) {
    scenario();
    std::ostringstream out;
    write_pairs(out, pair_lines(c, reg), totals(), ReportRequest{});
    const std::string s = out.str();
    EXPECT_NE(s.find("# syn_frame\tsynack_frame\tclient\tserver\tverdict\tdiff\n"), std::string::npos);
    EXPECT_NE(s.find("1\t2\t192.0.2.10:40001\t198.51.100.1:80\tmptcp-echo\t=MP_CAPABLE v0 key 0x099c0e6b50c00000\n"),
              std::string::npos)
        << s;
    EXPECT_NE(s.find("3\t4\t192.0.2.10:40002\t198.51.100.2:80\tplain\t+MSS 1380 -KIND222\n"), std::string::npos) << s;
    EXPECT_NE(s.find("# 2 pairs\n"), std::string::npos);
}

TEST_F(Report, NotesSayWhatWasHidden) {
    Totals t;
    ReportRequest r = parse_ok("middlebox,ip.src==10.0.0.1");
    EXPECT_TRUE(report_notes(t, r).empty());
    t.hidden_frames = 3;
    t.hidden_handshakes = 1;
    t.evictions = 2;
    auto notes = report_notes(t, r);
    ASSERT_EQ(notes.size(), 3u);
    EXPECT_NE(
        notes[0].find("1 handshake found by the analysis had no frame matching the report filter \"ip.src==10.0.0.1\""),
        std::string::npos)
        << notes[0];
    EXPECT_NE(notes[1].find("3 frames"), std::string::npos);
    EXPECT_NE(notes[2].find("2 pending SYNs were dropped"), std::string::npos);

    t = Totals{};
    t.out_of_order_frames = 4;
    notes = report_notes(t, ReportRequest{});
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].find("WARNING"), std::string::npos);
    EXPECT_NE(notes[0].find("-R"), std::string::npos);

    // A filter on middlebox fields: SYNs only match it with two passes.
    notes = report_notes(Totals{}, parse_ok("middlebox,middlebox.verdict==\"mptcp-echo\""));
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].find("tshark -2"), std::string::npos);
}

// The three per-server forms follow the one schema: the JSON row's keys are
// kServerFields' in order, the CSV's columns kCsvFields', the text table's
// headings kTextColumns'.
TEST_F(Report, FormsFollowTheSchema) {
    scenario();
    const std::vector<ServerSummary> all = rows();

    const std::string json = write_form(ReportForm::Json, all, totals());
    const size_t row_at = json.find("\n    {\"address\"");
    ASSERT_NE(row_at, std::string::npos) << json;
    const std::string row = json.substr(row_at, json.find('\n', row_at + 1) - row_at);
    std::vector<std::string> keys, expected;
    for (size_t end = row.find("\": "); end != std::string::npos; end = row.find("\": ", end + 1)) {
        const std::string k = row.substr(row.rfind('"', end - 1) + 1, end - row.rfind('"', end - 1) - 1);
        if (!verdict_from_name(k)) keys.push_back(k);  // not the verdicts' own keys
    }
    std::string object;
    for (const ServerFieldSpec& f : kServerFields) {
        const std::string name(f.json);
        const size_t dot = name.find('.');
        const std::string in = dot == std::string::npos ? "" : name.substr(0, dot);
        if (!in.empty() && in != object) expected.push_back(in);
        object = in;
        expected.push_back(dot == std::string::npos ? name : name.substr(dot + 1));
    }
    EXPECT_EQ(keys, expected) << row;

    const std::string csv = write_form(ReportForm::Csv, all, Totals{});
    std::string header;
    for (ServerField f : kCsvFields) {
        if (!header.empty()) header += ',';
        if (f != ServerField::Verdicts) {
            header += std::string(server_field(f).csv);
            continue;
        }
        // Verdicts added after publication (flag-echo on) go after every field.
        for (int v = 1; v < int(Verdict::FlagEcho); ++v)
            header += std::string(v > 1 ? "," : "") + verdict_name(Verdict(v));
    }
    for (int v = int(Verdict::FlagEcho); v < kVerdictCount; ++v) header += std::string(",") + verdict_name(Verdict(v));
    EXPECT_EQ(csv.substr(0, csv.find('\n')), header);
    // Published in this order: each stays where it was.
    EXPECT_EQ(kCsvFields[kCsvFields.size() - 2], ServerField::SynProxies);
    EXPECT_EQ(kCsvFields.back(), ServerField::EchoedFlags);
    for (ServerField f : kCsvFields) EXPECT_NE(f, ServerField::Family);

    const std::string text = write_form(ReportForm::Text, all, totals());
    const size_t head_at = text.find("\nServer ");
    ASSERT_NE(head_at, std::string::npos) << text;
    const std::string head = text.substr(head_at + 1, text.find('\n', head_at + 1) - head_at - 1);
    size_t at = 0;
    for (const TextColumn& column : kTextColumns) {
        at = head.find(std::string(column.heading), at);
        ASSERT_NE(at, std::string::npos) << column.heading << " in " << head;
        at += column.heading.size();
    }
    EXPECT_EQ(at, head.size());
}
