// Which writer makes each per-server form.
#include "middlebox/ReportFormat.h"

#include "ReportWriters.h"

namespace middlebox {

std::unique_ptr<ServerReportWriter> make_report_writer(ReportForm form, std::ostream& out, const ReportRequest& r,
                                                       const std::string& probe) {
    switch (form) {
        case ReportForm::Text: return report::make_text_writer(out, r);
        case ReportForm::Json: return report::make_json_writer(out, r, probe);
        case ReportForm::Csv: return report::make_csv_writer(out);
        case ReportForm::Pairs: break;
    }
    return nullptr;
}

}  // namespace middlebox
