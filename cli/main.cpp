// middlebox-scan: the middlebox analysis of capture files and live
// interfaces without Wireshark's dissectors, for scans past tshark's
// ceiling. Reads files with libwiretap and interfaces with libpcap
// (CaptureSource.h), decodes frames with the core (FrameDecoder.h) and
// drives the same Correlator, Registry and report writers as the plugin.
#include <malloc.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "CaptureSource.h"
#include "Privileges.h"
#include "Progress.h"
#include "Scan.h"
#include "ZmapInput.h"
#include "middlebox/Describe.h"

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

// Whether to read on: not after Ctrl-C, nor past -c frames.
bool wants_more(const Scan& scan, const Options& o) {
    return !interrupted && (o.count == 0 || scan.frames() < o.count);
}

// Reads one source to its end (or Ctrl-C, or -c). False on a read error.
// `live`: the stream's lines go out every 256 frames (and on each quiet
// 100 ms), not when 64 KiB have gathered.
bool drain(CaptureSource& src, Scan& scan, Progress& progress, const Options& o, const std::string& name, bool live) {
    Frame f;
    for (;;) {
        if (!wants_more(scan, o)) return true;
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

// ---- the steps of a run ----

// How reading the input ended.
enum class InputEnd {
    Read,        // to its end, or Ctrl-C, or -c
    ReadError,   // part of it: the report covers what was read
    CannotOpen,  // a file is not a capture, or not there: no report of part of the input
};

// A scan streams through the correlator's chunks (a few hundred KiB each,
// freed as its handshakes retire): glibc would map and unmap each, paging
// fresh memory in every time; from the heap they are reused.
void keep_chunks_on_heap() {
    mallopt(M_MMAP_THRESHOLD, 16 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

// The report asked for: --format (a form of the table, or ndjson) and --only.
bool make_report_request(const Options& o, ScanSettings* settings) {
    if (o.format == "ndjson") {
        settings->ndjson = true;
    } else {
        std::string error;
        if (!middlebox::parse_report_request(std::string(middlebox::kReportCli) + "," + o.format, &settings->request,
                                             &error)) {
            std::fprintf(stderr, "middlebox-scan: --format %s: %s\n", o.format.c_str(), error.c_str());
            return false;
        }
    }
    if (o.only.empty()) return true;
    const middlebox::ReportFormInfo& form = middlebox::report_form(settings->request.path, settings->request.form);
    if (form.unscoped != nullptr) {
        std::fprintf(stderr, "middlebox-scan: --only: %s: it takes no scope\n", form.unscoped);
        return false;
    }
    middlebox::parse_report_scope(o.only, &settings->request.scope);  // checked by CLI11
    return true;
}

// --probe: the options every probe carried.
bool read_probe(const Options& o, ScanSettings* settings) {
    if (o.probe.empty()) return true;
    std::string error;
    if (!middlebox::parse_probe_template(o.probe, &settings->probe, &error)) {
        std::fprintf(stderr, "middlebox-scan: --probe: %s\n", error.c_str());
        return false;
    }
    settings->has_probe = true;
    return true;
}

// How long handshakes are kept, and how many.
void set_limits(const Options& o, ScanSettings* settings) {
    settings->max_pending = o.max_pending;
    // ndjson retires handshakes a minute of capture time after their SYN by
    // default; the report forms wait for the end of the input, as tshark does.
    const double timeout = o.syn_timeout >= 0 ? o.syn_timeout : settings->ndjson ? 60.0 : 0.0;
    settings->timeout_us = static_cast<int64_t>(timeout * 1e6);
}

// -o FILE into `file`, or stdout; null after saying why.
std::ostream* open_output(const Options& o, std::ofstream& file) {
    if (!o.output.empty()) {
        file.open(o.output, std::ios::binary | std::ios::trunc);
        if (!file) {
            std::fprintf(stderr, "middlebox-scan: -o %s: cannot write: %s\n", o.output.c_str(), std::strerror(errno));
            return nullptr;
        }
    }
    std::ios::sync_with_stdio(false);
    return o.output.empty() ? &std::cout : &file;
}

// -i: the interface, then root's privileges given up before any packet is
// read. False after saying why; `live` stays null without -i.
bool open_interface(const Options& o, std::unique_ptr<CaptureSource>* live) {
    if (o.iface.empty()) return true;
    std::string error;
    *live = CaptureSource::open_live(o.iface, o.filter.empty() ? kDefaultFilter : o.filter, o.snaplen, o.buffer_mib,
                                     &error);
    if (!*live) {
        std::fprintf(stderr, "middlebox-scan: -i %s\n", error.c_str());
        return false;
    }
    if (!drop_privileges(o.user, &error)) {
        std::fprintf(stderr, "middlebox-scan: %s\n", error.c_str());
        return false;
    }
    return true;
}

// Files in the order given, as one capture: frame numbers go on.
InputEnd read_files(const Options& o, Scan& scan, Progress& progress) {
    for (const std::string& path : o.files) {
        std::string error;
        std::unique_ptr<CaptureSource> src = CaptureSource::open_file(path, &error);
        if (!src) {
            std::fprintf(stderr, "middlebox-scan: %s\n", error.c_str());
            return InputEnd::CannotOpen;
        }
        if (!drain(*src, scan, progress, o, path == "-" ? "stdin" : path, false)) return InputEnd::ReadError;
        if (interrupted) break;
    }
    return InputEnd::Read;
}

// The one input the options name, into the scan.
InputEnd read_input(const Options& o, CaptureSource* live, Scan& scan, Progress& progress) {
    bool ok = true;
    if (live != nullptr) {
        live_source = live;
        ok = drain(*live, scan, progress, o, o.iface, true);
        live_source = nullptr;
    } else if (!o.zmap_csv.empty()) {
        ok = read_zmap_csv(o.zmap_csv, scan, progress, o.quiet, [&] { return wants_more(scan, o); });
    } else {
        return read_files(o, scan, progress);
    }
    return ok ? InputEnd::Read : InputEnd::ReadError;
}

// The report, or the stream's last lines and totals.
void write_report(Scan& scan, Progress& progress, const CaptureSource* live, std::ostream& out) {
    progress.done(scan);
    if (live != nullptr) scan.set_kernel_drops(live->dropped());
    scan.finish();
    out.flush();
}

// What was read, on stderr (zmap's CSV says its own).
void print_summary(const Scan& scan, const CaptureSource* live) {
    print_outcomes(scan, "middlebox-scan");
    if (live != nullptr && live->dropped() > 0)
        std::fprintf(stderr, "middlebox-scan: %llu frames dropped by the kernel\n",
                     static_cast<unsigned long long>(live->dropped()));
}

// 0 when everything was read and written; 2 when a read or the report's
// write failed.
int exit_status(InputEnd end, const std::ostream& out) {
    if (!out) {
        std::fprintf(stderr, "middlebox-scan: writing the report failed\n");
        return 2;
    }
    return end == InputEnd::Read ? 0 : 2;
}

// The settings, then the output (as root, where asked), then the capture;
// privileges go before any packet is read.
int run(const Options& o) {
    keep_chunks_on_heap();
    ScanSettings settings;
    if (!make_report_request(o, &settings)) return 1;
    if (!read_probe(o, &settings)) return 2;
    set_limits(o, &settings);
    std::ofstream file;
    std::ostream* out = open_output(o, file);
    if (out == nullptr) return 2;
    std::unique_ptr<CaptureSource> live;
    if (!open_interface(o, &live)) return 2;

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    Scan scan(settings, *out);
    Progress progress(!o.no_progress);
    const InputEnd end = read_input(o, live.get(), scan, progress);
    if (end == InputEnd::CannotOpen) return 2;
    write_report(scan, progress, live.get(), *out);
    if (!o.quiet && o.zmap_csv.empty()) print_summary(scan, live.get());
    return exit_status(end, *out);
}

// ---- the arguments ----

void add_input_options(CLI::App& app, Options& o) {
    app.add_option("-r,--read,files", o.files,
                   "Capture files (every format tshark reads: pcap, pcapng, NetMon, Sniffer, "
                   "snoop, ..., gzip'd or not; - for stdin), read in order as one capture");
    auto* iface = app.add_option("-i,--interface", o.iface, "Capture live on this interface until Ctrl-C");
    app.add_option("-f,--filter", o.filter, "BPF filter for -i (default: TCP SYNs and RSTs, ICMP and ICMPv6 errors)")
        ->needs(iface);
}

void add_report_options(CLI::App& app, Options& o) {
    std::vector<std::string> formats;
    for (const middlebox::ReportFormInfo& f : middlebox::report_forms()) formats.emplace_back(f.name);
    formats.emplace_back("ndjson");
    app.add_option("--format", o.format,
                   "Output: " + middlebox::report_form_names(", ") +
                       " (as tshark -z middlebox,FORM) or ndjson (one line per handshake as it is decided, then the "
                       "totals)")
        ->check(CLI::IsMember(formats))
        ->capture_default_str();
    std::vector<std::string> scopes;
    std::string listed;
    for (const middlebox::ReportScopeInfo& s : middlebox::report_scopes()) {
        scopes.emplace_back(s.name);
        listed += std::string(listed.empty() ? "" : "; ") + s.name + ": " + s.usage;
    }
    app.add_option("--only", o.only,
                   "List the rows (ndjson: the handshakes) of one scope. " + listed + ". Memory follows what is listed")
        ->check(CLI::IsMember(scopes));
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
}

void add_live_options(CLI::App& app, Options& o) {
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
}

// What CLI11 cannot check: exactly one input, and --zmap-csv with --probe.
// 0, or the exit status after saying why.
int check_inputs(const Options& o, const CLI::App& app) {
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
    return 0;
}

}  // namespace
}  // namespace middlebox_scan

int main(int argc, char** argv) {
    using namespace middlebox_scan;
    Options o;
    CLI::App app{
        "middlebox-scan: find middleboxes that echo TCP options (MPTCP MP_CAPABLE, unknown kinds) in scan "
        "captures, without Wireshark.\nThe report forms equal tshark -q -z middlebox,FORM with the middlebox "
        "plugin, byte for byte.",
        "middlebox-scan"};
    app.set_version_flag("--version",
                         std::string("middlebox-scan ") + MIDDLEBOX_VERSION + " (" + CaptureSource::versions() + ")");
    add_input_options(app, o);
    add_report_options(app, o);
    add_live_options(app, o);
    app.add_flag("-q,--quiet", o.quiet, "No summary of the frames read on stderr");
    app.add_flag("--no-progress", o.no_progress, "No progress line (shown on stderr when it is a terminal)");
    CLI11_PARSE(app, argc, argv);
    if (const int status = check_inputs(o, app)) return status;
    return run(o);
}
