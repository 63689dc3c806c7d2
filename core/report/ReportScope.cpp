// The scope of a report's rows (ReportScope.h).
#include "middlebox/ReportScope.h"

#include "middlebox/Correlator.h"
#include "middlebox/Registry.h"

namespace middlebox {

const char* report_scope_name(ReportScope s) {
    switch (s) {
        case ReportScope::All: return "all";
        case ReportScope::Answered: return "answered";
        case ReportScope::Suspects: return "suspects";
    }
    return "";
}

bool parse_report_scope(std::string_view word, ReportScope* out) {
    for (ReportScope s : {ReportScope::Answered, ReportScope::Suspects}) {
        if (word != report_scope_name(s)) continue;
        *out = s;
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
    const std::string what =
        per_handshake ? (s == ReportScope::Answered ? "the lines list the handshakes a SYN+ACK answered"
                                                    : "the lines list the handshakes with an mptcp-echo or "
                                                      "option-echo verdict")
                      : (s == ReportScope::Answered
                             ? "the rows list the servers that answered with a SYN+ACK"
                             : "the rows list the suspects (servers with at least one mptcp-echo or option-echo "
                               "handshake)");
    return std::string("Only ") + report_scope_name(s) + ": " + what +
           "; the totals count every handshake, answered or not, but not the servers one by one (that would keep a "
           "record of every silent server).";
}

}  // namespace middlebox
