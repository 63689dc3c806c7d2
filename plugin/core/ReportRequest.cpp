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

// What follows the argument that ends at `comma` of `rest`, if anything, is
// the filter; `given` is what came before it, for the error.
bool take_filter(std::string_view rest, size_t comma, const std::string& given, ReportRequest* out,
                 std::string* error) {
    if (comma == std::string_view::npos) return true;
    const std::string_view filter = rest.substr(comma + 1);
    if (trim(filter).empty()) {
        *error = "empty filter after \"" + given + ",\"";
        return false;
    }
    out->has_filter = true;
    out->filter = std::string(filter);
    return true;
}

std::string no_scope_for_path(ReportScope s) {
    return std::string("the path report lists every probe: it takes no scope (") + report_scope_name(s) + ")";
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
        ReportScope scope;
        if (parse_report_scope(first, &scope)) {
            *error = no_scope_for_path(scope);
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
    if (parse_report_scope(first, &out->scope)) {
        // The text form's scope: "middlebox,answered[,FILTER]".
        out->form_given = true;
        return take_filter(rest, comma, given + "," + std::string(first), out, error);
    }
    for (ReportForm f : kForms) {
        if (first != report_form_name(f)) continue;
        out->form = f;
        out->form_given = true;
        given += ",";
        given += report_form_name(f);
        if (comma != std::string_view::npos) {
            // An optional scope after the form.
            const std::string_view next = rest.substr(comma + 1);
            const size_t next_comma = next.find(',');
            if (parse_report_scope(trim(next.substr(0, next_comma)), &out->scope)) {
                if (out->path) {
                    *error = no_scope_for_path(out->scope);
                    return false;
                }
                given += ",";
                given += report_scope_name(out->scope);
                rest = next;
                comma = next_comma;
            }
        }
        return take_filter(rest, comma, given, out, error);
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
           "  -z middlebox,FORM,answered[,FILTER]  only the servers that answered with a SYN+ACK (pairs:\n"
           "                                  the pairs); the totals still count everything\n"
           "  -z middlebox,FORM,suspects[,FILTER]  only the suspects (pairs: the echoes)\n"
           "  -z middlebox,answered|suspects  the text report so scoped\n"
           "  -z middlebox,path[,text|json][,FILTER]\n"
           "                                  per probed target, its probes hop by hop (tracebox's view)\n"
           "  -z middlebox,FILTER             the text report over the handshake frames matching FILTER\n"
           "  -z middlebox_verdicts[,FILTER]  the totals as a table (Wireshark: Statistics menu)\n"
           "FILTER is a display filter, e.g. ip.addr==10.0.0.0/8; it takes the rest of the argument.\n";
}

}  // namespace middlebox
