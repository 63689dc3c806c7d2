// What `tshark -z middlebox[,FORM][,FILTER]` asks for: the argument's
// grammar and the usage lines a wrong one prints.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "middlebox/ReportScope.h"

namespace middlebox {

// How a report is laid out: with `ReportRequest::path`, the per-server
// report (text, json, csv), the per-pair one (pairs) or the hop view (text,
// json).
enum class ReportForm : uint8_t { Text, Json, Csv, Pairs };

class Correlator;
class Registry;
class ServerReportWriter;
struct ReportRequest;
struct Totals;

// Every report form, once: what the -z parser accepts, the usage text and
// error messages list, middlebox-scan --format takes, and which writer draws
// it (the table is in ReportFormat.cpp; a new form is a row there).
struct ReportFormInfo {
    const char* name;   // as given after "-z middlebox," and to --format: "csv", "path,json"
    const char* also;   // another spelling that means it ("path,text"), or nullptr
    bool path;          // ReportRequest::path
    ReportForm form;    // ReportRequest::form
    const char* usage;  // what it writes, for report_usage()
    // Why it takes no scope ("the path report lists every probe"), or
    // nullptr: it takes "answered" or "suspects" after its name.
    const char* unscoped;
    // A per-server form: its writer, fed row by row (ReportFormat.h)...
    std::unique_ptr<ServerReportWriter> (*make_writer)(std::ostream& out, const ReportRequest& r,
                                                       const std::string& probe);
    // ... or else the whole report at once, over what `seen` holds.
    void (*write)(std::ostream& out, const Correlator& c, const Registry& seen, const Totals& t,
                  const ReportRequest& r);
};

// The forms in the order people are told them; the first is the default.
const std::vector<ReportFormInfo>& report_forms();
// The row of a request (every request the parser makes has one).
const ReportFormInfo& report_form(bool path, ReportForm form);
// "text", "json", "csv", "pairs" (per-server and pairs layouts).
const char* report_form_name(ReportForm f);
// Every form's name, `separator` between them: "text|json|csv|pairs|path|path,json".
std::string report_form_names(const char* separator);

struct ReportRequest {
    ReportForm form = ReportForm::Text;
    bool form_given = false;  // FORM was spelt out (else the first argument, if any, is the filter)
    // "middlebox,path[,text|json][,FILTER]": the hop view (PathReport.h), in `form` Text or Json.
    bool path = false;
    // "middlebox,FORM,answered|suspects[,FILTER]": which rows are listed.
    ReportScope scope = ReportScope::All;
    bool has_filter = false;
    std::string filter;  // display filter handed to the tap listener
    // What a front end must say of its input under the notes (middlebox-scan
    // reading zmap's CSV: frame numbers are line numbers).
    std::vector<std::string> input_notes;
    // A live capture (middlebox-scan -i): the totals then say how many
    // frames the kernel dropped, and that the counts are not reliable if any.
    bool live = false;
    uint64_t kernel_drops = 0;
};

// The -z prefix of the report, and of the stat-tap table that Wireshark's
// Statistics menu shows (the same totals; `-z middlebox_verdicts[,FILTER]`).
constexpr const char* kReportCli = "middlebox";
constexpr const char* kTableCli = "middlebox_verdicts";

// Parses the whole -z argument: "middlebox", "middlebox,json",
// "middlebox,csv,ip.addr==10.0.0.0/8", "middlebox,path,json,tcp.port==80",
// "middlebox,json,answered", "middlebox,suspects,tcp.port==80" (a scope
// right after the form, or in its place for the text form),
// "middlebox,tcp.port==80" (a first
// argument that is not a form name is the filter; use
// "middlebox,text,json" to filter on the json protocol). The filter is the
// rest of the string, commas included. On error returns false and sets
// `error` to one line saying what is wrong (report_usage() lists the forms).
bool parse_report_request(std::string_view arg, ReportRequest* out, std::string* error);

// Lines listing the valid forms (report_forms()), for error messages.
std::string report_usage();

}  // namespace middlebox
