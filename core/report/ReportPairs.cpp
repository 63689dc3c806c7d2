// The pairs form: one line per SYN/SYN+ACK pair with the option diff.
#include <algorithm>

#include "middlebox/Describe.h"
#include "middlebox/ReportFormat.h"

namespace middlebox {

PairLine pair_line(const Correlator& c, uint32_t index) {
    const Handshake& hs = c.handshake(index);
    const PairedOptions& p = c.pair(hs.pair);
    PairLine row;
    row.syn_frame = p.has_syn ? hs.syn_frame : 0;
    row.against_probe = hs.against_probe();
    row.synack_frame = hs.answer_frame;
    row.server_to_client = c.endpoints(index).reversed();
    row.verdict = hs.verdict;
    row.diff = p.diff();
    return row;
}

void sort_pairs(std::vector<PairLine>& rows) {
    std::sort(rows.begin(), rows.end(),
              [](const PairLine& a, const PairLine& b) { return a.synack_frame < b.synack_frame; });
}

std::vector<PairLine> pair_lines(const Correlator& c, const Registry& seen, ReportScope scope) {
    std::vector<PairLine> rows;
    for (uint32_t index : seen.handshakes()) {
        if (index >= c.handshake_count()) continue;
        const Handshake& hs = c.handshake(index);
        if (hs.pair == kNone || hs.pair >= c.pair_count() || !in_scope(scope, hs)) continue;
        rows.push_back(pair_line(c, index));
    }
    sort_pairs(rows);
    return rows;
}

void write_pairs(std::ostream& out, const std::vector<PairLine>& pairs, const Totals& t, const ReportRequest& r) {
    out << "# middlebox pairs: one line per SYN+ACK and the SYN it answers; filter: "
        << (r.has_filter ? r.filter : std::string("none"));
    if (r.scope != ReportScope::All) out << "; only: " << report_scope_name(r.scope);
    out << '\n';
    out << "# diff: the SYN+ACK's options against the SYN's: +added ~changed =returned byte for byte -not returned\n";
    if (!t.probe.empty())
        out << "# syn_frame \"probe\": no SYN in the capture, the SYN+ACK was compared against the probe template "
            << t.probe << '\n';
    out << "# syn_frame\tsynack_frame\tclient\tserver\tverdict\tdiff\n";
    for (const PairLine& p : pairs) {
        out << (p.syn_frame       ? std::to_string(p.syn_frame)
                : p.against_probe ? "probe"
                                  : "-")
            << '\t' << p.synack_frame << '\t' << endpoint_text(p.server_to_client.dst, p.server_to_client.dst_port)
            << '\t' << endpoint_text(p.server_to_client.src, p.server_to_client.src_port) << '\t'
            << verdict_name(p.verdict) << '\t' << p.diff << '\n';
    }
    out << "# " << plural(pairs.size(), "pair", "pairs") << '\n';
    for (const std::string& n : report_notes(t, r)) out << "# note: " << n << '\n';
}

}  // namespace middlebox
