// zmap's CSV results as input: one answer (a SYN+ACK or RST) per line, as
// zmap's csv output module writes them with the tcp_synopt probe module's
// fields. Published scan datasets are usually these files, not captures:
// each line becomes the Segment its answer was, to be set against the
// scan's probe template (ProbeTemplate.h), since the file holds no SYN.
//
// The header line names the fields, in any order: saddr, sport, dport and
// optionshex are required; daddr, ttl, seqnum, acknum, classification,
// timestamp_ts and timestamp_us are used when present; the rest is ignored.
// A line that cannot be used is counted by reason, never dropped silently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "middlebox/Segment.h"

namespace middlebox {

enum class CsvOutcome : uint8_t {
    Answer,        // a SYN+ACK or RST (in `seg`)
    NotAnswer,     // classification is neither synack nor rst (zmap's other modules' lines)
    MissingField,  // fewer cells than the header has fields
    BadAddress,    // saddr or daddr is not an IPv4 or IPv6 address
    BadPort,       // sport or dport is not 0-65535
    BadNumber,     // ttl, seqnum, acknum or a timestamp is not a number in range
    BadOptions,    // optionshex is not hex bytes (at most 40)
};
constexpr int kCsvOutcomeCount = static_cast<int>(CsvOutcome::BadOptions) + 1;

// "answer", "not-answer", "missing-field", ...: the name in the counts.
const char* csv_outcome_name(CsvOutcome o);

// "192.0.2.1", "2001:db8::1" (RFC 4291 text forms, "::" included).
bool parse_address(std::string_view text, Address* out);

class ZmapCsv {
public:
    // The header line. False, and `error` says which required field is
    // missing, when it cannot be read as zmap's results.
    bool header(std::string_view line, std::string* error);

    // One data line into `seg` (its options in `options`, kMaxOptionBytes;
    // its frame number is the caller's to set) and its capture time, when
    // the line has one (else 0).
    CsvOutcome line(std::string_view line, Segment* seg, uint8_t* options, int64_t* time_us) const;

private:
    enum Field {
        Saddr,
        Daddr,
        Sport,
        Dport,
        Ttl,
        Seqnum,
        Acknum,
        OptionsHex,
        Classification,
        TimestampTs,
        TimestampUs,
        kFields
    };
    int column_[kFields] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
    int columns_ = 0;
};

}  // namespace middlebox
