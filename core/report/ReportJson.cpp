// The JSON form: one document, the servers streamed as they come, each an
// object whose keys are ReportSchema.h's kServerFields.
#include <string>
#include <string_view>
#include <vector>

#include "middlebox/Describe.h"
#include "middlebox/ReportSchema.h"
#include "report/JsonOut.h"
#include "report/ReportWriters.h"

namespace middlebox::report {

// {"mptcp-echo": 2, "plain": 1}: the non-zero counts, in verdict order.
void put_verdicts(JsonOut& j, const uint32_t (&verdicts)[kVerdictCount]) {
    j.begin_object();
    for (int v = 1; v < kVerdictCount; ++v)
        if (verdicts[v] != 0) j.key(verdict_name(static_cast<Verdict>(v))).number(verdicts[v]);
    j.end_object();
}

namespace {

// One field's value (the row's keys are laid out ahead). Addresses, keys
// and verdict names need no escaping.
void put_value(JsonOut& j, ServerField f, const ServerSummary& r) {
    switch (f) {
        case ServerField::Address: j.string_with([&](TextBuffer& s) { put_address(s, r.server.address); }); break;
        case ServerField::Family: j.number(r.server.address.family); break;
        case ServerField::Port: j.number(r.server.port); break;
        case ServerField::Handshakes: j.number(r.handshakes); break;
        case ServerField::Synacks: j.number(r.synacks); break;
        case ServerField::Verdicts: put_verdicts(j, r.verdicts); break;
        case ServerField::Suspect: j.boolean(r.suspect()); break;
        case ServerField::EchoedKeys:
            j.begin_array();
            for (const uint64_t key : r.echoed_keys) j.item().string_with([&](TextBuffer& s) { put_key(s, key); });
            j.end_array();
            break;
        case ServerField::EchoedKeyless: j.boolean(r.echoed_keyless); break;
        case ServerField::EchoedKinds:
            j.begin_array();
            if (r.echoed_kinds.any())  // most rows: no walk over 256 bits
                for (unsigned k = 0; k < 256; ++k)
                    if (r.echoed_kinds[k]) j.item().number(k);
            j.end_array();
            break;
        case ServerField::EchoedFlags: j.boolean(r.echoed_flags); break;
        case ServerField::HopsMin: j.number_or_null(r.synacks > 0, r.min_hops); break;
        case ServerField::HopsMax: j.number_or_null(r.synacks > 0, r.max_hops); break;
        case ServerField::HopMismatches: j.number(r.hop_mismatches); break;
        case ServerField::SynProxies: j.number(r.syn_proxies); break;
        case ServerField::FirstEvidenceFrame:
            j.number_or_null(r.first_evidence_frame != 0, r.first_evidence_frame);
            break;
        case ServerField::FirstSynackFrame: j.number_or_null(r.first_synack_frame != 0, r.first_synack_frame); break;
    }
}

// A row's keys, as the schema names them.
std::vector<std::string_view> row_keys() {
    std::vector<std::string_view> keys;
    for (const ServerFieldSpec& f : kServerFields) keys.emplace_back(f.json);
    return keys;
}

// The document's own layout: its members one per line, the servers and
// the notes one per line below them.
constexpr JsonLayout kDocument{"\n  ", ",\n  ", "\n"};
constexpr JsonLayout kList{"\n    ", ",\n    ", "\n  "};
// Where the totals' line is broken: under the first of its keys.
constexpr JsonSep kTotalsWrap = ",\n             ";

class JsonWriter final : public ServerReportWriter {
public:
    JsonWriter(std::ostream& out, const ReportRequest& r, const std::string& probe) : out_(out), request_(r) {
        json_.begin_object(kDocument);
        json_.key("report").name("middlebox");
        json_.key("version").number(1);
        json_.key("filter").string_or_null(r.has_filter, r.filter);
        if (r.scope != ReportScope::All) json_.key("only").name(report_scope_name(r.scope));
        if (!probe.empty()) json_.key("probe").string(probe);
        json_.key("servers").begin_array(kList);
    }

    void row(const ServerSummary& s) override {
        json_.item();
        for (size_t i = 0; i < kServerFieldCount; ++i) put_value(row_.key(json_, i), kServerFields[i].field, s);
        row_.end(json_);
        ++rows_;
        flush_if_full(out_, buf_);
    }

    void finish(const Totals& t) override {
        JsonOut& j = json_;
        j.end_array();
        j.key("totals").begin_object();
        // Under a scope the servers that never answered are not counted.
        if (request_.scope == ReportScope::All) {
            j.key("servers").number(t.servers);
        } else {
            j.key("servers").null();
            j.key("servers_listed").number(rows_);
        }
        j.key("suspect_servers").number(t.suspect_servers);
        j.key("handshakes").number(t.handshakes);
        j.key("synacks").number(t.synacks);
        put_verdicts(j.key("verdicts"), t.verdicts);
        j.wrap(kTotalsWrap);
        j.key("mp_capable").begin_object();
        j.key("synacks").number(t.synacks_with_mp_capable);
        j.key("genuine").number(t.mp_capable_genuine);
        j.key("echoed").number(t.mp_capable_echoed);
        j.end_object();
        j.key("unknown_options").begin_object();
        j.key("synacks").number(t.synacks_with_unknown_option);
        j.key("echoed").number(t.unknown_option_echoed);
        j.end_object();
        j.key("syn_proxies").number(t.syn_proxies);
        j.wrap(kTotalsWrap);
        j.key("evictions").number(t.evictions);
        j.key("hidden_frames").number(t.hidden_frames);
        j.key("hidden_handshakes").number(t.hidden_handshakes);
        j.key("read_filtered_frames").number(t.read_filtered_frames);
        if (!t.probe.empty()) j.key("against_probe").number(t.against_probe);
        if (request_.live) j.key("kernel_drops").number(t.kernel_drops);
        j.key("reliable").boolean(t.reliable());
        j.end_object();
        j.key("notes").begin_array(kList);
        for (const std::string& note : report_notes(t, request_)) j.item().string(note);
        j.end_array();
        j.end_object();
        buf_ += '\n';
        write_out(out_, buf_);
    }

private:
    std::ostream& out_;
    const ReportRequest& request_;
    const JsonRecord row_{row_keys()};
    TextBuffer buf_;
    JsonOut json_{buf_};
    size_t rows_ = 0;
};

}  // namespace

std::unique_ptr<ServerReportWriter> make_json_writer(std::ostream& out, const ReportRequest& r,
                                                     const std::string& probe) {
    return std::make_unique<JsonWriter>(out, r, probe);
}

}  // namespace middlebox::report
