// The table of report forms: every name, usage line and writer, once.
#include "middlebox/ReportFormat.h"

#include "middlebox/PathReport.h"
#include "report/ReportWriters.h"

namespace middlebox {

namespace {

constexpr const char* kPathUnscoped = "the path report lists every probe";

std::unique_ptr<ServerReportWriter> text_writer(std::ostream& out, const ReportRequest& r, const std::string&) {
    return report::make_text_writer(out, r);
}
std::unique_ptr<ServerReportWriter> csv_writer(std::ostream& out, const ReportRequest&, const std::string&) {
    return report::make_csv_writer(out);
}

void pairs(std::ostream& out, const Correlator& c, const Registry& seen, const Totals& t, const ReportRequest& r) {
    write_pairs(out, pair_lines(c, seen, r.scope), t, r);
}
void path_text(std::ostream& out, const Correlator& c, const Registry& seen, const Totals& t, const ReportRequest& r) {
    write_path_text(out, path_sweeps(c, seen), t, r);
}
void path_json(std::ostream& out, const Correlator& c, const Registry& seen, const Totals& t, const ReportRequest& r) {
    write_path_json(out, path_sweeps(c, seen), t, r);
}

const std::vector<ReportFormInfo> kForms = {
    {"text", nullptr, false, ReportForm::Text, "one row per server, then the totals", nullptr, text_writer, nullptr},
    {"json", nullptr, false, ReportForm::Json, "one JSON document on stdout (run tshark with -q)", nullptr,
     report::make_json_writer, nullptr},
    {"csv", nullptr, false, ReportForm::Csv, "one CSV line per server, after a header line", nullptr, csv_writer,
     nullptr},
    {"pairs", nullptr, false, ReportForm::Pairs, "one line per SYN/SYN+ACK pair with its option diff", nullptr, nullptr,
     pairs},
    {"path", "path,text", true, ReportForm::Text, "per probed target, its probes hop by hop (tracebox's view)",
     kPathUnscoped, nullptr, path_text},
    {"path,json", nullptr, true, ReportForm::Json, "the same, as one JSON document", kPathUnscoped, nullptr, path_json},
};

}  // namespace

const std::vector<ReportFormInfo>& report_forms() { return kForms; }

const ReportFormInfo& report_form(bool path, ReportForm form) {
    for (const ReportFormInfo& f : kForms)
        if (f.path == path && f.form == form) return f;
    for (const ReportFormInfo& f : kForms)  // a layout the report has not: its first
        if (f.path == path) return f;
    return kForms.front();
}

std::unique_ptr<ServerReportWriter> make_report_writer(ReportForm form, std::ostream& out, const ReportRequest& r,
                                                       const std::string& probe) {
    const ReportFormInfo& f = report_form(false, form);
    return f.make_writer != nullptr ? f.make_writer(out, r, probe) : nullptr;
}

}  // namespace middlebox
