// zmap's CSV results as the scanner's input (ZmapInput.h).
#include "ZmapInput.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include <zlib.h>

#include "middlebox/Describe.h"
#include "middlebox/ZmapCsv.h"

namespace middlebox_scan {

namespace {

// What the lines of a CSV file were: how many were read (the header
// included) and what became of each after the header.
struct CsvTally {
    uint32_t lines = 0;
    uint64_t outcomes[middlebox::kCsvOutcomeCount] = {};
};

// The next line into `line`, without its '\n'; false at the end.
bool read_line(gzFile in, std::vector<char>& buf, std::string* line) {
    line->clear();
    bool got = false;
    while (gzgets(in, buf.data(), static_cast<int>(buf.size())) != nullptr) {
        got = true;
        *line += buf.data();
        if (!line->empty() && line->back() == '\n') break;
    }
    if (!line->empty() && line->back() == '\n') line->pop_back();
    return got;
}

// The lines after the header: each usable one is handed to the scan as the
// segment it was, numbered by its line; the others are counted.
void scan_csv_lines(gzFile in, const middlebox::ZmapCsv& csv, Scan& scan, Progress& progress,
                    const std::function<bool()>& more, std::vector<char>& buf, CsvTally* tally) {
    std::string line;
    uint8_t options[middlebox::kMaxOptionBytes];
    while (more() && read_line(in, buf, &line)) {
        ++tally->lines;
        if (line.empty()) continue;
        middlebox::Segment seg;
        int64_t time_us = 0;
        const middlebox::CsvOutcome outcome = csv.line(line, &seg, options, &time_us);
        ++tally->outcomes[static_cast<int>(outcome)];
        if (outcome != middlebox::CsvOutcome::Answer) continue;
        scan.segment(seg, tally->lines, time_us);
        progress.tick(scan);
    }
}

// What the report's notes and stderr say of the file: what its frame
// numbers are, and which lines could not be used, and why.
void note_zmap_input(const std::string& name, const CsvTally& tally, Scan& scan, bool quiet) {
    const uint64_t lines = tally.lines > 0 ? tally.lines - 1 : 0;
    const uint64_t answers = tally.outcomes[static_cast<int>(middlebox::CsvOutcome::Answer)];
    std::string unused;
    for (int i = 1; i < middlebox::kCsvOutcomeCount; ++i)
        if (tally.outcomes[i] > 0)
            unused += (unused.empty() ? "" : ", ") +
                      std::string(middlebox::csv_outcome_name(static_cast<middlebox::CsvOutcome>(i))) + " " +
                      std::to_string(tally.outcomes[i]);
    scan.add_input_note("Frame numbers are line numbers of " + name +
                        " (zmap's CSV results: line 1 is its header); it holds no SYN, so every answer was compared "
                        "against the probe template.");
    if (!unused.empty())
        scan.add_input_note(middlebox::plural(lines - answers, "line", "lines") + " of " + name +
                            " could not be used: " + unused + ".");
    if (!quiet)
        std::fprintf(stderr, "middlebox-scan: %s: %llu lines after the header: %llu answers%s%s\n", name.c_str(),
                     static_cast<unsigned long long>(lines), static_cast<unsigned long long>(answers),
                     unused.empty() ? "" : "; not used: ", unused.c_str());
}

}  // namespace

bool read_zmap_csv(const std::string& path, Scan& scan, Progress& progress, bool quiet,
                   const std::function<bool()>& more) {
    const std::string name = path == "-" ? "stdin" : path;
    gzFile in = path == "-" ? gzdopen(dup(0), "rb") : gzopen(path.c_str(), "rb");
    if (in == nullptr) {
        std::fprintf(stderr, "middlebox-scan: %s: cannot read: %s\n", name.c_str(), std::strerror(errno));
        return false;
    }
    gzbuffer(in, 1 << 18);
    middlebox::ZmapCsv csv;
    CsvTally tally;
    bool header = false;
    std::string line, error;
    std::vector<char> buf(1 << 16);
    if (more() && read_line(in, buf, &line)) {
        ++tally.lines;
        if (!csv.header(line, &error)) {
            std::fprintf(stderr, "middlebox-scan: %s: line 1: %s\n", name.c_str(), error.c_str());
            gzclose(in);
            return false;
        }
        header = true;
        scan_csv_lines(in, csv, scan, progress, more, buf, &tally);
    }
    int zerr = Z_OK;
    const char* message = gzerror(in, &zerr);
    const bool ok = zerr == Z_OK || zerr == Z_STREAM_END;
    if (!ok) std::fprintf(stderr, "middlebox-scan: %s: %s\n", name.c_str(), message);
    gzclose(in);
    if (!header) {
        std::fprintf(stderr, "middlebox-scan: %s: empty: no header line\n", name.c_str());
        return false;
    }
    note_zmap_input(name, tally, scan, quiet);
    return ok;
}

}  // namespace middlebox_scan
