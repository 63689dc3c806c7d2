// The NDJSON stream (StreamReport.h).
#include "middlebox/Describe.h"
#include "middlebox/StreamReport.h"
#include "report/JsonOut.h"
#include "report/ReportWriters.h"

namespace middlebox {

using report::JsonOut;
using report::JsonRecord;
using report::put_verdicts;

namespace {

// A handshake's line: its keys, in order (against_probe, last, only with a
// probe template).
enum class LineKey : uint8_t {
    SynFrame,
    AnswerFrame,
    Answer,
    Client,
    Server,
    Verdict,
    Hops,
    Diff,
    Echoed,
    AgainstProbe
};
const JsonRecord kLine({"syn_frame", "answer_frame", "answer", "client", "server", "verdict", "hops", "diff", "echoed",
                        "against_probe"});

JsonOut& key(JsonOut& j, LineKey k) { return kLine.key(j, static_cast<size_t>(k)); }

void put_endpoint(JsonOut& j, const Address& a, uint16_t port) {
    j.string_with([&](TextBuffer& s) { put_endpoint(s, a, port); });
}

// {"a": 1, "b": 2}; the names are plain ASCII.
void put_counts(JsonOut& j, const std::vector<std::pair<std::string_view, uint64_t>>& counts) {
    j.begin_object();
    for (const auto& [name, n] : counts) j.key(name).number(n);
    j.end_object();
}

}  // namespace

void NdjsonWriter::handshake(const Correlator& c, uint32_t index) {
    const Handshake& hs = c.handshake(index);
    if (!in_scope(scope_, hs)) return;
    const FlowTuple& t = c.endpoints(index);
    JsonOut j(buf_);
    key(j, LineKey::SynFrame).number_or_null(hs.syn_frame != 0, hs.syn_frame);
    key(j, LineKey::AnswerFrame).number_or_null(hs.answered() && hs.answer_frame != 0, hs.answer_frame);
    if (hs.answered())
        key(j, LineKey::Answer).name(role_key(hs.answer_role));
    else
        key(j, LineKey::Answer).null();
    put_endpoint(key(j, LineKey::Client), t.src, t.src_port);
    put_endpoint(key(j, LineKey::Server), t.dst, t.dst_port);
    key(j, LineKey::Verdict).name(verdict_name(hs.verdict));
    key(j, LineKey::Hops).number_or_null(hs.answered(), estimated_hops(hs.answer_ttl));
    if (hs.pair != kNone) {
        const PairedOptions& p = c.pair(hs.pair);
        key(j, LineKey::Diff).string(p.diff());
        key(j, LineKey::Echoed)
            .string(hs.facts & bits(HandshakeFact::Evidence) ? echoed_text(p.evidence) : std::string());
    } else {
        key(j, LineKey::Diff).null();
        key(j, LineKey::Echoed).string("");
    }
    if (c.probe() != nullptr) key(j, LineKey::AgainstProbe).boolean(hs.against_probe());
    kLine.end(j);
    buf_ += '\n';
    report::flush_if_full(out_, buf_);
}

void NdjsonWriter::count(const Correlator& c, uint32_t index) {
    const Handshake& hs = c.handshake(index);
    count_handshake(&counts_, hs);
    if (hs.syn_proxy()) ++syn_proxies_;
}

void NdjsonWriter::finish(const Correlator& c, const std::vector<std::pair<std::string_view, uint64_t>>& frames,
                          const std::vector<std::string>& notes, bool live, uint64_t kernel_drops) {
    const StudyCounts& n = counts_;
    JsonOut j(buf_);
    j.begin_object();
    j.key("totals").begin_object();
    j.key("handshakes").number(n.handshakes);
    j.key("synacks").number(n.synacks);
    put_verdicts(j.key("verdicts"), n.verdicts);
    put_counts(
        j.key("mp_capable"),
        {{"synacks", n.synacks_with_mp_capable}, {"genuine", n.mp_capable_genuine}, {"echoed", n.mp_capable_echoed}});
    put_counts(j.key("unknown_options"),
               {{"synacks", n.synacks_with_unknown_option}, {"echoed", n.unknown_option_echoed}});
    j.key("syn_proxies").number(syn_proxies_);
    j.key("evictions").number(c.evictions());
    j.key("expired").number(c.expired());
    if (c.probe() != nullptr) j.key("against_probe").number(n.against_probe);
    if (live) {
        j.key("kernel_drops").number(kernel_drops);
        j.key("reliable").boolean(kernel_drops == 0);
    }
    j.end_object();
    put_counts(j.key("frames"), frames);
    if (scope_ != ReportScope::All) j.key("only").name(report_scope_name(scope_));
    if (!notes.empty()) {
        j.key("notes").begin_array();
        for (const std::string& note : notes) j.item().string(note);
        j.end_array();
    }
    j.end_object();
    buf_ += '\n';
    flush();
}

void NdjsonWriter::flush() {
    report::write_out(out_, buf_);
    out_.flush();
}

}  // namespace middlebox
