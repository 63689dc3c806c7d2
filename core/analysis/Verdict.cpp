#include "middlebox/Verdict.h"

namespace middlebox {

namespace {
constexpr const char* kNames[kVerdictCount] = {
    "",      "mptcp-genuine", "mptcp-echo", "mptcp-absent", "mptcp-join", "option-echo", "simultaneous-open",
    "plain", "no-syn",        "no-answer",  "rst",          "truncated",  "icmp-error",  "flag-echo",
};
}  // namespace

const char* verdict_name(Verdict v) {
    const auto i = static_cast<int>(v);
    return i >= 0 && i < kVerdictCount ? kNames[i] : "";
}

std::optional<Verdict> verdict_from_name(std::string_view name) {
    for (int i = 1; i < kVerdictCount; ++i)
        if (name == kNames[i]) return static_cast<Verdict>(i);
    return std::nullopt;
}

}  // namespace middlebox
