// Which servers (and, in the per-handshake forms, which handshakes) a
// report lists: everything, the servers that answered with a SYN+ACK, or
// the suspects. One definition for every front end: middlebox-scan's
// `--only answered|suspects`, tshark's `-z middlebox,FORM,answered|suspects`.
// The totals always count everything; only the rows are chosen.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace middlebox {

struct Handshake;
struct ServerSummary;

enum class ReportScope : uint8_t { All, Answered, Suspects };

// Every scope a report can be narrowed to, once: the word people give and
// what it lists. The -z parser, the usage text, middlebox-scan --only and
// the notes under a scoped report read the table (ReportScope.cpp); a new
// scope is a row there, plus its cases in in_scope().
struct ReportScopeInfo {
    ReportScope scope;
    const char* name;   // "answered"
    const char* usage;  // what a report so scoped lists, for report_usage()
    const char* rows;   // the same, for the note under a per-server report
    const char* lines;  // ... and under a per-handshake one (pairs, ndjson)
};

// The scopes people can ask for, in the order they are told them (All,
// the default, is not one of them).
const std::vector<ReportScopeInfo>& report_scopes();
// "answered", "suspects" ("all" for All: never written, the default).
const char* report_scope_name(ReportScope s);
// Every scope's name, `separator` between them: "answered|suspects".
std::string report_scope_names(const char* separator);
// The word as people give it; false for anything else.
bool parse_report_scope(std::string_view word, ReportScope* out);

// A server's row is listed: answered = at least one SYN+ACK; suspects = at
// least one echo handshake (is_suspect()).
bool in_scope(ReportScope s, const ServerSummary& row);
// A handshake's line is listed (ndjson, pairs): answered = a SYN+ACK
// answered it; suspects = its verdict is an echo.
bool in_scope(ReportScope s, const Handshake& hs);

// What the rows hold, for the note under a scoped report; `per_handshake`:
// the lines are handshakes (pairs, ndjson), not servers.
std::string scope_note(ReportScope s, bool per_handshake);

}  // namespace middlebox
