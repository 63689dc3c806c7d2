#include "middlebox/ReportFormat.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>

#include "middlebox/Describe.h"
#include "middlebox/OptionDiff.h"
#include "middlebox/TextBuffer.h"

namespace middlebox {

namespace {

using Buf = TextBuffer;

constexpr ReportForm kForms[] = {ReportForm::Text, ReportForm::Json, ReportForm::Csv, ReportForm::Pairs};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The echoed kinds, ascending, joined by `sep`.
void put_kinds(Buf& s, const ServerSummary& r, std::string_view sep) { put_kind_list(s, r.echoed_kinds, sep); }

// The text table's cells: Describe's spellings, "-" for nothing to show.
void dash_if_empty(Buf& s, size_t start) {
    if (s.size() == start) s += '-';
}

void put_text_verdicts(Buf& s, const uint32_t (&verdicts)[kVerdictCount]) {
    const size_t start = s.size();
    put_verdict_list(s, verdicts);
    dash_if_empty(s, start);
}

std::string text_verdicts(const uint32_t (&verdicts)[kVerdictCount]) {
    Buf s;
    put_text_verdicts(s, verdicts);
    return s.str();
}

void put_text_echoed(Buf& s, const ServerSummary& r) {
    const size_t start = s.size();
    put_echoed(s, r);
    dash_if_empty(s, start);
}

void put_text_hops(Buf& s, const ServerSummary& r) {
    if (r.synacks == 0)
        s += '-';
    else
        put_hops(s, r.min_hops, r.max_hops);
}

void put_frame(Buf& s, uint32_t f) {
    if (f == 0)
        s += '-';
    else
        put_uint(s, f);
}

// Hands the buffer to the stream once it is big enough.
void write_out(std::ostream& out, Buf& buf) {
    out.write(buf.view().data(), static_cast<std::streamsize>(buf.size()));
    buf.clear();
}

void flush_if_full(std::ostream& out, Buf& buf) {
    if (buf.size() >= (size_t{1} << 16)) write_out(out, buf);
}

void put_json_frame(Buf& s, uint32_t f) {
    if (f == 0)
        s += "null";
    else
        put_uint(s, f);
}

void put_json_verdicts(Buf& s, const uint32_t (&verdicts)[kVerdictCount]) {
    s += '{';
    bool first = true;
    for (int v = 1; v < kVerdictCount; ++v) {
        if (verdicts[v] == 0) continue;
        if (!first) s += ", ";
        first = false;
        s += '"';
        s += verdict_name(static_cast<Verdict>(v));  // plain ASCII names
        s += "\": ";
        put_uint(s, verdicts[v]);
    }
    s += '}';
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

namespace {

// One row per server, then the totals and the notes. The columns are as wide
// as their widest cell, so the cells are kept (one buffer for all of them)
// until finish().
class TextWriter final : public ServerReportWriter {
public:
    TextWriter(std::ostream& out, const ReportRequest& r) : out_(out), request_(r) {
        for (size_t c = 0; c < kCols; ++c) width_[c] = std::string_view(kHead[c]).size();
    }

    void row(const ServerSummary& s) override {
        RowCells rc;
        rc.start = cells_.size();
        size_t c = 0;
        auto done = [&] {
            rc.end[c] = static_cast<uint16_t>(cells_.size() - rc.start);
            width_[c] = std::max<size_t>(width_[c], rc.end[c] - (c == 0 ? 0 : rc.end[c - 1]));
            ++c;
        };
        put_endpoint(cells_, s.address, s.port), done();
        put_uint(cells_, s.handshakes), done();
        put_uint(cells_, s.synacks), done();
        put_text_verdicts(cells_, s.verdicts), done();
        put_text_echoed(cells_, s), done();
        put_text_hops(cells_, s), done();
        put_uint(cells_, s.hop_mismatches), done();
        put_frame(cells_, s.first_evidence_frame), done();
        index_.push_back(rc);
    }

    void finish(const Totals& t) override {
        std::ostream& out = out_;
        const ReportRequest& r = request_;
        auto cell = [&](const RowCells& rc, size_t c) {
            const size_t from = c == 0 ? 0 : rc.end[c - 1];
            return cells_.view().substr(rc.start + from, rc.end[c] - from);
        };
        const size_t* width = width_;
        size_t total_width = 2 * (kCols - 1);
        for (size_t c = 0; c < kCols; ++c) total_width += width[c];
        Buf buf;
        // A line is blanked to its full width, the cells copied to their
        // columns, trailing blanks dropped.
        auto line = [&](auto&& text_of) {
            char* const p = buf.end(total_width + 1);
            std::memset(p, ' ', total_width);
            size_t at = 0, used = 0;
            for (size_t c = 0; c < kCols; ++c) {
                const std::string_view v = text_of(c);
                if (!v.empty()) {
                    const size_t from = kRight[c] ? at + width[c] - v.size() : at;
                    std::memcpy(p + from, v.data(), v.size());
                    used = from + v.size();
                }
                at += width[c] + 2;
            }
            p[used] = '\n';
            buf.advance(used + 1);
            flush_if_full(out, buf);
        };
        const size_t rule_width = std::max<size_t>(80, total_width);

        rule(out, rule_width, '=');
        out << "Middlebox: TCP options echoed in SYN+ACKs, per server endpoint\n";
        out << "Filter: " << (r.has_filter ? r.filter : std::string("none")) << '\n';
        rule(out, rule_width, '-');
        if (index_.empty()) {
            out << "No SYN, SYN+ACK or RST of a TCP handshake reached the report.\n";
        } else {
            line([&](size_t c) { return std::string_view(kHead[c]); });
            for (const RowCells& rc : index_) line([&](size_t c) { return cell(rc, c); });
            write_out(out, buf);
        }
        rule(out, rule_width, '-');
        out << "Totals\n";
        out << "  Servers: " << t.servers << ", suspected of echoing: " << t.suspect_servers
            << " (at least one mptcp-echo or option-echo handshake)\n";
        out << "  Handshakes: " << t.handshakes << ", answered by a SYN+ACK: " << t.synacks << '\n';
        out << "  Verdicts: " << text_verdicts(t.verdicts) << '\n';
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
        out << "  SYN+ACKs sent by a box nearer than the server (SYN proxy): " << t.syn_proxies
            << "; their options are the box's, what the server supports is unknown\n";
        out << "  Pending SYNs dropped at the cap: " << t.evictions << '\n';
        out << "  Handshake frames hidden from the report: " << t.hidden_frames << " (handshakes wholly hidden: "
            << t.hidden_handshakes << ")\n";
        for (const std::string& n : report_notes(t, r)) out << "Note: " << n << '\n';
        rule(out, rule_width, '=');
    }

private:
    static constexpr const char* kHead[] = {"Server", "Handshakes", "SYN+ACKs", "Verdicts",
                                            "Echoed", "Hops",       "Hop mismatches", "First evidence"};
    static constexpr size_t kCols = sizeof kHead / sizeof kHead[0];
    static constexpr bool kRight[kCols] = {false, true, true, false, false, true, true, true};
    // Where a row's cells start in cells_ and where each ends (a cell is
    // short: a row stays far below 64 KiB even with 256 echoed kinds).
    struct RowCells {
        size_t start;
        uint16_t end[kCols];
    };

    std::ostream& out_;
    const ReportRequest& request_;
    Buf cells_;
    std::vector<RowCells> index_;
    size_t width_[kCols];  // widest cell so far, header included
};

// One JSON document (and nothing else), servers streamed as they come.
class JsonWriter final : public ServerReportWriter {
public:
    JsonWriter(std::ostream& out, const ReportRequest& r) : out_(out), request_(r) {
        out << "{\n";
        out << "  \"report\": \"middlebox\",\n";
        out << "  \"version\": 1,\n";
        out << "  \"filter\": " << (r.has_filter ? json_string(r.filter) : std::string("null")) << ",\n";
        out << "  \"servers\": [";
    }

    void row(const ServerSummary& s) override {
        // Addresses, keys and verdict names need no JSON escaping.
        Buf& buf = buf_;
        buf += rows_++ == 0 ? "\n    " : ",\n    ";
        buf += "{\"address\": \"";
        put_address(buf, s.address);
        buf += "\", \"family\": ";
        put_uint(buf, s.address.family);
        buf += ", \"port\": ";
        put_uint(buf, s.port);
        buf += ", \"handshakes\": ";
        put_uint(buf, s.handshakes);
        buf += ", \"synacks\": ";
        put_uint(buf, s.synacks);
        buf += ", \"verdicts\": ";
        put_json_verdicts(buf, s.verdicts);
        buf += s.suspect() ? ", \"suspect\": true" : ", \"suspect\": false";
        buf += ", \"echoed\": {\"mp_capable_keys\": [";
        for (size_t k = 0; k < s.echoed_keys.size(); ++k) {
            buf += k ? ", \"" : "\"";
            put_key(buf, s.echoed_keys[k]);
            buf += '"';
        }
        buf += s.echoed_keyless ? "], \"keyless\": true, \"kinds\": [" : "], \"keyless\": false, \"kinds\": [";
        put_kinds(buf, s, ", ");
        buf += "]}";
        if (s.synacks > 0) {
            buf += ", \"hops\": {\"min\": ";
            put_uint(buf, s.min_hops);
            buf += ", \"max\": ";
            put_uint(buf, s.max_hops);
            buf += '}';
        } else {
            buf += ", \"hops\": {\"min\": null, \"max\": null}";
        }
        buf += ", \"hop_mismatches\": ";
        put_uint(buf, s.hop_mismatches);
        buf += ", \"syn_proxies\": ";
        put_uint(buf, s.syn_proxies);
        buf += ", \"first_evidence_frame\": ";
        put_json_frame(buf, s.first_evidence_frame);
        buf += ", \"first_synack_frame\": ";
        put_json_frame(buf, s.first_synack_frame);
        buf += '}';
        flush_if_full(out_, buf);
    }

    void finish(const Totals& t) override {
        std::ostream& out = out_;
        write_out(out, buf_);
        out << (rows_ == 0 ? "],\n" : "\n  ],\n");
        out << "  \"totals\": {\"servers\": " << t.servers << ", \"suspect_servers\": " << t.suspect_servers
            << ", \"handshakes\": " << t.handshakes << ", \"synacks\": " << t.synacks << ", \"verdicts\": ";
        {
            Buf v;
            put_json_verdicts(v, t.verdicts);
            out << v.view();
        }
        out << ",\n             \"mp_capable\": {\"synacks\": " << t.synacks_with_mp_capable
            << ", \"genuine\": " << t.mp_capable_genuine << ", \"echoed\": " << t.mp_capable_echoed << "}"
            << ", \"unknown_options\": {\"synacks\": " << t.synacks_with_unknown_option
            << ", \"echoed\": " << t.unknown_option_echoed << "}, \"syn_proxies\": " << t.syn_proxies << ",\n"
            << "             \"evictions\": " << t.evictions << ", \"hidden_frames\": " << t.hidden_frames
            << ", \"hidden_handshakes\": " << t.hidden_handshakes
            << ", \"read_filtered_frames\": " << t.read_filtered_frames
            << ", \"reliable\": " << (t.unreliable() ? "false" : "true") << "},\n";
        const std::vector<std::string> notes = report_notes(t, request_);
        out << "  \"notes\": [";
        for (size_t i = 0; i < notes.size(); ++i) out << (i ? ",\n    " : "\n    ") << json_string(notes[i]);
        out << (notes.empty() ? "]\n" : "\n  ]\n");
        out << "}\n";
    }

private:
    std::ostream& out_;
    const ReportRequest& request_;
    Buf buf_;
    size_t rows_ = 0;
};

// A header line, then one line per server, streamed. No totals, no notes.
class CsvWriter final : public ServerReportWriter {
public:
    explicit CsvWriter(std::ostream& out) : out_(out) {
        out << "address,port,handshakes,synacks";
        for (int v = 1; v < kVerdictCount; ++v) out << ',' << verdict_name(static_cast<Verdict>(v));
        out << ",suspect,echoed_mp_capable_keys,echoed_keyless,echoed_kinds,hops_min,hops_max,hop_mismatches,"
               "first_evidence_frame,first_synack_frame,syn_proxies\n";
    }

    void row(const ServerSummary& s) override {
        // Addresses, keys and kinds never hold a comma, quote or line break:
        // no field of a row needs quoting.
        Buf& buf = buf_;
        put_address(buf, s.address);
        buf += ',';
        put_uint(buf, s.port);
        buf += ',';
        put_uint(buf, s.handshakes);
        buf += ',';
        put_uint(buf, s.synacks);
        for (int v = 1; v < kVerdictCount; ++v) {
            buf += ',';
            put_uint(buf, s.verdicts[v]);
        }
        buf += s.suspect() ? ",1," : ",0,";
        for (size_t k = 0; k < s.echoed_keys.size(); ++k) {
            if (k > 0) buf += ' ';
            put_key(buf, s.echoed_keys[k]);
        }
        buf += s.echoed_keyless ? ",1," : ",0,";
        put_kinds(buf, s, " ");
        buf += ',';
        if (s.synacks > 0) {
            put_uint(buf, s.min_hops);
            buf += ',';
            put_uint(buf, s.max_hops);
        } else {
            buf += ',';
        }
        buf += ',';
        put_uint(buf, s.hop_mismatches);
        buf += ',';
        if (s.first_evidence_frame) put_uint(buf, s.first_evidence_frame);
        buf += ',';
        if (s.first_synack_frame) put_uint(buf, s.first_synack_frame);
        buf += ',';
        put_uint(buf, s.syn_proxies);
        buf += '\n';
        flush_if_full(out_, buf);
    }

    void finish(const Totals&) override { write_out(out_, buf_); }

private:
    std::ostream& out_;
    Buf buf_;
};

void write_all(ServerReportWriter& w, const std::vector<ServerSummary>& rows, const Totals& t) {
    for (const ServerSummary& s : rows) w.row(s);
    w.finish(t);
}

}  // namespace

std::unique_ptr<ServerReportWriter> make_report_writer(ReportForm form, std::ostream& out, const ReportRequest& r) {
    switch (form) {
        case ReportForm::Text: return std::make_unique<TextWriter>(out, r);
        case ReportForm::Json: return std::make_unique<JsonWriter>(out, r);
        case ReportForm::Csv: return std::make_unique<CsvWriter>(out);
        case ReportForm::Pairs: break;
    }
    return nullptr;
}

void write_text(std::ostream& out, const std::vector<ServerSummary>& rows, const Totals& t, const ReportRequest& r) {
    TextWriter w(out, r);
    write_all(w, rows, t);
}

void write_json(std::ostream& out, const std::vector<ServerSummary>& rows, const Totals& t, const ReportRequest& r) {
    JsonWriter w(out, r);
    write_all(w, rows, t);
}

void write_csv(std::ostream& out, const std::vector<ServerSummary>& rows) {
    CsvWriter w(out);
    write_all(w, rows, Totals{});
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
