// The JSON form: one document, the servers streamed as they come, each an
// object whose keys are ReportSchema.h's kServerFields.
#include <array>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "middlebox/Describe.h"
#include "middlebox/ReportSchema.h"
#include "report/ReportWriters.h"

namespace middlebox::report {

void put_null_or_uint(TextBuffer& s, bool present, uint64_t v) {
    if (present)
        put_uint(s, v);
    else
        s += "null";
}

void put_bool(TextBuffer& s, bool v) { s += v ? std::string_view("true") : std::string_view("false"); }

// {"mptcp-echo": 2, "plain": 1}: the non-zero counts, in verdict order.
void put_verdicts(TextBuffer& s, const uint32_t (&verdicts)[kVerdictCount]) {
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

namespace {

// One field's value. Addresses, keys and verdict names need no escaping.
void put_value(TextBuffer& s, ServerField f, const ServerSummary& r) {
    switch (f) {
        case ServerField::Address:
            s += '"';
            put_address(s, r.address);
            s += '"';
            break;
        case ServerField::Family: put_uint(s, r.address.family); break;
        case ServerField::Port: put_uint(s, r.port); break;
        case ServerField::Handshakes: put_uint(s, r.handshakes); break;
        case ServerField::Synacks: put_uint(s, r.synacks); break;
        case ServerField::Verdicts: put_verdicts(s, r.verdicts); break;
        case ServerField::Suspect: put_bool(s, r.suspect()); break;
        case ServerField::EchoedKeys:
            s += '[';
            for (size_t k = 0; k < r.echoed_keys.size(); ++k) {
                s += k ? ", \"" : "\"";
                put_key(s, r.echoed_keys[k]);
                s += '"';
            }
            s += ']';
            break;
        case ServerField::EchoedKeyless: put_bool(s, r.echoed_keyless); break;
        case ServerField::EchoedKinds:
            s += '[';
            put_kind_list(s, r.echoed_kinds, ", ");
            s += ']';
            break;
        case ServerField::EchoedFlags: put_bool(s, r.echoed_flags); break;
        case ServerField::HopsMin: put_null_or_uint(s, r.synacks > 0, r.min_hops); break;
        case ServerField::HopsMax: put_null_or_uint(s, r.synacks > 0, r.max_hops); break;
        case ServerField::HopMismatches: put_uint(s, r.hop_mismatches); break;
        case ServerField::SynProxies: put_uint(s, r.syn_proxies); break;
        case ServerField::FirstEvidenceFrame:
            put_null_or_uint(s, r.first_evidence_frame != 0, r.first_evidence_frame);
            break;
        case ServerField::FirstSynackFrame: put_null_or_uint(s, r.first_synack_frame != 0, r.first_synack_frame); break;
    }
}

// "echoed.kinds" -> object "echoed", key "kinds"; "port" -> no object.
std::string_view object_of(std::string_view key) {
    const size_t dot = key.find('.');
    return dot == std::string_view::npos ? std::string_view() : key.substr(0, dot);
}
std::string_view name_of(std::string_view key) {
    const size_t dot = key.find('.');
    return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

// A short constant text copied as one fixed-size block (a few register
// moves, where a copy of its own length is a call to memcpy): a row has a
// dozen and a half of them.
class Piece {
public:
    Piece() = default;
    explicit Piece(std::string_view text) : text_(text) {
        len_ = text.size() <= kSize ? text.size() : 0;
        if (len_ != 0) std::memcpy(bytes_, text.data(), len_);
    }
    void put(TextBuffer& s) const {
        if (len_ == 0) {  // longer than a block (or empty)
            s += text_;
            return;
        }
        std::memcpy(s.end(kSize), bytes_, kSize);
        s.advance(len_);
    }

private:
    static constexpr size_t kSize = 32;
    char bytes_[kSize] = {};
    size_t len_ = 0;
    std::string text_;
};

class JsonWriter final : public ServerReportWriter {
public:
    JsonWriter(std::ostream& out, const ReportRequest& r, const std::string& probe) : out_(out), request_(r) {
        // What goes before each value of a row, and after the last, made
        // once from the schema: a row is then a copy and a value per field.
        std::string_view open;  // the object the previous field is in
        for (size_t i = 0; i < kServerFieldCount; ++i) {
            const std::string_view key = kServerFields[i].json;
            std::string p;
            if (object_of(key) != open && !open.empty()) p += '}';
            p += i == 0 ? "{" : ", ";
            if (object_of(key) != open && !object_of(key).empty()) {
                p += '"';
                p += object_of(key);
                p += "\": {";
            }
            open = object_of(key);
            p += '"';
            p += name_of(key);
            p += "\": ";
            before_[i] = Piece(p);
        }
        after_ = Piece(open.empty() ? "}" : "}}");

        out << "{\n";
        out << "  \"report\": \"middlebox\",\n";
        out << "  \"version\": 1,\n";
        out << "  \"filter\": " << (r.has_filter ? json_string(r.filter) : std::string("null")) << ",\n";
        if (r.scope != ReportScope::All) out << "  \"only\": \"" << report_scope_name(r.scope) << "\",\n";
        if (!probe.empty()) out << "  \"probe\": \"" << probe << "\",\n";
        out << "  \"servers\": [";
    }

    void row(const ServerSummary& s) override {
        TextBuffer& buf = buf_;
        buf += rows_++ == 0 ? "\n    " : ",\n    ";
        for (size_t i = 0; i < kServerFieldCount; ++i) {
            before_[i].put(buf);
            put_value(buf, kServerFields[i].field, s);
        }
        after_.put(buf);
        flush_if_full(out_, buf);
    }

    void finish(const Totals& t) override {
        std::ostream& out = out_;
        write_out(out, buf_);
        out << (rows_ == 0 ? "],\n" : "\n  ],\n");
        // Under a scope the servers that never answered are not counted.
        out << "  \"totals\": {\"servers\": ";
        if (request_.scope == ReportScope::All)
            out << t.servers;
        else
            out << "null, \"servers_listed\": " << rows_;
        out << ", \"suspect_servers\": " << t.suspect_servers << ", \"handshakes\": " << t.handshakes
            << ", \"synacks\": " << t.synacks << ", \"verdicts\": ";
        {
            TextBuffer v;
            put_verdicts(v, t.verdicts);
            out << v.view();
        }
        out << ",\n             \"mp_capable\": {\"synacks\": " << t.synacks_with_mp_capable
            << ", \"genuine\": " << t.mp_capable_genuine << ", \"echoed\": " << t.mp_capable_echoed << "}"
            << ", \"unknown_options\": {\"synacks\": " << t.synacks_with_unknown_option
            << ", \"echoed\": " << t.unknown_option_echoed << "}, \"syn_proxies\": " << t.syn_proxies << ",\n"
            << "             \"evictions\": " << t.evictions << ", \"hidden_frames\": " << t.hidden_frames
            << ", \"hidden_handshakes\": " << t.hidden_handshakes
            << ", \"read_filtered_frames\": " << t.read_filtered_frames;
        if (!t.probe.empty()) out << ", \"against_probe\": " << t.against_probe;
        if (request_.live) out << ", \"kernel_drops\": " << t.kernel_drops;
        out << ", \"reliable\": " << (t.reliable() ? "true" : "false") << "},\n";
        const std::vector<std::string> notes = report_notes(t, request_);
        out << "  \"notes\": [";
        for (size_t i = 0; i < notes.size(); ++i) out << (i ? ",\n    " : "\n    ") << json_string(notes[i]);
        out << (notes.empty() ? "]\n" : "\n  ]\n");
        out << "}\n";
    }

private:
    std::ostream& out_;
    const ReportRequest& request_;
    std::array<Piece, kServerFieldCount> before_;
    Piece after_;
    TextBuffer buf_;
    size_t rows_ = 0;
};

}  // namespace

std::unique_ptr<ServerReportWriter> make_json_writer(std::ostream& out, const ReportRequest& r,
                                                     const std::string& probe) {
    return std::make_unique<JsonWriter>(out, r, probe);
}

}  // namespace middlebox::report
