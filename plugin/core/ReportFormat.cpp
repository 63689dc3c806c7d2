#include "middlebox/ReportFormat.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "middlebox/OptionDiff.h"

namespace middlebox {

namespace {

constexpr ReportForm kForms[] = {ReportForm::Text, ReportForm::Json, ReportForm::Csv, ReportForm::Pairs};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string plural(uint64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string verdict_list(const uint32_t (&verdicts)[kVerdictCount]) {
    std::string s;
    for (int v = 1; v < kVerdictCount; ++v) {
        if (verdicts[v] == 0) continue;
        if (!s.empty()) s += ", ";
        s += verdict_name(static_cast<Verdict>(v));
        s += ' ';
        s += std::to_string(verdicts[v]);
    }
    return s.empty() ? "-" : s;
}

std::string echoed_text(const ServerSummary& r) {
    std::vector<std::string> parts;
    constexpr size_t kShownKeys = 3;
    if (!r.echoed_keys.empty()) {
        std::string k = r.echoed_keys.size() == 1 ? "MP_CAPABLE key " : "MP_CAPABLE keys ";
        for (size_t i = 0; i < r.echoed_keys.size() && i < kShownKeys; ++i) {
            if (i > 0) k += ",";
            k += key_text(r.echoed_keys[i]);
        }
        if (r.echoed_keys.size() > kShownKeys) k += " (+" + std::to_string(r.echoed_keys.size() - kShownKeys) + " more)";
        parts.push_back(k);
    }
    if (r.echoed_keyless) parts.push_back("MP_CAPABLE keyless");
    const std::vector<uint8_t> kinds = echoed_kind_list(r);
    if (!kinds.empty()) {
        std::string k = kinds.size() == 1 ? "kind " : "kinds ";
        for (size_t i = 0; i < kinds.size(); ++i) {
            if (i > 0) k += ",";
            k += std::to_string(kinds[i]);
        }
        parts.push_back(k);
    }
    std::string s;
    for (const std::string& p : parts) {
        if (!s.empty()) s += "; ";
        s += p;
    }
    return s.empty() ? "-" : s;
}

std::string hops_text(const ServerSummary& r) {
    if (r.synacks == 0) return "-";
    if (r.min_hops == r.max_hops) return std::to_string(r.min_hops);
    return std::to_string(r.min_hops) + "-" + std::to_string(r.max_hops);
}

std::string frame_text(uint32_t f) { return f == 0 ? "-" : std::to_string(f); }
std::string json_frame(uint32_t f) { return f == 0 ? "null" : std::to_string(f); }

void json_verdicts(std::ostream& out, const uint32_t (&verdicts)[kVerdictCount]) {
    out << '{';
    bool first = true;
    for (int v = 1; v < kVerdictCount; ++v) {
        if (verdicts[v] == 0) continue;
        if (!first) out << ", ";
        first = false;
        out << json_string(verdict_name(static_cast<Verdict>(v))) << ": " << verdicts[v];
    }
    out << '}';
}

void rule(std::ostream& out, size_t width, char c) { out << std::string(width, c) << '\n'; }

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
    const size_t comma = rest.find(',');
    const std::string_view first = trim(rest.substr(0, comma));
    if (first.empty()) {
        *error = "empty argument after \"" + std::string(arg.substr(0, arg.size() - rest.size())) + "\"";
        return false;
    }
    for (ReportForm f : kForms) {
        if (first != report_form_name(f)) continue;
        out->form = f;
        out->form_given = true;
        if (comma == std::string_view::npos) return true;
        const std::string_view filter = rest.substr(comma + 1);
        if (trim(filter).empty()) {
            *error = "empty filter after \"" + std::string(prefix) + "," + report_form_name(f) + ",\"";
            return false;
        }
        out->has_filter = true;
        out->filter = std::string(filter);
        return true;
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
           "  -z middlebox,FILTER             the text report over the handshake frames matching FILTER\n"
           "  -z middlebox_verdicts[,FILTER]  the totals as a table (Wireshark: Statistics menu)\n"
           "FILTER is a display filter, e.g. ip.addr==10.0.0.0/8; it takes the rest of the argument.\n";
}

std::string json_string(std::string_view s) {
    static const char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const size_t n = s.size();
    for (size_t i = 0; i < n;) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            switch (c) {
                case '"': out += "\\\""; break;
                case '\\': out += "\\\\"; break;
                case '\b': out += "\\b"; break;
                case '\f': out += "\\f"; break;
                case '\n': out += "\\n"; break;
                case '\r': out += "\\r"; break;
                case '\t': out += "\\t"; break;
                default:
                    if (c < 0x20) {
                        out += "\\u00";
                        out += hex[c >> 4];
                        out += hex[c & 0x0f];
                    } else {
                        out += static_cast<char>(c);
                    }
            }
            ++i;
            continue;
        }
        // A well-formed UTF-8 sequence (RFC 3629: no overlong forms, no
        // surrogates, nothing above U+10FFFF) is copied; any other byte
        // becomes U+FFFD.
        size_t len = 0;
        uint32_t cp = 0, min = 0;
        if ((c & 0xe0) == 0xc0) len = 2, cp = c & 0x1f, min = 0x80;
        else if ((c & 0xf0) == 0xe0) len = 3, cp = c & 0x0f, min = 0x800;
        else if ((c & 0xf8) == 0xf0) len = 4, cp = c & 0x07, min = 0x10000;
        bool ok = len != 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; ++k) {
            if ((p[i + k] & 0xc0) != 0x80) ok = false;
            else cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        ok = ok && cp >= min && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
        if (ok) {
            out.append(s.data() + i, len);
            i += len;
        } else {
            out += "\xef\xbf\xbd";
            ++i;
        }
    }
    out += '"';
    return out;
}

std::string csv_field(std::string_view s) {
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

std::string key_text(uint64_t key) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%016" PRIx64, key);
    return buf;
}

std::string endpoint_text(const Address& a, uint16_t port) {
    const std::string addr = address_text(a);
    return a.family == 6 ? "[" + addr + "]:" + std::to_string(port) : addr + ":" + std::to_string(port);
}

std::vector<uint8_t> echoed_kind_list(const ServerSummary& s) {
    std::vector<uint8_t> kinds;
    for (int k = 0; k < 256; ++k)
        if (s.echoed_kinds[k]) kinds.push_back(static_cast<uint8_t>(k));
    return kinds;
}

std::vector<std::string> report_notes(const Totals& t, const ReportRequest& r) {
    std::vector<std::string> notes;
    const std::string filter = r.has_filter ? "the report filter \"" + r.filter + "\"" : std::string();
    if (t.unreliable()) {
        std::string why;
        if (t.out_of_order_frames > 0)
            why = plural(t.out_of_order_frames, "frame", "frames") + " seen out of order in the first pass";
        if (t.inconsistent_events > 0)
            why += (why.empty() ? "" : ", ") + plural(t.inconsistent_events, "frame", "frames") +
                   " not matching the handshake recorded under their number";
        notes.push_back("WARNING: the frames handed to the report are not the frames the analysis numbered (" + why +
                        "). tshark -2 -R renumbers the frames that pass the read filter after the analysis has "
                        "seen every frame, so these counts cannot be trusted: filter in the report instead "
                        "(-z middlebox,FORM,FILTER).");
    }
    if (t.read_filtered_frames > 0) {
        notes.push_back("Read filter (tshark -2 -R): " +
                        plural(t.read_filtered_frames, "handshake frame", "handshake frames") +
                        " (SYN, SYN+ACK or RST) paired by the analysis are not in the output; the verdicts use "
                        "them, the frame links to them are left empty.");
    }
    if (t.hidden_handshakes > 0) {
        notes.push_back(plural(t.hidden_handshakes, "handshake", "handshakes") + " found by the analysis had no frame " +
                        (r.has_filter ? "matching " + filter : std::string("handed to the report (a read filter dropped them)")) +
                        ": left out of the rows and totals.");
    }
    if (t.hidden_frames > 0) {
        notes.push_back(plural(t.hidden_frames, "frame", "frames") +
                        " (SYN, SYN+ACK, RST or a copy) of the handshakes counted " +
                        (r.has_filter ? "did not match " + filter : std::string("were not handed to the report (a read filter dropped them)")) +
                        ": those handshakes are counted whole, with the verdict the analysis gave them from all "
                        "their frames.");
    }
    if (r.has_filter && r.filter.find("middlebox") != std::string::npos) {
        notes.push_back("The filter tests middlebox fields: in a single pass a SYN carries no verdict yet (it is "
                        "decided by a later frame), so SYNs match such a filter only with tshark -2.");
    }
    if (t.evictions > 0) {
        notes.push_back(plural(t.evictions, "pending SYN was", "pending SYNs were") +
                        " dropped at the cap (preference middlebox.max_pending): such a SYN ends no-answer and a "
                        "SYN+ACK answering it no-syn.");
    }
    return notes;
}

void write_text(std::ostream& out, const std::vector<ServerSummary>& rows, const Totals& t, const ReportRequest& r) {
    static const char* const head[] = {"Server", "Handshakes", "SYN+ACKs", "Verdicts",
                                       "Echoed", "Hops",       "Hop mismatches", "First evidence"};
    constexpr size_t kCols = sizeof head / sizeof head[0];
    static const bool right[kCols] = {false, true, true, false, false, true, true, true};
    std::vector<std::vector<std::string>> cells;
    cells.reserve(rows.size());
    for (const ServerSummary& s : rows) {
        cells.push_back({endpoint_text(s.address, s.port), std::to_string(s.handshakes), std::to_string(s.synacks),
                         verdict_list(s.verdicts), echoed_text(s), hops_text(s), std::to_string(s.hop_mismatches),
                         frame_text(s.first_evidence_frame)});
    }
    size_t width[kCols];
    for (size_t c = 0; c < kCols; ++c) {
        width[c] = std::string_view(head[c]).size();
        for (const auto& row : cells) width[c] = std::max(width[c], row[c].size());
    }
    auto line = [&](const std::vector<std::string>& v) {
        std::string s;
        for (size_t c = 0; c < kCols; ++c) {
            if (c > 0) s += "  ";
            const std::string pad(width[c] - v[c].size(), ' ');
            s += right[c] ? pad + v[c] : v[c] + pad;
        }
        while (!s.empty() && s.back() == ' ') s.pop_back();
        out << s << '\n';
    };
    size_t total_width = 2 * (kCols - 1);
    for (size_t w : width) total_width += w;
    const size_t rule_width = std::max<size_t>(80, total_width);

    rule(out, rule_width, '=');
    out << "Middlebox: TCP options echoed in SYN+ACKs, per server endpoint\n";
    out << "Filter: " << (r.has_filter ? r.filter : std::string("none")) << '\n';
    rule(out, rule_width, '-');
    if (rows.empty()) {
        out << "No SYN, SYN+ACK or RST of a TCP handshake reached the report.\n";
    } else {
        line(std::vector<std::string>(head, head + kCols));
        for (const auto& row : cells) line(row);
    }
    rule(out, rule_width, '-');
    out << "Totals\n";
    out << "  Servers: " << t.servers << ", suspected of echoing: " << t.suspect_servers
        << " (at least one mptcp-echo or option-echo handshake)\n";
    out << "  Handshakes: " << t.handshakes << ", answered by a SYN+ACK: " << t.synacks << '\n';
    out << "  Verdicts: " << verdict_list(t.verdicts) << '\n';
    const uint32_t mpc_other = t.synacks_with_mp_capable - t.mp_capable_genuine - t.mp_capable_echoed;
    out << "  MP_CAPABLE: of " << plural(t.synacks_with_mp_capable, "SYN+ACK", "SYN+ACKs")
        << " that carried MP_CAPABLE, " << t.mp_capable_genuine << " genuine, "
        << plural(t.mp_capable_echoed, "echo", "echoes");
    if (mpc_other > 0)
        out << ", " << mpc_other << " neither (unsolicited, no SYN in the capture, truncated or simultaneous open)";
    out << '\n';
    out << "  Unknown options: of " << plural(t.synacks_with_unknown_option, "SYN+ACK", "SYN+ACKs")
        << " that carried an unknown option kind, " << t.unknown_option_echoed
        << " echoed it byte for byte from the SYN\n";
    out << "  Pending SYNs dropped at the cap: " << t.evictions << '\n';
    out << "  Handshake frames hidden from the report: " << t.hidden_frames << " (handshakes wholly hidden: "
        << t.hidden_handshakes << ")\n";
    for (const std::string& n : report_notes(t, r)) out << "Note: " << n << '\n';
    rule(out, rule_width, '=');
}

void write_json(std::ostream& out, const std::vector<ServerSummary>& rows, const Totals& t, const ReportRequest& r) {
    out << "{\n";
    out << "  \"report\": \"middlebox\",\n";
    out << "  \"version\": 1,\n";
    out << "  \"filter\": " << (r.has_filter ? json_string(r.filter) : std::string("null")) << ",\n";
    out << "  \"servers\": [";
    for (size_t i = 0; i < rows.size(); ++i) {
        const ServerSummary& s = rows[i];
        out << (i == 0 ? "\n    " : ",\n    ");
        out << "{\"address\": " << json_string(address_text(s.address)) << ", \"family\": " << unsigned(s.address.family)
            << ", \"port\": " << s.port << ", \"handshakes\": " << s.handshakes << ", \"synacks\": " << s.synacks
            << ", \"verdicts\": ";
        json_verdicts(out, s.verdicts);
        out << ", \"suspect\": " << (s.suspect() ? "true" : "false");
        out << ", \"echoed\": {\"mp_capable_keys\": [";
        for (size_t k = 0; k < s.echoed_keys.size(); ++k)
            out << (k ? ", " : "") << json_string(key_text(s.echoed_keys[k]));
        out << "], \"keyless\": " << (s.echoed_keyless ? "true" : "false") << ", \"kinds\": [";
        const std::vector<uint8_t> kinds = echoed_kind_list(s);
        for (size_t k = 0; k < kinds.size(); ++k) out << (k ? ", " : "") << unsigned(kinds[k]);
        out << "]}";
        if (s.synacks > 0)
            out << ", \"hops\": {\"min\": " << unsigned(s.min_hops) << ", \"max\": " << unsigned(s.max_hops) << "}";
        else
            out << ", \"hops\": {\"min\": null, \"max\": null}";
        out << ", \"hop_mismatches\": " << s.hop_mismatches
            << ", \"first_evidence_frame\": " << json_frame(s.first_evidence_frame)
            << ", \"first_synack_frame\": " << json_frame(s.first_synack_frame) << "}";
    }
    out << (rows.empty() ? "],\n" : "\n  ],\n");
    out << "  \"totals\": {\"servers\": " << t.servers << ", \"suspect_servers\": " << t.suspect_servers
        << ", \"handshakes\": " << t.handshakes << ", \"synacks\": " << t.synacks << ", \"verdicts\": ";
    json_verdicts(out, t.verdicts);
    out << ",\n             \"mp_capable\": {\"synacks\": " << t.synacks_with_mp_capable
        << ", \"genuine\": " << t.mp_capable_genuine << ", \"echoed\": " << t.mp_capable_echoed << "}"
        << ", \"unknown_options\": {\"synacks\": " << t.synacks_with_unknown_option
        << ", \"echoed\": " << t.unknown_option_echoed << "},\n"
        << "             \"evictions\": " << t.evictions << ", \"hidden_frames\": " << t.hidden_frames
        << ", \"hidden_handshakes\": " << t.hidden_handshakes
        << ", \"read_filtered_frames\": " << t.read_filtered_frames << ", \"reliable\": " << (t.unreliable() ? "false" : "true") << "},\n";
    const std::vector<std::string> notes = report_notes(t, r);
    out << "  \"notes\": [";
    for (size_t i = 0; i < notes.size(); ++i) out << (i ? ",\n    " : "\n    ") << json_string(notes[i]);
    out << (notes.empty() ? "]\n" : "\n  ]\n");
    out << "}\n";
}

void write_csv(std::ostream& out, const std::vector<ServerSummary>& rows) {
    out << "address,port,handshakes,synacks";
    for (int v = 1; v < kVerdictCount; ++v) out << ',' << verdict_name(static_cast<Verdict>(v));
    out << ",suspect,echoed_mp_capable_keys,echoed_keyless,echoed_kinds,hops_min,hops_max,hop_mismatches,"
           "first_evidence_frame,first_synack_frame\n";
    for (const ServerSummary& s : rows) {
        out << csv_field(address_text(s.address)) << ',' << s.port << ',' << s.handshakes << ',' << s.synacks;
        for (int v = 1; v < kVerdictCount; ++v) out << ',' << s.verdicts[v];
        std::string keys;
        for (uint64_t k : s.echoed_keys) keys += (keys.empty() ? "" : " ") + key_text(k);
        std::string kinds;
        for (uint8_t k : echoed_kind_list(s)) kinds += (kinds.empty() ? "" : " ") + std::to_string(k);
        out << ',' << (s.suspect() ? 1 : 0) << ',' << csv_field(keys) << ',' << (s.echoed_keyless ? 1 : 0) << ','
            << csv_field(kinds) << ',';
        if (s.synacks > 0) out << unsigned(s.min_hops) << ',' << unsigned(s.max_hops);
        else out << ',';
        out << ',' << s.hop_mismatches << ',' << (s.first_evidence_frame ? std::to_string(s.first_evidence_frame) : "")
            << ',' << (s.first_synack_frame ? std::to_string(s.first_synack_frame) : "") << "\n";
    }
}

std::vector<PairRow> pair_rows(const Correlator& c, const Registry& seen) {
    std::vector<PairRow> rows;
    for (uint32_t index : seen.handshakes()) {
        if (index >= c.handshake_count()) continue;
        const Handshake& hs = c.handshake(index);
        if (hs.pair == kNone || hs.pair >= c.pair_count()) continue;
        const Pair& p = c.pair(hs.pair);
        PairRow row;
        row.syn_frame = p.has_syn ? hs.syn_frame : 0;
        row.synack_frame = hs.answer_frame;
        row.server_to_client = p.server_to_client;
        row.verdict = hs.verdict;
        const OptionBlock syn = p.syn_block();
        row.diff = option_diff(p.has_syn ? &syn : nullptr, p.synack_block());
        rows.push_back(std::move(row));
    }
    std::sort(rows.begin(), rows.end(),
              [](const PairRow& a, const PairRow& b) { return a.synack_frame < b.synack_frame; });
    return rows;
}

void write_pairs(std::ostream& out, const std::vector<PairRow>& pairs, const Totals& t, const ReportRequest& r) {
    out << "# middlebox pairs: one line per SYN+ACK and the SYN it answers; filter: "
        << (r.has_filter ? r.filter : std::string("none")) << '\n';
    out << "# diff: the SYN+ACK's options against the SYN's: +added ~changed =returned byte for byte -not returned\n";
    out << "# syn_frame\tsynack_frame\tclient\tserver\tverdict\tdiff\n";
    for (const PairRow& p : pairs) {
        out << (p.syn_frame ? std::to_string(p.syn_frame) : "-") << '\t' << p.synack_frame << '\t'
            << endpoint_text(p.server_to_client.dst, p.server_to_client.dst_port) << '\t'
            << endpoint_text(p.server_to_client.src, p.server_to_client.src_port) << '\t' << verdict_name(p.verdict)
            << '\t' << p.diff << '\n';
    }
    out << "# " << plural(pairs.size(), "pair", "pairs") << '\n';
    for (const std::string& n : report_notes(t, r)) out << "# note: " << n << '\n';
}

}  // namespace middlebox
