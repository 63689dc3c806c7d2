// The path report as one JSON document (PathReport.h).
#include "middlebox/Describe.h"
#include "middlebox/PathReport.h"
#include "middlebox/ReportFormat.h"
#include "report/JsonOut.h"
#include "report/ReportWriters.h"

namespace middlebox {

using report::JsonLayout;
using report::JsonOut;
using report::JsonSep;

namespace {

// The sweeps one per line, each sweep's probes one per line below it; the
// rest inline.
constexpr JsonLayout kSweeps{"\n  ", ",\n  ", "\n"};
constexpr JsonLayout kProbes{"\n    ", ",\n    ", ""};
// Where a sweep's line is broken after its probes: under its first key.
constexpr JsonSep kChangesWrap = ",\n   ";

void put_router(JsonOut& j, const Address& a) {
    if (a.family != 0)
        j.string_with([&](TextBuffer& s) { put_address(s, a); });
    else
        j.null();
}

void put_strings(JsonOut& j, const std::vector<std::string>& items) {
    j.begin_array();
    for (const std::string& item : items) j.item().string(item);
    j.end_array();
}

void put_quote(JsonOut& j, const PathQuote& q) {
    j.begin_object();
    j.key("icmp_frame").number(q.frame);
    put_router(j.key("from"), q.router);
    j.key("partial").boolean(q.partial);
    put_strings(j.key("changes"), q.changes);
    j.key("first_here").begin_array();
    for (size_t i = 0; i < q.changes.size(); ++i)
        if (q.first[i]) j.item().string(q.changes[i]);
    j.end_array();
    j.end_object();
}

void put_answer(JsonOut& j, const PathProbe& p) {
    if (p.answer == Role::Syn) {
        j.null();
        return;
    }
    j.begin_object();
    j.key("kind").name(role_key(p.answer));
    j.key("frame").number(p.answer_frame);
    j.key("verdict").name(verdict_name(p.verdict));
    if (p.answer == Role::SynAck) j.key("hops").number(p.answer_hops);
    j.end_object();
}

void put_copy(JsonOut& j, const PathCopy& c) {
    j.begin_object();
    j.key("frame").number(c.frame);
    j.key("first_frame").number(c.first_frame);
    j.key("role").name(role_key(c.role));
    j.key("ttl_delta").number(c.ttl_delta);
    j.key("diff").string(c.diff);
    j.key("changed").boolean(c.changed);
    j.key("rewritten_on_path").boolean(c.rewritten_on_path);
    if (c.verdict_here == Verdict::None)
        j.key("verdict_here").null();
    else
        j.key("verdict_here").name(verdict_name(c.verdict_here));
    j.end_object();
}

void put_probe(JsonOut& j, const PathProbe& p) {
    j.begin_object();
    j.key("hop").number(p.hop);
    j.key("syn_frame").number(p.syn_frame);
    j.key("quotes").begin_array();
    for (const PathQuote& q : p.quotes) put_quote(j.item(), q);
    j.end_array();
    put_answer(j.key("answer"), p);
    j.key("copies").begin_array();
    for (const PathCopy& c : p.copies) put_copy(j.item(), c);
    j.end_array();
    j.end_object();
}

void put_change(JsonOut& j, const PathChange& c) {
    j.begin_object();
    j.key("change").string(c.change);
    j.key("hop").number(c.hop);
    put_router(j.key("from"), c.router);
    j.key("icmp_frame").number(c.frame);
    j.end_object();
}

void put_sweep(JsonOut& j, const PathSweep& s) {
    j.begin_object();
    j.key("client").string_with([&](TextBuffer& b) { put_address(b, s.client); });
    j.key("server").string_with([&](TextBuffer& b) { put_address(b, s.server.address); });
    j.key("port").number(s.server.port);
    j.key("probe").string(s.probe);
    j.key("probes").begin_array(kProbes);
    for (const PathProbe& p : s.probes) put_probe(j.item(), p);
    j.end_array();
    j.wrap(kChangesWrap);
    j.key("changes").begin_array();
    for (const PathChange& c : s.changes) put_change(j.item(), c);
    j.end_array();
    j.end_object();
}

}  // namespace

void write_path_json(std::ostream& out, const std::vector<PathSweep>& sweeps, const Totals& t, const ReportRequest& r) {
    TextBuffer buf;
    JsonOut j(buf);
    j.begin_object();
    j.key("report").name("middlebox-path");
    j.key("version").number(1);
    j.key("filter").string_or_null(r.has_filter, r.filter);
    j.key("sweeps").begin_array(kSweeps);
    for (const PathSweep& s : sweeps) {
        put_sweep(j.item(), s);
        report::flush_if_full(out, buf);
    }
    j.end_array();
    put_strings(j.key("notes"), report_notes(t, r));
    j.end_object();
    buf += '\n';
    report::write_out(out, buf);
}

}  // namespace middlebox
