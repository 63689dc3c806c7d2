// The `tshark -z middlebox[,FORM][,FILTER]` report, as text: argument
// parsing and the four output forms (text, json, csv, pairs). Pure
// formatting over the Registry's summaries: no Wireshark header, so the
// unit tests cover every byte of it. The schemas are documented in the
// README ("tshark -z middlebox"); every spelling in a cell is Describe.h's.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "middlebox/Correlator.h"
#include "middlebox/Registry.h"
#include "middlebox/Segment.h"
#include "middlebox/Verdict.h"

namespace middlebox {

enum class ReportForm : uint8_t { Text, Json, Csv, Pairs };

// "text", "json", "csv", "pairs".
const char* report_form_name(ReportForm f);

struct ReportRequest {
    ReportForm form = ReportForm::Text;
    bool form_given = false;  // FORM was spelt out (else the first argument, if any, is the filter)
    bool has_filter = false;
    std::string filter;       // display filter handed to the tap listener
};

// The -z prefix of the report, and of the stat-tap table that Wireshark's
// Statistics menu shows (the same totals; `-z middlebox_verdicts[,FILTER]`).
constexpr const char* kReportCli = "middlebox";
constexpr const char* kTableCli = "middlebox_verdicts";

// Parses the whole -z argument: "middlebox", "middlebox,json",
// "middlebox,csv,ip.addr==10.0.0.0/8", "middlebox,tcp.port==80" (a first
// argument that is not a form name is the filter; use
// "middlebox,text,json" to filter on the json protocol). The filter is the
// rest of the string, commas included. On error returns false and sets
// `error` to one line saying what is wrong (report_usage() lists the forms).
bool parse_report_request(std::string_view arg, ReportRequest* out, std::string* error);

// Lines listing the valid forms, for error messages.
std::string report_usage();

// What the reader must know about the numbers (hidden frames, a filter that
// hid whole handshakes, frame numbers that do not match the analysis,
// evictions), one sentence each; empty when there is nothing to say.
std::vector<std::string> report_notes(const Totals& t, const ReportRequest& r);

// ---- the forms ----

// The per-server forms (text, json, csv) written incrementally: row() once
// per server in report order, then finish() with the totals, which are only
// known once every row was seen. Nothing is written past finish().
class ServerReportWriter {
public:
    virtual ~ServerReportWriter() = default;
    virtual void row(const ServerSummary& s) = 0;
    virtual void finish(const Totals& t) = 0;
};

// A writer of `form` to `out` (`out` and `r` must outlive it); nullptr for
// the pairs form, which is not per server.
std::unique_ptr<ServerReportWriter> make_report_writer(ReportForm form, std::ostream& out, const ReportRequest& r);

// The whole of one form for rows already in a vector (tests, small reports).
// One row per server, then the totals and the notes.
void write_text(std::ostream& out, const std::vector<ServerSummary>& rows, const Totals& t, const ReportRequest& r);
// One JSON document (and nothing else): {"report", "version", "filter",
// "servers": [...], "totals": {...}, "notes": [...]}.
void write_json(std::ostream& out, const std::vector<ServerSummary>& rows, const Totals& t, const ReportRequest& r);
// A header line, then one line per server. No totals, no notes.
void write_csv(std::ostream& out, const std::vector<ServerSummary>& rows);

// One SYN/SYN+ACK pair of the pairs form.
struct PairRow {
    uint32_t syn_frame = 0;     // the SYN copy the SYN+ACK answers; 0: no SYN in the capture
    uint32_t synack_frame = 0;  // the first SYN+ACK
    FlowTuple server_to_client;
    Verdict verdict = Verdict::None;
    std::string diff;           // option_diff() of the SYN+ACK against the SYN
};

// Every handshake the registry saw that a SYN+ACK answered, by SYN+ACK frame.
std::vector<PairRow> pair_rows(const Correlator& c, const Registry& seen);

// A comment header, one tab-separated line per pair, the notes as comments.
void write_pairs(std::ostream& out, const std::vector<PairRow>& pairs, const Totals& t, const ReportRequest& r);

}  // namespace middlebox
