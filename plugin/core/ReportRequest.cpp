// The -z middlebox argument: which form, which filter.
#include "middlebox/ReportRequest.h"

namespace middlebox {

namespace {

constexpr ReportForm kForms[] = {ReportForm::Text, ReportForm::Json, ReportForm::Csv, ReportForm::Pairs};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

const char* report_form_name(ReportForm f) {
    switch (f) {
        case ReportForm::Text: return "text";
        case ReportForm::Json: return "json";
        case ReportForm::Csv: return "csv";
        case ReportForm::Pairs: return "pairs";
    }
    return "";
}

bool parse_report_request(std::string_view arg, ReportRequest* out, std::string* error) {
    *out = ReportRequest{};
    const std::string_view prefix = kReportCli;
    if (arg.substr(0, prefix.size()) != prefix || (arg.size() > prefix.size() && arg[prefix.size()] != ',')) {
        *error = "unknown report \"" + std::string(arg) + "\"";
        return false;
    }
    if (arg.size() == prefix.size()) return true;
    std::string_view rest = arg.substr(prefix.size() + 1);
    size_t comma = rest.find(',');
    std::string_view first = trim(rest.substr(0, comma));
    if (first.empty()) {
        *error = "empty argument after \"" + std::string(arg.substr(0, arg.size() - rest.size())) + "\"";
        return false;
    }
    std::string given = std::string(prefix);
    if (first == kPathReport) {
        // "path" then, optionally, its format; the rest is the filter.
        out->path = true;
        out->form_given = true;
        given += ",path";
        if (comma == std::string_view::npos) return true;
        rest = rest.substr(comma + 1);
        comma = rest.find(',');
        first = trim(rest.substr(0, comma));
        if (first == "csv" || first == "pairs") {
            *error = "the path report is text or json, not " + std::string(first);
            return false;
        }
        if (first != "text" && first != "json") {
            if (trim(rest).empty()) {
                *error = "empty filter after \"" + given + ",\"";
                return false;
            }
            out->has_filter = true;
            out->filter = std::string(rest);
            return true;
        }
    }
    for (ReportForm f : kForms) {
        if (first != report_form_name(f)) continue;
        out->form = f;
        out->form_given = true;
        if (comma == std::string_view::npos) return true;
        const std::string_view filter = rest.substr(comma + 1);
        if (trim(filter).empty()) {
            *error = "empty filter after \"" + given + "," + report_form_name(f) + ",\"";
            return false;
        }
        out->has_filter = true;
        out->filter = std::string(filter);
        return true;
    }
    // Not a form: the whole rest is the filter ("middlebox,tcp.port==80").
    out->has_filter = true;
    out->filter = std::string(rest);
    return true;
}

std::string report_usage() {
    return "Valid forms:\n"
           "  -z middlebox                    text report, one row per server (the default form)\n"
           "  -z middlebox,text[,FILTER]      the same\n"
           "  -z middlebox,json[,FILTER]      one JSON document on stdout (run tshark with -q)\n"
           "  -z middlebox,csv[,FILTER]       one CSV line per server, after a header line\n"
           "  -z middlebox,pairs[,FILTER]     one line per SYN/SYN+ACK pair with its option diff\n"
           "  -z middlebox,path[,text|json][,FILTER]\n"
           "                                  per probed target, its probes hop by hop (tracebox's view)\n"
           "  -z middlebox,FILTER             the text report over the handshake frames matching FILTER\n"
           "  -z middlebox_verdicts[,FILTER]  the totals as a table (Wireshark: Statistics menu)\n"
           "FILTER is a display filter, e.g. ip.addr==10.0.0.0/8; it takes the rest of the argument.\n";
}

}  // namespace middlebox
