// Inside the report: the per-server writers, one file each (ReportText.cpp,
// ReportJson.cpp, ReportCsv.cpp), and how they hand their buffer to the
// stream. The table of forms (ReportFormat.cpp) names each one.
#pragma once

#include <memory>
#include <ostream>

#include "middlebox/ReportFormat.h"
#include "middlebox/TextBuffer.h"
#include "middlebox/Verdict.h"

namespace middlebox::report {

std::unique_ptr<ServerReportWriter> make_text_writer(std::ostream& out, const ReportRequest& r);
std::unique_ptr<ServerReportWriter> make_json_writer(std::ostream& out, const ReportRequest& r,
                                                     const std::string& probe);
std::unique_ptr<ServerReportWriter> make_csv_writer(std::ostream& out);

class JsonOut;

// The verdict counts as the JSON form and the NDJSON stream both write
// them: {"mptcp-echo": 2, "plain": 1} (non-zero counts in verdict order).
void put_verdicts(JsonOut& j, const uint32_t (&verdicts)[kVerdictCount]);

// The buffer to the stream, emptied.
inline void write_out(std::ostream& out, TextBuffer& buf) {
    out.write(buf.view().data(), static_cast<std::streamsize>(buf.size()));
    buf.clear();
}

// ... once it holds enough for one write to be worth it.
inline void flush_if_full(std::ostream& out, TextBuffer& buf) {
    if (buf.size() >= (size_t{1} << 16)) write_out(out, buf);
}

}  // namespace middlebox::report
