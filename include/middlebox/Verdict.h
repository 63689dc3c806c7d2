// The verdict strings are the plugin's public filter interface
// (middlebox.verdict == "mptcp-echo"): see docs/verdicts.md. Never rename one.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace middlebox {

enum class Verdict : uint8_t {
    None = 0,  // not a handshake packet: no verdict shown
    MptcpGenuine,
    MptcpEcho,
    MptcpAbsent,
    MptcpJoin,
    OptionEcho,
    SimultaneousOpen,
    Plain,
    NoSyn,
    NoAnswer,
    Rst,
    Truncated,
    IcmpError,  // added after the others: the numbers of the older ones never move
    FlagEcho,
};

constexpr int kVerdictCount = static_cast<int>(Verdict::FlagEcho) + 1;

// "mptcp-echo", ...; "" for None.
const char* verdict_name(Verdict v);
std::optional<Verdict> verdict_from_name(std::string_view name);

// The verdicts that mean "a middlebox answered or rewrote this SYN+ACK".
constexpr Verdict kEchoVerdicts[] = {Verdict::MptcpEcho, Verdict::OptionEcho, Verdict::FlagEcho};

inline bool is_echo(Verdict v) {
    for (Verdict e : kEchoVerdicts)
        if (v == e) return true;
    return false;
}

// Of handshakes counted by verdict, those whose verdict is an echo.
inline uint32_t echo_count(const uint32_t (&verdicts)[kVerdictCount]) {
    uint32_t n = 0;
    for (Verdict e : kEchoVerdicts) n += verdicts[static_cast<int>(e)];
    return n;
}

// A server is suspected of echoing when one of its handshakes is an echo.
inline bool is_suspect(const uint32_t (&verdicts)[kVerdictCount]) { return echo_count(verdicts) > 0; }

}  // namespace middlebox
