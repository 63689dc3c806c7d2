// The text form: a table with one row per server (the columns of
// ReportSchema.h's kTextColumns), then the totals and the notes.
#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "middlebox/Describe.h"
#include "middlebox/ReportSchema.h"
#include "report/ReportWriters.h"

namespace middlebox::report {

namespace {

// What a cell shows for nothing (no SYN+ACK, no evidence, nothing echoed):
// a table needs something to read down a column.
constexpr char kEmptyCell = '-';

void put_cell(TextBuffer& s, const TextColumn& col, const ServerSummary& r) {
    const size_t start = s.size();
    switch (col.first) {
        case ServerField::Address: put_endpoint(s, r.server.address, r.server.port); break;
        case ServerField::Handshakes: put_uint(s, r.handshakes); break;
        case ServerField::Synacks: put_uint(s, r.synacks); break;
        case ServerField::Verdicts: put_verdict_list(s, r.verdicts); break;
        case ServerField::EchoedKeys: put_echoed(s, r); break;
        case ServerField::HopsMin:
            if (r.synacks > 0) put_hops(s, r.min_hops, r.max_hops);
            break;
        case ServerField::HopMismatches: put_uint(s, r.hop_mismatches); break;
        case ServerField::FirstEvidenceFrame:
            if (r.first_evidence_frame != 0) put_uint(s, r.first_evidence_frame);
            break;
        default: break;  // no column starts there
    }
    if (s.size() == start) s += kEmptyCell;
}

void rule(std::ostream& out, size_t width, char c) { out << std::string(width, c) << '\n'; }

// The columns are as wide as their widest cell, so the cells are kept (one
// buffer for all of them) until finish().
class TextWriter final : public ServerReportWriter {
public:
    TextWriter(std::ostream& out, const ReportRequest& r) : out_(out), request_(r) {
        for (size_t c = 0; c < kCols; ++c) width_[c] = kTextColumns[c].heading.size();
    }

    void row(const ServerSummary& s) override {
        RowCells rc;
        rc.start = cells_.size();
        for (size_t c = 0; c < kCols; ++c) {
            put_cell(cells_, kTextColumns[c], s);
            rc.end[c] = static_cast<uint16_t>(cells_.size() - rc.start);
            width_[c] = std::max<size_t>(width_[c], rc.end[c] - (c == 0 ? 0 : rc.end[c - 1]));
        }
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
        TextBuffer buf;
        // A line is blanked to its full width, the cells copied to their
        // columns, trailing blanks dropped.
        auto line = [&](auto&& text_of) {
            char* const p = buf.end(total_width + 1);
            std::memset(p, ' ', total_width);
            size_t at = 0, used = 0;
            for (size_t c = 0; c < kCols; ++c) {
                const std::string_view v = text_of(c);
                if (!v.empty()) {
                    const size_t from = kTextColumns[c].right_aligned ? at + width[c] - v.size() : at;
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
            if (r.scope != ReportScope::All && t.handshakes > 0)
                out << (r.scope == ReportScope::Answered ? "No server answered with a SYN+ACK"
                                                         : "No server is a suspect")
                    << " (only " << report_scope_name(r.scope) << ").\n";
            else
                out << "No SYN, SYN+ACK or RST of a TCP handshake reached the report.\n";
        } else {
            line([&](size_t c) { return kTextColumns[c].heading; });
            for (const RowCells& rc : index_) line([&](size_t c) { return cell(rc, c); });
            write_out(out, buf);
        }
        rule(out, rule_width, '-');
        out << "Totals\n";
        out << "  Servers: ";
        if (r.scope == ReportScope::All)
            out << t.servers;
        else  // the servers that never answered are not counted
            out << index_.size() << " listed (only " << report_scope_name(r.scope) << ")";
        out << ", suspected of echoing: " << t.suspect_servers
            << " (at least one mptcp-echo, option-echo or flag-echo handshake)\n";
        out << "  Handshakes: " << t.handshakes << ", answered by a SYN+ACK: " << t.synacks << '\n';
        const std::string verdicts = verdict_list(t.verdicts);
        out << "  Verdicts: ";
        if (verdicts.empty())
            out << kEmptyCell;
        else
            out << verdicts;
        out << '\n';
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
        out << "  SYN+ACKs sent by a box that answered for the server (SYN proxy): " << t.syn_proxies
            << "; their options are the box's, what the server supports is unknown\n";
        if (!t.probe.empty())
            out << "  SYN+ACKs without their SYN, compared against the probe template " << t.probe << ": "
                << t.against_probe << '\n';
        out << "  Pending SYNs dropped at the cap: " << t.evictions << '\n';
        if (r.live) out << "  Frames the kernel dropped (live capture): " << t.kernel_drops << '\n';
        out << "  Handshake frames hidden from the report: " << t.hidden_frames
            << " (handshakes wholly hidden: " << t.hidden_handshakes << ")\n";
        for (const std::string& n : report_notes(t, r)) out << "Note: " << n << '\n';
        rule(out, rule_width, '=');
    }

private:
    static constexpr size_t kCols = kTextColumnCount;
    // Where a row's cells start in cells_ and where each ends (a cell is
    // short: a row stays far below 64 KiB even with 256 echoed kinds).
    struct RowCells {
        size_t start;
        uint16_t end[kCols];
    };

    std::ostream& out_;
    const ReportRequest& request_;
    TextBuffer cells_;
    std::vector<RowCells> index_;
    size_t width_[kCols];  // widest cell so far, header included
};

}  // namespace

std::unique_ptr<ServerReportWriter> make_text_writer(std::ostream& out, const ReportRequest& r) {
    return std::make_unique<TextWriter>(out, r);
}

}  // namespace middlebox::report
