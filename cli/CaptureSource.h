// Where middlebox-scan's frames come from: capture files (pcap, pcapng,
// gzip'd or not, "-" for stdin) and live interfaces, all through libpcap,
// which knows every capture format and link type better than we would.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <pcap/pcap.h>

namespace middlebox_scan {

// One frame as libpcap hands it over; valid until the next next().
struct Frame {
    const uint8_t* data = nullptr;
    size_t caplen = 0;
    int64_t time_us = 0;  // capture time, microseconds since the epoch
};

class CaptureSource {
public:
    enum class Next { Frame, Timeout, End, Error };

    // A capture file; "-" is stdin. A gzip'd file (or stdin) is read through
    // zlib (gzip's magic decides, so a plain file is read directly). Null on
    // error, with `error` saying why.
    static std::unique_ptr<CaptureSource> open_file(const std::string& path, std::string* error);
    // A live interface, with a BPF filter (empty: none), capturing
    // `snaplen` bytes of each frame. Needs the privileges to capture.
    // `buffer_mib`: the kernel's ring for it (frames beyond are dropped).
    static std::unique_ptr<CaptureSource> open_live(const std::string& iface, const std::string& filter, int snaplen,
                                                    int buffer_mib, std::string* error);
    ~CaptureSource();
    CaptureSource(const CaptureSource&) = delete;
    CaptureSource& operator=(const CaptureSource&) = delete;

    int linktype() const { return pcap_datalink(p_); }
    Next next(Frame* f);
    std::string error() const { return pcap_geterr(p_); }
    // Ends a live capture's wait from a signal handler (pcap_breakloop).
    void interrupt() { pcap_breakloop(p_); }
    // Frames the kernel dropped (live capture; 0 when unknown).
    uint64_t dropped() const;

private:
    explicit CaptureSource(pcap_t* p) : p_(p) {}
    pcap_t* p_;
};

}  // namespace middlebox_scan
