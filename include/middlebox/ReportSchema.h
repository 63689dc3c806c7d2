// The per-server row of the -z middlebox report, declared once. The JSON
// object's keys, the CSV's columns and the text table's columns are drawn
// from kServerFields, in its order, as far as each form allows: the text
// table shows some fields and joins others into one cell, the CSV has no
// family column and never moves a published column. The README's "JSON
// schema" and "CSV schema" document it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace middlebox {

// One value of a server's row (ServerSummary), in the report's order.
enum class ServerField : uint8_t {
    Address,
    Family,
    Port,
    Handshakes,
    Synacks,
    Verdicts,
    Suspect,
    EchoedKeys,
    EchoedKeyless,
    EchoedKinds,
    EchoedFlags,
    HopsMin,
    HopsMax,
    HopMismatches,
    SynProxies,
    FirstEvidenceFrame,
    FirstSynackFrame,
};

struct ServerFieldSpec {
    ServerField field;
    // The JSON key. "echoed.kinds" is the key "kinds" of the object "echoed",
    // which consecutive fields share.
    std::string_view json;
    // The CSV column; empty: none. Verdicts spans one column per verdict,
    // each named by its verdict.
    std::string_view csv;
    // Added after the CSV was published: the how-manieth addition (0: in
    // the first CSV). Its column goes after all the older ones (scripts
    // read CSV columns by position, so none ever moves).
    uint8_t csv_added = 0;
};

inline constexpr ServerFieldSpec kServerFields[] = {
    {ServerField::Address, "address", "address"},
    {ServerField::Family, "family", ""},  // the address says it
    {ServerField::Port, "port", "port"},
    {ServerField::Handshakes, "handshakes", "handshakes"},
    {ServerField::Synacks, "synacks", "synacks"},
    {ServerField::Verdicts, "verdicts", "verdicts"},
    {ServerField::Suspect, "suspect", "suspect"},
    {ServerField::EchoedKeys, "echoed.mp_capable_keys", "echoed_mp_capable_keys"},
    {ServerField::EchoedKeyless, "echoed.keyless", "echoed_keyless"},
    {ServerField::EchoedKinds, "echoed.kinds", "echoed_kinds"},
    {ServerField::EchoedFlags, "echoed.flags", "echoed_flags", 2},
    {ServerField::HopsMin, "hops.min", "hops_min"},
    {ServerField::HopsMax, "hops.max", "hops_max"},
    {ServerField::HopMismatches, "hop_mismatches", "hop_mismatches"},
    {ServerField::SynProxies, "syn_proxies", "syn_proxies", 1},
    {ServerField::FirstEvidenceFrame, "first_evidence_frame", "first_evidence_frame"},
    {ServerField::FirstSynackFrame, "first_synack_frame", "first_synack_frame"},
};
inline constexpr size_t kServerFieldCount = sizeof kServerFields / sizeof kServerFields[0];

constexpr const ServerFieldSpec& server_field(ServerField f) { return kServerFields[static_cast<size_t>(f)]; }

// The CSV's fields in column order: the schema's, then the added ones in the
// order they were added. (Verdicts added later follow them all: ReportCsv.)
constexpr uint8_t kCsvAdditions = 2;
inline constexpr size_t kCsvFieldCount = [] {
    size_t n = 0;
    for (const ServerFieldSpec& f : kServerFields) n += f.csv.empty() ? 0 : 1;
    return n;
}();
inline constexpr std::array<ServerField, kCsvFieldCount> kCsvFields = [] {
    std::array<ServerField, kCsvFieldCount> out{};
    size_t n = 0;
    for (uint8_t added = 0; added <= kCsvAdditions; ++added)
        for (const ServerFieldSpec& f : kServerFields)
            if (!f.csv.empty() && f.csv_added == added) out[n++] = f.field;
    return out;
}();

// A column of the text table: a run of the schema's fields shown as one cell.
struct TextColumn {
    std::string_view heading;
    ServerField first, last;
    bool right_aligned;
};

inline constexpr TextColumn kTextColumns[] = {
    {"Server", ServerField::Address, ServerField::Port, false},  // "10.0.0.2:80"
    {"Handshakes", ServerField::Handshakes, ServerField::Handshakes, true},
    {"SYN+ACKs", ServerField::Synacks, ServerField::Synacks, true},
    {"Verdicts", ServerField::Verdicts, ServerField::Verdicts, false},
    {"Echoed", ServerField::EchoedKeys, ServerField::EchoedFlags, false},
    {"Hops", ServerField::HopsMin, ServerField::HopsMax, true},
    {"Hop mismatches", ServerField::HopMismatches, ServerField::HopMismatches, true},
    {"First evidence", ServerField::FirstEvidenceFrame, ServerField::FirstEvidenceFrame, true},
};
inline constexpr size_t kTextColumnCount = sizeof kTextColumns / sizeof kTextColumns[0];

namespace schema_check {
constexpr bool fields_in_enum_order() {
    for (size_t i = 0; i < kServerFieldCount; ++i)
        if (static_cast<size_t>(kServerFields[i].field) != i) return false;
    return true;
}
constexpr bool text_columns_in_schema_order() {
    for (size_t i = 0; i < kTextColumnCount; ++i) {
        if (kTextColumns[i].first > kTextColumns[i].last) return false;
        if (i > 0 && kTextColumns[i - 1].last >= kTextColumns[i].first) return false;
    }
    return true;
}
static_assert(fields_in_enum_order(), "kServerFields lists every ServerField, in enum order");
static_assert(text_columns_in_schema_order(), "the text columns are runs of the schema, in its order");
}  // namespace schema_check

}  // namespace middlebox
