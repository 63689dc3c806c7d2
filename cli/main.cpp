// middlebox-scan: the middlebox analysis of capture files and live
// interfaces without Wireshark's dissectors, for scans past tshark's
// ceiling. Reads files with libwiretap and interfaces with libpcap
// (CaptureSource.h), decodes frames with the core (FrameDecoder.h) and
// drives the same Correlator, Registry and report writers as the plugin.
#include <malloc.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <zlib.h>
#include <CLI/CLI.hpp>

#include "CaptureSource.h"
#include "Privileges.h"
#include "Progress.h"
#include "Scan.h"
#include "middlebox/Describe.h"
#include "middlebox/ZmapCsv.h"

namespace middlebox_scan {
namespace {

// SYNs and RSTs (a scan's probes and their answers; IPv6 without extension
// headers) and the ICMP/ICMPv6 errors that quote them.
constexpr const char* kDefaultFilter =
    "(tcp and tcp[tcpflags] & (tcp-syn|tcp-rst) != 0) or (ip6 and tcp and ip6[53] & 0x06 != 0) or "
    "(icmp and (icmp[icmptype] == icmp-unreach or icmp[icmptype] == icmp-timxceed or "
    "icmp[icmptype] == icmp-paramprob or icmp[icmptype] == icmp-sourcequench or icmp[icmptype] == icmp-redirect)) or "
    "(icmp6 and ip6[40] >= 1 and ip6[40] <= 4)";

volatile std::sig_atomic_t interrupted = 0;
CaptureSource* live_source = nullptr;

void on_signal(int) {
    interrupted = 1;
    if (live_source != nullptr) live_source->interrupt();
}

struct Options {
    std::vector<std::string> files;
    std::string iface, filter, format = "text", output, user = "nobody", only, probe, zmap_csv;
    size_t max_pending = 1000000;
    double syn_timeout = -1;  // seconds; < 0: the form's default
    int snaplen = 512;
    int buffer_mib = 64;
    uint64_t count = 0;
    bool quiet = false, no_progress = false;
};

// What the frames were: a line on stderr, so that nothing is skipped silently.
void print_outcomes(const Scan& s, const char* prog) {
    using middlebox::FrameOutcome;
    std::string line = std::string(prog) + ": " + std::to_string(s.frames()) +
                       " frames: " + std::to_string(s.outcome(FrameOutcome::Segment)) + " TCP segments, " +
                       std::to_string(s.outcome(FrameOutcome::Quote)) + " ICMP errors quoting TCP";
    std::string rest;
    for (int i = static_cast<int>(FrameOutcome::Quote) + 1; i < middlebox::kFrameOutcomeCount; ++i) {
        const auto o = static_cast<FrameOutcome>(i);
        if (s.outcome(o) == 0) continue;
        rest += (rest.empty() ? "" : ", ") + std::string(middlebox::frame_outcome_name(o)) + " " +
                std::to_string(s.outcome(o));
    }
    std::fprintf(stderr, "%s%s%s\n", line.c_str(), rest.empty() ? "" : "; not analysed: ", rest.c_str());
}

// Reads one source to its end (or Ctrl-C, or -c). False on a read error.
// `live`: the stream's lines go out every 256 frames (and on each quiet
// 100 ms), not when 64 KiB have gathered.
bool drain(CaptureSource& src, Scan& scan, Progress& progress, const Options& o, const std::string& name, bool live) {
    Frame f;
    for (;;) {
        if (interrupted || (o.count != 0 && scan.frames() >= o.count)) return true;
        switch (src.next(&f)) {
            case CaptureSource::Next::Frame:
                scan.frame(f.linktype, f.data, f.caplen, f.time_us);
                progress.tick(scan);
                if (live && (scan.frames() & 255) == 0) scan.flush();
                break;
            case CaptureSource::Next::Timeout:
                scan.flush();
                progress.poll(scan);
                break;
            case CaptureSource::Next::End: return true;
            case CaptureSource::Next::Error:
                std::fprintf(stderr, "middlebox-scan: %s: %s\n", name.c_str(), src.error().c_str());
                return false;
        }
    }
}

// zmap's CSV results (gzip'd or not, - for stdin): each usable line is
// handed to the scan as the segment it was, numbered by its line. False on
// a read error or a header that is not zmap's; unusable lines are counted.
bool read_zmap_csv(const std::string& path, Scan& scan, Progress& progress, const Options& o, bool quiet) {
    const std::string name = path == "-" ? "stdin" : path;
    gzFile in = path == "-" ? gzdopen(dup(0), "rb") : gzopen(path.c_str(), "rb");
    if (in == nullptr) {
        std::fprintf(stderr, "middlebox-scan: %s: cannot read: %s\n", name.c_str(), std::strerror(errno));
        return false;
    }
    gzbuffer(in, 1 << 18);
    middlebox::ZmapCsv csv;
    uint64_t counts[middlebox::kCsvOutcomeCount] = {};
    std::string line, error;
    std::vector<char> buf(1 << 16);
    uint32_t number = 0;
    bool ok = true, header = false;
    uint8_t options[middlebox::kMaxOptionBytes];
    while (!interrupted && (o.count == 0 || scan.frames() < o.count)) {
        line.clear();
        bool got = false;
        while (gzgets(in, buf.data(), static_cast<int>(buf.size())) != nullptr) {
            got = true;
            line += buf.data();
            if (!line.empty() && line.back() == '\n') break;
        }
        if (!got) break;
        ++number;
        if (!line.empty() && line.back() == '\n') line.pop_back();
        if (!header) {
            if (!csv.header(line, &error)) {
                std::fprintf(stderr, "middlebox-scan: %s: line 1: %s\n", name.c_str(), error.c_str());
                gzclose(in);
                return false;
            }
            header = true;
            continue;
        }
        if (line.empty()) continue;
        middlebox::Segment seg;
        int64_t time_us = 0;
        const middlebox::CsvOutcome outcome = csv.line(line, &seg, options, &time_us);
        ++counts[static_cast<int>(outcome)];
        if (outcome != middlebox::CsvOutcome::Answer) continue;
        scan.segment(seg, number, time_us);
        progress.tick(scan);
    }
    int zerr = Z_OK;
    const char* message = gzerror(in, &zerr);
    if (zerr != Z_OK && zerr != Z_STREAM_END) {
        std::fprintf(stderr, "middlebox-scan: %s: %s\n", name.c_str(), message);
        ok = false;
    }
    gzclose(in);
    if (!header) {
        std::fprintf(stderr, "middlebox-scan: %s: empty: no header line\n", name.c_str());
        return false;
    }

    const uint64_t lines = number > 0 ? number - 1 : 0;
    std::string unused;
    for (int i = 1; i < middlebox::kCsvOutcomeCount; ++i)
        if (counts[i] > 0)
            unused += (unused.empty() ? "" : ", ") +
                      std::string(middlebox::csv_outcome_name(static_cast<middlebox::CsvOutcome>(i))) + " " +
                      std::to_string(counts[i]);
    scan.add_input_note("Frame numbers are line numbers of " + name +
                        " (zmap's CSV results: line 1 is its header); it holds no SYN, so every answer was compared "
                        "against the probe template.");
    if (!unused.empty())
        scan.add_input_note(middlebox::plural(lines - counts[0], "line", "lines") + " of " + name +
                            " could not be used: " + unused + ".");
    if (!quiet)
        std::fprintf(stderr, "middlebox-scan: %s: %llu lines after the header: %llu answers%s%s\n", name.c_str(),
                     static_cast<unsigned long long>(lines), static_cast<unsigned long long>(counts[0]),
                     unused.empty() ? "" : "; not used: ", unused.c_str());
    return ok;
}

int run(const Options& o) {
    // A scan streams through the correlator's chunks (a few hundred KiB
    // each, freed as its handshakes retire): glibc would map and unmap
    // each, paging fresh memory in every time; from the heap they are reused.
    mallopt(M_MMAP_THRESHOLD, 16 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    ScanSettings settings;
    if (o.format == "ndjson") {
        settings.ndjson = true;
    } else {
        std::string error;
        if (!middlebox::parse_report_request(std::string(middlebox::kReportCli) + "," + o.format, &settings.request,
                                             &error)) {
            std::fprintf(stderr, "middlebox-scan: --format %s: %s\n", o.format.c_str(), error.c_str());
            return 1;
        }
    }
    if (!o.only.empty()) {
        if (settings.request.path) {
            std::fprintf(stderr, "middlebox-scan: --only: the path report lists every probe: it takes no scope\n");
            return 1;
        }
        middlebox::parse_report_scope(o.only, &settings.request.scope);  // checked by CLI11
    }
    if (!o.probe.empty()) {
        std::string error;
        if (!middlebox::parse_probe_template(o.probe, &settings.probe, &error)) {
            std::fprintf(stderr, "middlebox-scan: --probe: %s\n", error.c_str());
            return 2;
        }
        settings.has_probe = true;
    }
    settings.max_pending = o.max_pending;
    // ndjson retires handshakes a minute of capture time after their SYN by
    // default; the report forms wait for the end of the input, as tshark does.
    const double timeout = o.syn_timeout >= 0 ? o.syn_timeout : settings.ndjson ? 60.0 : 0.0;
    settings.timeout_us = static_cast<int64_t>(timeout * 1e6);

    // The output first (as root, where asked), then the capture, then
    // privileges go, before any packet is read.
    std::ofstream file;
    if (!o.output.empty()) {
        file.open(o.output, std::ios::binary | std::ios::trunc);
        if (!file) {
            std::fprintf(stderr, "middlebox-scan: -o %s: cannot write: %s\n", o.output.c_str(), std::strerror(errno));
            return 2;
        }
    }
    std::ostream& out = o.output.empty() ? std::cout : file;
    std::ios::sync_with_stdio(false);

    std::unique_ptr<CaptureSource> live;
    if (!o.iface.empty()) {
        std::string error;
        live = CaptureSource::open_live(o.iface, o.filter.empty() ? kDefaultFilter : o.filter, o.snaplen, o.buffer_mib,
                                        &error);
        if (!live) {
            std::fprintf(stderr, "middlebox-scan: -i %s\n", error.c_str());
            return 2;
        }
        if (!drop_privileges(o.user, &error)) {
            std::fprintf(stderr, "middlebox-scan: %s\n", error.c_str());
            return 2;
        }
    }

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    Scan scan(settings, out);
    Progress progress(!o.no_progress);
    bool ok = true;
    if (live) {
        live_source = live.get();
        ok = drain(*live, scan, progress, o, o.iface, true);
        live_source = nullptr;
    } else if (!o.zmap_csv.empty()) {
        ok = read_zmap_csv(o.zmap_csv, scan, progress, o, o.quiet);
    } else {
        // Files in the order given, as one capture: frame numbers go on.
        for (const std::string& path : o.files) {
            std::string error;
            std::unique_ptr<CaptureSource> src = CaptureSource::open_file(path, &error);
            if (!src) {  // not a capture, or not there: no report of part of the input
                std::fprintf(stderr, "middlebox-scan: %s\n", error.c_str());
                return 2;
            }
            if (!drain(*src, scan, progress, o, path == "-" ? "stdin" : path, false)) {
                ok = false;
                break;
            }
            if (interrupted) break;
        }
    }
    progress.done(scan);
    if (live) scan.set_kernel_drops(live->dropped());
    scan.finish();
    out.flush();
    if (!o.quiet && o.zmap_csv.empty()) {
        print_outcomes(scan, "middlebox-scan");
        if (live && live->dropped() > 0)
            std::fprintf(stderr, "middlebox-scan: %llu frames dropped by the kernel\n",
                         static_cast<unsigned long long>(live->dropped()));
    }
    if (!out) {
        std::fprintf(stderr, "middlebox-scan: writing the report failed\n");
        return 2;
    }
    return ok ? 0 : 2;
}

}  // namespace
}  // namespace middlebox_scan

int main(int argc, char** argv) {
    using middlebox_scan::CaptureSource;
    using middlebox_scan::Options;
    Options o;
    CLI::App app{
        "middlebox-scan: find middleboxes that echo TCP options (MPTCP MP_CAPABLE, unknown kinds) in scan "
        "captures, without Wireshark.\nThe report forms equal tshark -q -z middlebox,FORM with the middlebox "
        "plugin, byte for byte.",
        "middlebox-scan"};
    app.set_version_flag("--version",
                         std::string("middlebox-scan ") + MIDDLEBOX_VERSION + " (" + CaptureSource::versions() + ")");
    app.add_option("-r,--read,files", o.files,
                   "Capture files (every format tshark reads: pcap, pcapng, NetMon, Sniffer, "
                   "snoop, ..., gzip'd or not; - for stdin), read in order as one capture");
    auto* iface = app.add_option("-i,--interface", o.iface, "Capture live on this interface until Ctrl-C");
    app.add_option("-f,--filter", o.filter, "BPF filter for -i (default: TCP SYNs and RSTs, ICMP and ICMPv6 errors)")
        ->needs(iface);
    std::vector<std::string> formats;
    for (const middlebox::ReportFormInfo& f : middlebox::report_forms()) formats.emplace_back(f.name);
    formats.emplace_back("ndjson");
    app.add_option("--format", o.format,
                   "Output: " + middlebox::report_form_names(", ") +
                       " (as tshark -z middlebox,FORM) or ndjson (one line per handshake as it is decided, then the "
                       "totals)")
        ->check(CLI::IsMember(formats))
        ->capture_default_str();
    app.add_option("--only", o.only,
                   "List only the servers (ndjson, pairs: the handshakes) that answered with a SYN+ACK, or the "
                   "suspects (an mptcp-echo or option-echo); the totals count everything, and memory follows what "
                   "is listed")
        ->check(CLI::IsMember({middlebox::report_scope_name(middlebox::ReportScope::Answered),
                               middlebox::report_scope_name(middlebox::ReportScope::Suspects)}));
    app.add_option("--probe", o.probe,
                   "The options every probe carried, as zmap's --probe-args gives them (hex:020405b4..., or the "
                   "bare hex): a SYN+ACK whose SYN is not in the capture is compared against them");
    app.add_option("--zmap-csv", o.zmap_csv,
                   "Read zmap's CSV results (gzip'd or not, - for stdin) instead of a capture: a header line naming "
                   "saddr, sport, dport, optionshex (daddr, ttl, seqnum, acknum, classification when present); needs "
                   "--probe. Frame numbers are then line numbers");
    app.add_option("-o,--output", o.output, "Write the report to FILE instead of stdout");
    app.add_option("--max-pending", o.max_pending,
                   "At most N pending SYNs (and, with ndjson, live handshakes) are kept; "
                   "beyond it the oldest are dropped and counted")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--syn-timeout", o.syn_timeout,
                   "Seconds of capture time after which a handshake's pending state "
                   "ends (an unanswered SYN stays no-answer); default 60 with ndjson, "
                   "none otherwise")
        ->check(CLI::NonNegativeNumber);
    app.add_option("-Z,--user", o.user, "With -i as root: become USER once the interface is open (root: stay root)")
        ->capture_default_str();
    app.add_option("-s,--snaplen", o.snaplen, "With -i: bytes captured per frame")
        ->check(CLI::Range(68, 262144))
        ->capture_default_str();
    app.add_option("-B,--buffer-size", o.buffer_mib,
                   "With -i: the kernel's capture buffer in MiB (frames beyond it "
                   "are dropped, counted in the totals)")
        ->check(CLI::Range(1, 4096))
        ->capture_default_str();
    app.add_option("-c,--count", o.count, "Stop after N frames");
    app.add_flag("-q,--quiet", o.quiet, "No summary of the frames read on stderr");
    app.add_flag("--no-progress", o.no_progress, "No progress line (shown on stderr when it is a terminal)");
    CLI11_PARSE(app, argc, argv);
    const int inputs = !o.iface.empty() + !o.files.empty() + !o.zmap_csv.empty();
    if (inputs != 1) {
        std::fprintf(stderr,
                     "middlebox-scan: give capture files (-r FILE, or - for stdin), one -i INTERFACE or one "
                     "--zmap-csv FILE\n%s",
                     app.help().c_str());
        return 1;
    }
    if (!o.zmap_csv.empty() && o.probe.empty()) {
        std::fprintf(stderr,
                     "middlebox-scan: --zmap-csv needs --probe hex:OPTIONS (zmap's --probe-args): the CSV "
                     "holds the answers, not the probes they answer\n");
        return 1;
    }
    return middlebox_scan::run(o);
}
