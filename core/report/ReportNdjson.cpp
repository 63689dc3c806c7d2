// The NDJSON stream (StreamReport.h).
#include "middlebox/Describe.h"
#include "middlebox/StreamReport.h"
#include "report/ReportWriters.h"

namespace middlebox {

using report::put_bool;
using report::put_null_or_uint;
using report::put_verdicts;

namespace {

void put_quoted_endpoint(TextBuffer& s, const Address& a, uint16_t port) {
    s += '"';
    put_endpoint(s, a, port);
    s += '"';
}

// {"a": 1, "b": 2}; the names are plain ASCII.
void put_counts(TextBuffer& s, const std::vector<std::pair<std::string_view, uint64_t>>& counts) {
    s += '{';
    for (size_t i = 0; i < counts.size(); ++i) {
        s += i ? ", \"" : "\"";
        s += counts[i].first;
        s += "\": ";
        put_uint(s, counts[i].second);
    }
    s += '}';
}

}  // namespace

void NdjsonWriter::handshake(const Correlator& c, uint32_t index) {
    const Handshake& hs = c.handshake(index);
    if (!in_scope(scope_, hs)) return;
    const FlowTuple& t = c.endpoints(index);
    TextBuffer& s = buf_;
    s += "{\"syn_frame\": ";
    put_null_or_uint(s, hs.syn_frame != 0, hs.syn_frame);
    s += ", \"answer_frame\": ";
    put_null_or_uint(s, hs.answered() && hs.answer_frame != 0, hs.answer_frame);
    s += ", \"answer\": ";
    if (hs.answered()) {
        s += '"';
        s += role_key(hs.answer_role);
        s += '"';
    } else {
        s += "null";
    }
    s += ", \"client\": ";
    put_quoted_endpoint(s, t.src, t.src_port);
    s += ", \"server\": ";
    put_quoted_endpoint(s, t.dst, t.dst_port);
    s += ", \"verdict\": \"";
    s += verdict_name(hs.verdict);
    s += "\", \"hops\": ";
    put_null_or_uint(s, hs.answered(), estimated_hops(hs.answer_ttl));
    s += ", \"diff\": ";
    if (hs.pair != kNone) {
        const PairedOptions& p = c.pair(hs.pair);
        s += json_string(p.diff());
        s += ", \"echoed\": ";
        s += json_string(hs.facts & bits(HandshakeFact::Evidence) ? echoed_text(p.evidence) : std::string());
    } else {
        s += "null, \"echoed\": \"\"";
    }
    if (c.probe() != nullptr) {
        s += ", \"against_probe\": ";
        put_bool(s, hs.against_probe());
    }
    s += "}\n";
    report::flush_if_full(out_, s);
}

void NdjsonWriter::count(const Correlator& c, uint32_t index) {
    const Handshake& hs = c.handshake(index);
    count_handshake(&counts_, hs);
    if (hs.syn_proxy()) ++syn_proxies_;
}

void NdjsonWriter::finish(const Correlator& c, const std::vector<std::pair<std::string_view, uint64_t>>& frames,
                          const std::vector<std::string>& notes, bool live, uint64_t kernel_drops) {
    const StudyCounts& n = counts_;
    TextBuffer& s = buf_;
    s += "{\"totals\": {\"handshakes\": ";
    put_uint(s, n.handshakes);
    s += ", \"synacks\": ";
    put_uint(s, n.synacks);
    s += ", \"verdicts\": ";
    put_verdicts(s, n.verdicts);
    s += ", \"mp_capable\": ";
    put_counts(
        s,
        {{"synacks", n.synacks_with_mp_capable}, {"genuine", n.mp_capable_genuine}, {"echoed", n.mp_capable_echoed}});
    s += ", \"unknown_options\": ";
    put_counts(s, {{"synacks", n.synacks_with_unknown_option}, {"echoed", n.unknown_option_echoed}});
    s += ", \"syn_proxies\": ";
    put_uint(s, syn_proxies_);
    s += ", \"evictions\": ";
    put_uint(s, c.evictions());
    s += ", \"expired\": ";
    put_uint(s, c.expired());
    if (c.probe() != nullptr) {
        s += ", \"against_probe\": ";
        put_uint(s, n.against_probe);
    }
    if (live) {
        s += ", \"kernel_drops\": ";
        put_uint(s, kernel_drops);
        s += ", \"reliable\": ";
        put_bool(s, kernel_drops == 0);
    }
    s += "}, \"frames\": ";
    put_counts(s, frames);
    if (scope_ != ReportScope::All) {
        s += ", \"only\": \"";
        s += report_scope_name(scope_);
        s += '"';
    }
    if (!notes.empty()) {
        s += ", \"notes\": [";
        for (size_t i = 0; i < notes.size(); ++i) {
            if (i > 0) s += ", ";
            s += json_string(notes[i]);
        }
        s += ']';
    }
    s += "}\n";
    flush();
}

void NdjsonWriter::flush() {
    report::write_out(out_, buf_);
    out_.flush();
}

}  // namespace middlebox
