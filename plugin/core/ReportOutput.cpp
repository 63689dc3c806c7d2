// The whole report, rows then totals, for every front end (ReportFormat.h).
#include "middlebox/ReportFormat.h"

namespace middlebox {

void write_report(std::ostream& out, const Correlator& c, const Registry& seen, const ReportRequest& r) {
    Totals totals;
    std::unique_ptr<ServerReportWriter> writer = make_report_writer(r.form, out, r);
    seen.visit(c, [&](const ServerSummary& row) {
        Registry::add_row(&totals, row);
        if (writer) writer->row(row);
    });
    Registry::finish_totals(&totals, c, seen);
    if (writer)
        writer->finish(totals);
    else  // the pairs form: one line per SYN+ACK, not per server
        write_pairs(out, pair_rows(c, seen), totals, r);
    out.flush();
}

}  // namespace middlebox
