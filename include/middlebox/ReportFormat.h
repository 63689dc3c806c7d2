// The `tshark -z middlebox[,FORM][,FILTER]` report: the forms
// (report_forms(), ReportRequest.h) over the Registry's summaries. Pure formatting,
// no Wireshark header, so the unit tests cover every byte of it. The
// schemas are documented in the README ("tshark -z middlebox"); the
// per-server row is declared in ReportSchema.h, every spelling in a cell
// comes from Describe.h.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "middlebox/Correlator.h"
#include "middlebox/Registry.h"
#include "middlebox/ReportRequest.h"
#include "middlebox/Segment.h"
#include "middlebox/Verdict.h"

namespace middlebox {

// What the reader must know about the numbers (hidden frames, a filter that
// hid whole handshakes, frame numbers that do not match the analysis,
// evictions), one sentence each; empty when there is nothing to say.
std::vector<std::string> report_notes(const Totals& t, const ReportRequest& r);

// ---- the per-server forms: text, json, csv ----

// Written incrementally: row() once per server in report order, then
// finish() with the totals, which are only known once every row was seen.
// Nothing is written past finish().
//   text: one row per server, then the totals and the notes;
//   json: one JSON document (and nothing else): {"report", "version",
//         "filter", "servers": [...], "totals": {...}, "notes": [...]};
//   csv:  a header line, then one line per server; no totals, no notes.
class ServerReportWriter {
public:
    virtual ~ServerReportWriter() = default;
    virtual void row(const ServerSummary& s) = 0;
    virtual void finish(const Totals& t) = 0;
};

// A writer of the per-server `form` to `out` (`out` and `r` must outlive
// it); nullptr for the pairs form, which is not per server. `probe`: the probe template's
// text (ProbeTemplate::text()) when one was given, which the JSON's head
// names.
std::unique_ptr<ServerReportWriter> make_report_writer(ReportForm form, std::ostream& out, const ReportRequest& r,
                                                       const std::string& probe = std::string());

// ---- the whole report ----

// The report of `form` (r.form) over the handshakes `seen` holds, as
// `tshark -z middlebox` draws it at the end of a read and middlebox-scan
// at the end of its input: each server's row is summed into the totals and
// handed to the writer as it is made (no vector of a scan's million rows),
// then the totals; the other forms (pairs, path) get the totals and draw
// the whole report (ReportFormInfo::write).
void write_report(std::ostream& out, const Correlator& c, const Registry& seen, const ReportRequest& r);

// ---- the pairs form ----

// One SYN/SYN+ACK pair.
struct PairLine {
    uint32_t syn_frame = 0;      // the SYN copy the SYN+ACK answers; 0: no SYN in the capture
    uint32_t synack_frame = 0;   // the first SYN+ACK
    bool against_probe = false;  // no SYN: the probe template stood for it
    FlowTuple server_to_client;
    Verdict verdict = Verdict::None;
    std::string diff;  // option_diff() of the SYN+ACK against the SYN
};

// Every handshake the registry saw that a SYN+ACK answered (and `scope`
// lists), by SYN+ACK frame.
std::vector<PairLine> pair_lines(const Correlator& c, const Registry& seen, ReportScope scope = ReportScope::All);
// The row of handshake `index`, answered by a SYN+ACK; its pair must still
// be readable (a streaming correlator: right after the observe() that paired it).
PairLine pair_line(const Correlator& c, uint32_t index);
// Sorted by SYN+ACK frame.
void sort_pairs(std::vector<PairLine>& rows);

// A comment header, one tab-separated line per pair, the notes as comments.
void write_pairs(std::ostream& out, const std::vector<PairLine>& pairs, const Totals& t, const ReportRequest& r);

}  // namespace middlebox
