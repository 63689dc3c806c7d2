// The scope of a report's rows (ReportScope.h).
#include "middlebox/ReportScope.h"

#include "middlebox/Correlator.h"
#include "middlebox/Registry.h"

namespace middlebox {

namespace {

const std::vector<ReportScopeInfo> kScopes = {
    {ReportScope::Answered, "answered",
     "only the servers that answered with a SYN+ACK (pairs: the pairs); the totals still count everything",
     "the rows list the servers that answered with a SYN+ACK", "the lines list the handshakes a SYN+ACK answered"},
    {ReportScope::Suspects, "suspects", "only the suspects (pairs: the echoes)",
     "the rows list the suspects (servers with at least one mptcp-echo or option-echo handshake)",
     "the lines list the handshakes with an mptcp-echo or option-echo verdict"},
};

const ReportScopeInfo* scope_info(ReportScope s) {
    for (const ReportScopeInfo& info : kScopes)
        if (info.scope == s) return &info;
    return nullptr;
}

}  // namespace

const std::vector<ReportScopeInfo>& report_scopes() { return kScopes; }

const char* report_scope_name(ReportScope s) {
    const ReportScopeInfo* info = scope_info(s);
    return info != nullptr ? info->name : "all";
}

std::string report_scope_names(const char* separator) {
    std::string out;
    for (const ReportScopeInfo& info : kScopes) out += (out.empty() ? "" : separator) + std::string(info.name);
    return out;
}

bool parse_report_scope(std::string_view word, ReportScope* out) {
    for (const ReportScopeInfo& info : kScopes) {
        if (word != info.name) continue;
        *out = info.scope;
        return true;
    }
    return false;
}

bool in_scope(ReportScope s, const ServerSummary& row) {
    switch (s) {
        case ReportScope::All: return true;
        case ReportScope::Answered: return row.synacks > 0;
        case ReportScope::Suspects: return row.suspect();
    }
    return true;
}

bool in_scope(ReportScope s, const Handshake& hs) {
    switch (s) {
        case ReportScope::All: return true;
        case ReportScope::Answered: return hs.answer_role == Role::SynAck;
        case ReportScope::Suspects: return is_echo(hs.verdict);
    }
    return true;
}

std::string scope_note(ReportScope s, bool per_handshake) {
    const ReportScopeInfo* info = scope_info(s);
    if (info == nullptr) return std::string();
    return std::string("Only ") + info->name + ": " + (per_handshake ? info->lines : info->rows) +
           "; the totals count every handshake, answered or not, but not the servers one by one (that would keep a "
           "record of every silent server).";
}

}  // namespace middlebox
