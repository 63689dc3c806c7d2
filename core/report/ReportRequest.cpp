// The -z middlebox argument: which form, which filter.
#include "middlebox/ReportRequest.h"

#include <cstddef>

namespace middlebox {

namespace {

constexpr size_t npos = std::string_view::npos;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Whether `rest` begins with the words of `spelling` ("path,json"), each
// word trimmed; if so, `end` is where they end (a comma or npos).
bool begins_with(std::string_view rest, std::string_view spelling, size_t* end) {
    size_t pos = 0;
    for (;;) {
        const size_t want_end = spelling.find(',');
        const size_t comma = rest.find(',', pos);
        if (trim(rest.substr(pos, comma == npos ? npos : comma - pos)) != spelling.substr(0, want_end)) return false;
        if (want_end == npos) {
            *end = comma;
            return true;
        }
        if (comma == npos) return false;
        spelling.remove_prefix(want_end + 1);
        pos = comma + 1;
    }
}

// The form whose spelling takes the most words at the start of `rest`, or
// nullptr; `spelt` is that spelling.
const ReportFormInfo* leading_form(std::string_view rest, std::string_view* spelt, size_t* end) {
    const ReportFormInfo* found = nullptr;
    for (const ReportFormInfo& f : report_forms()) {
        for (const char* spelling : {f.name, f.also}) {
            size_t e = 0;
            if (spelling == nullptr || !begins_with(rest, spelling, &e)) continue;
            if (found != nullptr && std::string_view(spelling).size() <= spelt->size()) continue;
            found = &f;
            *spelt = spelling;
            *end = e;
        }
    }
    return found;
}

bool is_form_name(std::string_view word) {
    for (const ReportFormInfo& f : report_forms())
        if (word == f.name) return true;
    return false;
}

// The words that may follow `head` in a form's spelling ("path": "text or
// json"); empty when `head` begins no longer spelling.
std::string layouts_after(std::string_view head) {
    std::string out;
    for (const ReportFormInfo& f : report_forms()) {
        for (const char* spelling : {f.name, f.also}) {
            if (spelling == nullptr) continue;
            const std::string_view s(spelling);
            if (s.size() <= head.size() + 1 || s.substr(0, head.size()) != head || s[head.size()] != ',') continue;
            out += (out.empty() ? "" : " or ") + std::string(s.substr(head.size() + 1));
        }
    }
    return out;
}

// What follows the argument that ends at `comma` of `rest`, if anything, is
// the filter; `given` is what came before it, for the error.
bool take_filter(std::string_view rest, size_t comma, const std::string& given, ReportRequest* out,
                 std::string* error) {
    if (comma == npos) return true;
    const std::string_view filter = rest.substr(comma + 1);
    if (trim(filter).empty()) {
        *error = "empty filter after \"" + given + ",\"";
        return false;
    }
    out->has_filter = true;
    out->filter = std::string(filter);
    return true;
}

}  // namespace

const char* report_form_name(ReportForm f) {
    for (const ReportFormInfo& row : report_forms())
        if (!row.path && row.form == f) return row.name;
    return "";
}

std::string report_form_names(const char* separator) {
    std::string out;
    for (const ReportFormInfo& f : report_forms()) out += (out.empty() ? "" : separator) + std::string(f.name);
    return out;
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
    const std::string_view first = trim(rest.substr(0, comma));
    if (first.empty()) {
        *error = "empty argument after \"" + std::string(arg.substr(0, arg.size() - rest.size())) + "\"";
        return false;
    }
    std::string given = std::string(prefix) + ",";
    if (parse_report_scope(first, &out->scope)) {
        // The default form's scope: "middlebox,answered[,FILTER]".
        out->form_given = true;
        return take_filter(rest, comma, given + std::string(first), out, error);
    }
    std::string_view spelt;
    const ReportFormInfo* form = leading_form(rest, &spelt, &comma);
    if (form == nullptr) {
        // Not a form: the whole rest is the filter ("middlebox,tcp.port==80").
        out->has_filter = true;
        out->filter = std::string(rest);
        return true;
    }
    out->path = form->path;
    out->form = form->form;
    out->form_given = true;
    given += spelt;
    if (comma == npos) return true;
    // An optional scope after the form.
    const std::string_view next = rest.substr(comma + 1);
    const size_t next_comma = next.find(',');
    const std::string_view word = trim(next.substr(0, next_comma));
    const std::string layouts = layouts_after(spelt);
    if (!layouts.empty() && is_form_name(word)) {
        *error = "the " + std::string(spelt) + " report is " + layouts + ", not " + std::string(word);
        return false;
    }
    ReportScope scope;
    if (parse_report_scope(word, &scope)) {
        if (form->unscoped != nullptr) {
            *error = std::string(form->unscoped) + ": it takes no scope (" + report_scope_name(scope) + ")";
            return false;
        }
        out->scope = scope;
        given += ",";
        given += report_scope_name(scope);
        rest = next;
        comma = next_comma;
    }
    return take_filter(rest, comma, given, out, error);
}

std::string report_usage() {
    constexpr size_t kColumn = 34;  // where the descriptions start
    auto line = [](std::string left, const std::string& what) {
        left = "  " + left;
        left += left.size() < kColumn ? std::string(kColumn - left.size(), ' ') : "\n" + std::string(kColumn, ' ');
        return left + what + "\n";
    };
    const std::string z = std::string("-z ") + kReportCli;
    std::string out = "Valid forms:\n";
    out += line(z, std::string("the ") + report_forms().front().name + " report (the default form)");
    for (const ReportFormInfo& f : report_forms()) out += line(z + "," + f.name + "[,FILTER]", f.usage);
    for (const ReportScopeInfo& s : report_scopes()) out += line(z + ",FORM," + s.name + "[,FILTER]", s.usage);
    out += line(z + "," + report_scope_names("|"), "the default form so scoped");
    out += line(z + ",FILTER", "the default form over the handshake frames matching FILTER");
    out += line(std::string("-z ") + kTableCli + "[,FILTER]", "the totals as a table (Wireshark: Statistics menu)");
    return out + "FORM is one of " + report_form_names(", ") +
           "; a scope follows only the forms that list servers or pairs.\n"
           "FILTER is a display filter, e.g. ip.addr==10.0.0.0/8; it takes the rest of the argument.\n";
}

}  // namespace middlebox
