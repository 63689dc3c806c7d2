// The whole report, rows then totals, for every front end (ReportFormat.h).
#include "middlebox/ReportFormat.h"

#include "middlebox/PathReport.h"

namespace middlebox {

void write_report(std::ostream& out, const Correlator& c, const Registry& seen, const ReportRequest& r) {
    Totals totals;
    std::unique_ptr<ServerReportWriter> writer =
        r.path ? nullptr : make_report_writer(r.form, out, r, c.probe() != nullptr ? c.probe()->text() : std::string());
    seen.visit(c, [&](const ServerSummary& row) {
        Registry::add_row(&totals, row);
        if (writer && in_scope(r.scope, row)) writer->row(row);
    });
    Registry::finish_totals(&totals, c, seen);
    totals.kernel_drops = r.kernel_drops;
    if (r.path) {  // per probed target, not per server
        const std::vector<PathSweep> sweeps = path_sweeps(c, seen);
        if (r.form == ReportForm::Json)
            write_path_json(out, sweeps, totals, r);
        else
            write_path_text(out, sweeps, totals, r);
    } else if (writer) {
        writer->finish(totals);
    } else {  // the pairs form: one line per SYN+ACK, not per server
        write_pairs(out, pair_rows(c, seen, r.scope), totals, r);
    }
    out.flush();
}

}  // namespace middlebox
