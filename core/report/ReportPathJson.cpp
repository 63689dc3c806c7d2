// The path report as one JSON document (PathReport.h).
#include <string>

#include "middlebox/Describe.h"
#include "middlebox/PathReport.h"
#include "middlebox/ReportFormat.h"

namespace middlebox {

namespace {

std::string router_json(const Address& a) { return a.family != 0 ? json_string(address_text(a)) : "null"; }

std::string strings_json(const std::vector<std::string>& items) {
    std::string s = "[";
    for (size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + json_string(items[i]);
    return s + "]";
}

void put_quote(std::ostream& out, const PathQuote& q) {
    std::vector<std::string> first;
    for (size_t i = 0; i < q.changes.size(); ++i)
        if (q.first[i]) first.push_back(q.changes[i]);
    out << "{\"icmp_frame\": " << q.frame << ", \"from\": " << router_json(q.router)
        << ", \"partial\": " << (q.partial ? "true" : "false") << ", \"changes\": " << strings_json(q.changes)
        << ", \"first_here\": " << strings_json(first) << '}';
}

void put_answer(std::ostream& out, const PathProbe& p) {
    if (p.answer == Role::Syn) {
        out << "null";
        return;
    }
    out << "{\"kind\": \"" << role_key(p.answer) << "\", \"frame\": " << p.answer_frame << ", \"verdict\": \""
        << verdict_name(p.verdict) << '"';
    if (p.answer == Role::SynAck) out << ", \"hops\": " << unsigned{p.answer_hops};
    out << '}';
}

void put_copy(std::ostream& out, const PathCopy& c) {
    out << "{\"frame\": " << c.frame << ", \"first_frame\": " << c.first_frame << ", \"role\": \"" << role_key(c.role)
        << "\", \"ttl_delta\": " << unsigned{c.ttl_delta} << ", \"diff\": " << json_string(c.diff)
        << ", \"changed\": " << (c.changed ? "true" : "false")
        << ", \"rewritten_on_path\": " << (c.rewritten_on_path ? "true" : "false") << ", \"verdict_here\": ";
    if (c.verdict_here == Verdict::None)
        out << "null";
    else
        out << '"' << verdict_name(c.verdict_here) << '"';
    out << '}';
}

}  // namespace

void write_path_json(std::ostream& out, const std::vector<PathSweep>& sweeps, const Totals& t, const ReportRequest& r) {
    out << "{\"report\": \"middlebox-path\", \"version\": 1, \"filter\": "
        << (r.has_filter ? json_string(r.filter) : std::string("null")) << ", \"sweeps\": [";
    for (size_t i = 0; i < sweeps.size(); ++i) {
        const PathSweep& s = sweeps[i];
        out << (i ? ",\n" : "\n") << "  {\"client\": " << json_string(address_text(s.client))
            << ", \"server\": " << json_string(address_text(s.server)) << ", \"port\": " << s.port
            << ", \"probe\": " << json_string(s.probe) << ", \"probes\": [";
        for (size_t j = 0; j < s.probes.size(); ++j) {
            const PathProbe& p = s.probes[j];
            out << (j ? ",\n" : "\n") << "    {\"hop\": " << unsigned{p.hop} << ", \"syn_frame\": " << p.syn_frame
                << ", \"quotes\": [";
            for (size_t k = 0; k < p.quotes.size(); ++k) {
                if (k) out << ", ";
                put_quote(out, p.quotes[k]);
            }
            out << "], \"answer\": ";
            put_answer(out, p);
            out << ", \"copies\": [";
            for (size_t k = 0; k < p.copies.size(); ++k) {
                if (k) out << ", ";
                put_copy(out, p.copies[k]);
            }
            out << "]}";
        }
        out << "],\n   \"changes\": [";
        for (size_t j = 0; j < s.changes.size(); ++j) {
            const PathChange& c = s.changes[j];
            out << (j ? ", " : "") << "{\"change\": " << json_string(c.change) << ", \"hop\": " << unsigned{c.hop}
                << ", \"from\": " << router_json(c.router) << ", \"icmp_frame\": " << c.frame << '}';
        }
        out << "]}";
    }
    out << (sweeps.empty() ? "" : "\n") << "], \"notes\": " << strings_json(report_notes(t, r)) << "}\n";
}

}  // namespace middlebox
