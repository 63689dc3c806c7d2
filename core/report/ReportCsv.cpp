// The CSV form: a header line, then one line per server, streamed; the
// columns are ReportSchema.h's kCsvFields. No totals, no notes.
#include "middlebox/Describe.h"
#include "middlebox/ReportSchema.h"
#include "report/ReportWriters.h"

namespace middlebox::report {

namespace {

// Verdicts added after the CSV was published get their columns after all
// the others, like appended fields: no published column ever moves.
constexpr int kFirstAppendedVerdict = static_cast<int>(Verdict::FlagEcho);

// One field's cells. Addresses, keys and kinds never hold a comma, quote or
// line break: no cell needs quoting. Nothing to show is an empty cell.
void put_cells(TextBuffer& s, ServerField f, const ServerSummary& r) {
    switch (f) {
        case ServerField::Address: put_address(s, r.server.address); break;
        case ServerField::Family: put_uint(s, r.server.address.family); break;
        case ServerField::Port: put_uint(s, r.server.port); break;
        case ServerField::Handshakes: put_uint(s, r.handshakes); break;
        case ServerField::Synacks: put_uint(s, r.synacks); break;
        case ServerField::Verdicts:
            for (int v = 1; v < kFirstAppendedVerdict; ++v) {
                if (v > 1) s += ',';
                put_uint(s, r.verdicts[v]);
            }
            break;
        case ServerField::Suspect: s += r.suspect() ? '1' : '0'; break;
        case ServerField::EchoedKeys:
            for (size_t k = 0; k < r.echoed_keys.size(); ++k) {
                if (k > 0) s += ' ';
                put_key(s, r.echoed_keys[k]);
            }
            break;
        case ServerField::EchoedKeyless: s += r.echoed_keyless ? '1' : '0'; break;
        case ServerField::EchoedKinds: put_kind_list(s, r.echoed_kinds, " "); break;
        case ServerField::EchoedFlags: s += r.echoed_flags ? '1' : '0'; break;
        case ServerField::HopsMin:
            if (r.synacks > 0) put_uint(s, r.min_hops);
            break;
        case ServerField::HopsMax:
            if (r.synacks > 0) put_uint(s, r.max_hops);
            break;
        case ServerField::HopMismatches: put_uint(s, r.hop_mismatches); break;
        case ServerField::SynProxies: put_uint(s, r.syn_proxies); break;
        case ServerField::FirstEvidenceFrame:
            if (r.first_evidence_frame != 0) put_uint(s, r.first_evidence_frame);
            break;
        case ServerField::FirstSynackFrame:
            if (r.first_synack_frame != 0) put_uint(s, r.first_synack_frame);
            break;
    }
}

class CsvWriter final : public ServerReportWriter {
public:
    explicit CsvWriter(std::ostream& out) : out_(out) {
        TextBuffer head;
        for (size_t i = 0; i < kCsvFields.size(); ++i) {
            if (i > 0) head += ',';
            if (kCsvFields[i] != ServerField::Verdicts) {
                head += server_field(kCsvFields[i]).csv;
                continue;
            }
            for (int v = 1; v < kFirstAppendedVerdict; ++v) {
                if (v > 1) head += ',';
                head += verdict_name(static_cast<Verdict>(v));
            }
        }
        for (int v = kFirstAppendedVerdict; v < kVerdictCount; ++v) {
            head += ',';
            head += verdict_name(static_cast<Verdict>(v));
        }
        head += '\n';
        write_out(out, head);
    }

    void row(const ServerSummary& s) override {
        TextBuffer& buf = buf_;
        for (size_t i = 0; i < kCsvFields.size(); ++i) {
            if (i > 0) buf += ',';
            put_cells(buf, kCsvFields[i], s);
        }
        for (int v = kFirstAppendedVerdict; v < kVerdictCount; ++v) {
            buf += ',';
            put_uint(buf, s.verdicts[v]);
        }
        buf += '\n';
        flush_if_full(out_, buf);
    }

    void finish(const Totals&) override { write_out(out_, buf_); }

private:
    std::ostream& out_;
    TextBuffer buf_;
};

}  // namespace

std::unique_ptr<ServerReportWriter> make_csv_writer(std::ostream& out) { return std::make_unique<CsvWriter>(out); }

}  // namespace middlebox::report
