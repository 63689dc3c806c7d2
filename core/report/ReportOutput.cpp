// The whole report, rows then totals, for every front end (ReportFormat.h).
#include "middlebox/ReportFormat.h"

namespace middlebox {

void write_report(std::ostream& out, const Correlator& c, const Registry& seen, const ReportRequest& r) {
    const ReportFormInfo& form = report_form(r.path, r.form);
    Totals totals;
    std::unique_ptr<ServerReportWriter> writer =
        form.make_writer != nullptr ? form.make_writer(out, r, c.probe() != nullptr ? c.probe()->text() : std::string())
                                    : nullptr;
    seen.visit(c, [&](const ServerSummary& row) {
        Registry::add_row(&totals, row);
        if (writer && in_scope(r.scope, row)) writer->row(row);
    });
    Registry::finish_totals(&totals, c, seen);
    totals.kernel_drops = r.kernel_drops;
    if (writer)
        writer->finish(totals);
    else  // one line per pair, per probe: not per server
        form.write(out, c, seen, totals, r);
    out.flush();
}

}  // namespace middlebox
