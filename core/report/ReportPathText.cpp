// The path report as text: per sweep its target, a line per probe (and per
// further quote and copy), then where each change first appears.
#include <string>

#include "middlebox/Describe.h"
#include "middlebox/PathReport.h"
#include "middlebox/ReportFormat.h"

namespace middlebox {

namespace {

std::string router_text(const Address& a) { return a.family != 0 ? address_text(a) : std::string("?"); }

// " -MP_CAPABLE *~MSS 1460 -> 1360", or " =" when nothing changed; `first`
// marks the changes a sweep shows first at this hop.
std::string changes_marked(const std::vector<std::string>& changes, const std::vector<bool>* first) {
    if (changes.empty()) return " =";
    std::string s;
    for (size_t i = 0; i < changes.size(); ++i) s += (first != nullptr && (*first)[i] ? " *" : " ") + changes[i];
    return s;
}

}  // namespace

std::string path_quote_text(const PathQuote& q) {
    const std::string s = "ICMP " + std::to_string(q.frame) + " from " + router_text(q.router) + ":";
    if (q.partial) return s + " partial (the quote ends before the options)";
    return s + changes_marked(q.changes, &q.first);
}

std::string path_answer_text(const PathProbe& p) {
    switch (p.answer) {
        case Role::SynAck:
            return std::string(role_name(p.answer)) + " " + std::to_string(p.answer_frame) + ": " +
                   verdict_name(p.verdict) + ", " + plural(p.answer_hops, "hop", "hops") + " away";
        case Role::Rst: return std::string(role_name(p.answer)) + " " + std::to_string(p.answer_frame);
        case Role::Syn: break;
    }
    return p.quotes.empty() ? "nothing" : "";
}

std::string path_copy_text(const PathCopy& c) {
    std::string s = "copy of " + std::string(role_name(c.role)) + " " + std::to_string(c.first_frame) + " in frame " +
                    std::to_string(c.frame) + ", " + plural(c.ttl_delta, "hop", "hops") +
                    " on:" + changes_marked(c.changes, nullptr);
    if (c.rewritten_on_path)
        s += std::string(" [rewritten on the path: ") + verdict_name(c.first_verdict) + " where first seen, " +
             verdict_name(c.verdict_here) + " here]";
    return s;
}

std::string path_sweep_text(const PathSweep& s) {
    return address_text(s.client) + " -> " + endpoint_text(s.server.address, s.server.port) + ", probe " +
           (s.probe.empty() ? std::string("?") : s.probe) + ", " + plural(s.probes.size(), "probe", "probes");
}

std::string path_change_text(const PathChange& c) {
    return c.change + " at hop " + std::to_string(c.hop) + " (" + router_text(c.router) + ", frame " +
           std::to_string(c.frame) + ")";
}

void write_path_text(std::ostream& out, const std::vector<PathSweep>& sweeps, const Totals& t, const ReportRequest& r) {
    out << "# middlebox path: per probed target, its SYNs in sweeps of rising TTL (hop: the SYN's TTL as captured); "
           "filter: "
        << (r.has_filter ? r.filter : std::string("none")) << '\n';
    out << "# ICMP: what the hop that sent the error received, against the SYN as sent: = unchanged, -removed, "
           "+added, ~rewritten, * first hop of the sweep showing that change; partial: the quote proves nothing "
           "about the options\n";
    for (const PathSweep& s : sweeps) {
        out << path_sweep_text(s) << '\n';
        for (const PathProbe& p : s.probes) {
            const std::string lead = "  hop " + std::to_string(p.hop) + "  SYN " + std::to_string(p.syn_frame) + "  ";
            const std::string indent(lead.size(), ' ');
            bool first_line = true;
            auto line = [&](const std::string& text) {
                out << (first_line ? lead : indent) << text << '\n';
                first_line = false;
            };
            for (const PathQuote& q : p.quotes) line(path_quote_text(q));
            if (const std::string a = path_answer_text(p); !a.empty()) line(a);
            for (const PathCopy& c : p.copies) line(path_copy_text(c));
        }
        for (const PathChange& c : s.changes) out << "  first seen: " << path_change_text(c) << '\n';
    }
    out << "# " << plural(sweeps.size(), "sweep", "sweeps") << '\n';
    for (const std::string& n : report_notes(t, r)) out << "# note: " << n << '\n';
}

}  // namespace middlebox
