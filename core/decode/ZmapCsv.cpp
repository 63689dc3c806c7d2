// zmap's CSV results into segments (ZmapCsv.h).
#include "middlebox/ZmapCsv.h"

#include <charconv>
#include <vector>

#include "middlebox/ProbeTemplate.h"

namespace middlebox {

namespace {

constexpr const char* kFieldNames[] = {"saddr",       "daddr",  "sport",      "dport",          "ttl",
                                       "seqnum",      "acknum", "optionshex", "classification", "timestamp_ts",
                                       "timestamp_us"};

// zmap's csv module quotes no cell that needs none; a quoted cell (RFC
// 4180) is unquoted here. Cells are split on commas outside quotes.
void split(std::string_view line, std::vector<std::string_view>* cells) {
    cells->clear();
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t start = 0;
    bool quoted = false;
    for (size_t i = 0; i <= line.size(); ++i) {
        if (i < line.size() && line[i] == '"') quoted = !quoted;
        if (i == line.size() || (line[i] == ',' && !quoted)) {
            std::string_view cell = line.substr(start, i - start);
            if (cell.size() >= 2 && cell.front() == '"' && cell.back() == '"') cell = cell.substr(1, cell.size() - 2);
            cells->push_back(cell);
            start = i + 1;
        }
    }
}

template <typename T>
bool number(std::string_view s, T* out) {
    if (s.empty()) return false;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_v4(std::string_view s, uint8_t* out) {
    for (int i = 0; i < 4; ++i) {
        const size_t dot = i < 3 ? s.find('.') : s.size();
        if (dot == std::string_view::npos || dot == 0 || dot > 3) return false;
        unsigned v = 0;
        if (!number(s.substr(0, dot), &v) || v > 255) return false;
        out[i] = static_cast<uint8_t>(v);
        s.remove_prefix(i < 3 ? dot + 1 : dot);
    }
    return s.empty();
}

bool parse_v6(std::string_view s, uint8_t* out) {
    uint16_t head[8], tail[8];
    int nhead = 0, ntail = 0;
    bool gap = false;
    if (s.substr(0, 2) == "::") {
        gap = true;
        s.remove_prefix(2);
    }
    while (!s.empty()) {
        const size_t colon = s.find(':');
        const std::string_view group = s.substr(0, colon);
        if (group.find('.') != std::string_view::npos) {  // an embedded IPv4 address ends it
            uint8_t v4[4];
            if (colon != std::string_view::npos || !parse_v4(group, v4)) return false;
            for (int k = 0; k < 2; ++k) {
                uint16_t& slot = gap ? tail[ntail++] : head[nhead++];
                slot = static_cast<uint16_t>(v4[2 * k] << 8 | v4[2 * k + 1]);
                if (nhead + ntail > 8) return false;
            }
            s = {};
            break;
        }
        unsigned v = 0;
        if (group.empty() || group.size() > 4) return false;
        const auto r = std::from_chars(group.data(), group.data() + group.size(), v, 16);
        if (r.ec != std::errc() || r.ptr != group.data() + group.size()) return false;
        (gap ? tail[ntail++] : head[nhead++]) = static_cast<uint16_t>(v);
        if (nhead + ntail > 8) return false;
        if (colon == std::string_view::npos) break;
        s.remove_prefix(colon + 1);
        if (!s.empty() && s.front() == ':') {
            if (gap) return false;  // one "::" at most
            gap = true;
            s.remove_prefix(1);
        } else if (s.empty()) {
            return false;  // a trailing single colon
        }
    }
    if (gap ? nhead + ntail > 7 : nhead != 8) return false;
    uint16_t words[8] = {};
    for (int i = 0; i < nhead; ++i) words[i] = head[i];
    for (int i = 0; i < ntail; ++i) words[8 - ntail + i] = tail[i];
    for (int i = 0; i < 8; ++i) {
        out[2 * i] = static_cast<uint8_t>(words[i] >> 8);
        out[2 * i + 1] = static_cast<uint8_t>(words[i] & 0xff);
    }
    return true;
}

}  // namespace

const char* csv_outcome_name(CsvOutcome o) {
    switch (o) {
        case CsvOutcome::Answer: return "answer";
        case CsvOutcome::NotAnswer: return "not-answer";
        case CsvOutcome::MissingField: return "missing-field";
        case CsvOutcome::BadAddress: return "bad-address";
        case CsvOutcome::BadPort: return "bad-port";
        case CsvOutcome::BadNumber: return "bad-number";
        case CsvOutcome::BadOptions: return "bad-options";
    }
    return "?";
}

bool parse_address(std::string_view text, Address* out) {
    uint8_t b[16] = {};
    if (text.find(':') != std::string_view::npos) {
        if (!parse_v6(text, b)) return false;
        *out = Address::v6(b);
        return true;
    }
    if (!parse_v4(text, b)) return false;
    *out = Address::v4(b);
    return true;
}

bool ZmapCsv::header(std::string_view line, std::string* error) {
    std::vector<std::string_view> cells;
    split(line, &cells);
    columns_ = static_cast<int>(cells.size());
    for (int f = 0; f < kFields; ++f) {
        column_[f] = -1;
        for (size_t i = 0; i < cells.size(); ++i)
            if (cells[i] == kFieldNames[f]) column_[f] = static_cast<int>(i);
    }
    std::string missing;
    for (Field f : {Saddr, Sport, Dport, OptionsHex})
        if (column_[f] < 0) missing += (missing.empty() ? "" : ", ") + std::string(kFieldNames[f]);
    if (missing.empty()) return true;
    *error = "the header line has no " + missing +
             " (zmap's CSV with the tcp_synopt fields: -O csv -f \"saddr,daddr,sport,dport,seqnum,acknum,ttl,"
             "optionshex,classification\")";
    return false;
}

CsvOutcome ZmapCsv::line(std::string_view text, Segment* seg, uint8_t* options, int64_t* time_us) const {
    thread_local std::vector<std::string_view> cells;
    split(text, &cells);
    if (static_cast<int>(cells.size()) < columns_) return CsvOutcome::MissingField;
    auto cell = [&](Field f) { return column_[f] < 0 ? std::string_view() : cells[static_cast<size_t>(column_[f])]; };

    Segment s;
    s.flags = kSyn | kAck;
    if (column_[Classification] >= 0) {
        const std::string_view c = cell(Classification);
        if (c == "rst")
            s.flags = kRst | kAck;
        else if (c != "synack")
            return CsvOutcome::NotAnswer;
    }
    if (!parse_address(cell(Saddr), &s.tuple.src)) return CsvOutcome::BadAddress;
    // Without daddr the scanner's address is unknown: the unspecified
    // address of the server's family stands for it.
    if (column_[Daddr] < 0) {
        s.tuple.dst.family = s.tuple.src.family;
    } else if (!parse_address(cell(Daddr), &s.tuple.dst) || s.tuple.dst.family != s.tuple.src.family) {
        return CsvOutcome::BadAddress;
    }
    if (!number(cell(Sport), &s.tuple.src_port) || !number(cell(Dport), &s.tuple.dst_port)) return CsvOutcome::BadPort;
    unsigned ttl = 64;
    if (column_[Ttl] >= 0 && (!number(cell(Ttl), &ttl) || ttl > 255)) return CsvOutcome::BadNumber;
    s.ttl = static_cast<uint8_t>(ttl);
    if (column_[Seqnum] >= 0 && !number(cell(Seqnum), &s.seq)) return CsvOutcome::BadNumber;
    if (column_[Acknum] >= 0 && !number(cell(Acknum), &s.ack)) return CsvOutcome::BadNumber;
    int64_t sec = 0, usec = 0;
    if (column_[TimestampTs] >= 0 && !number(cell(TimestampTs), &sec)) return CsvOutcome::BadNumber;
    if (column_[TimestampUs] >= 0 && !number(cell(TimestampUs), &usec)) return CsvOutcome::BadNumber;
    size_t length = 0;
    if (!parse_hex_bytes(cell(OptionsHex), options, kMaxOptionBytes, &length)) return CsvOutcome::BadOptions;
    s.options = options;
    s.options_captured = s.options_declared = static_cast<uint8_t>(length);
    *seg = s;
    *time_us = sec * 1000000 + usec;
    return CsvOutcome::Answer;
}

}  // namespace middlebox
