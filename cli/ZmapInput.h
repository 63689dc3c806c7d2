// zmap's CSV results (gzip'd or not, "-" for stdin) as the scanner's input:
// zmap keeps the answers of a scan, not its probes, so each usable line is
// handed to the scan as the SYN+ACK or RST it was, to be compared against
// the probe template, numbered by its line.
#pragma once

#include <functional>
#include <string>

#include "Progress.h"
#include "Scan.h"

namespace middlebox_scan {

// Reads `path` into the scan while `more()` says so (Ctrl-C, -c); lines
// that cannot be used are counted by reason in the report's notes and, but
// when `quiet`, on stderr. False after saying why on stderr: a read error,
// or a first line that is not zmap's header.
bool read_zmap_csv(const std::string& path, Scan& scan, Progress& progress, bool quiet,
                   const std::function<bool()>& more);

}  // namespace middlebox_scan
