// What `tshark -z middlebox[,FORM][,FILTER]` asks for: the argument's
// grammar and the usage lines a wrong one prints.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "middlebox/ReportScope.h"

namespace middlebox {

enum class ReportForm : uint8_t { Text, Json, Csv, Pairs };

// "text", "json", "csv", "pairs".
const char* report_form_name(ReportForm f);

struct ReportRequest {
    ReportForm form = ReportForm::Text;
    bool form_given = false;  // FORM was spelt out (else the first argument, if any, is the filter)
    // "middlebox,path[,text|json][,FILTER]": the hop view (PathReport.h), in `form` Text or Json.
    bool path = false;
    // "middlebox,FORM,answered|suspects[,FILTER]": which rows are listed.
    ReportScope scope = ReportScope::All;
    bool has_filter = false;
    std::string filter;       // display filter handed to the tap listener
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
// -z middlebox,path: the hop view.
constexpr const char* kPathReport = "path";

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

// Lines listing the valid forms, for error messages.
std::string report_usage();

}  // namespace middlebox
