// Where middlebox-scan's frames come from. Capture files (every format
// Wireshark reads: pcapng with interfaces of different link types, NetMon,
// Sniffer, snoop, ..., gzip'd or not, "-" for stdin) through Wireshark's
// own file layer, libwiretap (CaptureFile.cpp), so that the scanner reads
// exactly the frames tshark reads; uncompressed classic pcap files and the
// uncompressed pcapng files whose frames are the same either way (one link
// type, no record tshark numbers that libpcap skips), and live interfaces
// through libpcap (CaptureSource.cpp), which costs less per packet.
// docs/capture-formats.md says why.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace middlebox_scan {

// One frame as the reader hands it over; valid until the next next().
struct Frame {
    const uint8_t* data = nullptr;
    size_t caplen = 0;
    int64_t time_us = 0;  // capture time, microseconds since the epoch
    // The frame's own link-layer type (a LINKTYPE_ value: a pcapng file or
    // a NetMon file may change it from frame to frame); -1 for a record
    // that is not a frame of a known link type (it is still counted).
    int linktype = -1;
};

class CaptureSource {
public:
    enum class Next { Frame, Timeout, End, Error };

    // A capture file; "-" is stdin. Null on error, with `error` saying why.
    static std::unique_ptr<CaptureSource> open_file(const std::string& path, std::string* error);
    // A live interface, with a BPF filter (empty: none), capturing
    // `snaplen` bytes of each frame. Needs the privileges to capture.
    // `buffer_mib`: the kernel's ring for it (frames beyond are dropped).
    static std::unique_ptr<CaptureSource> open_live(const std::string& iface, const std::string& filter, int snaplen,
                                                    int buffer_mib, std::string* error);
    // The reader's name and version, for --version.
    static std::string versions();

    virtual ~CaptureSource() = default;
    CaptureSource(const CaptureSource&) = delete;
    CaptureSource& operator=(const CaptureSource&) = delete;

    virtual Next next(Frame* f) = 0;
    // Why next() said Error.
    virtual std::string error() const = 0;
    // Ends a live capture's wait from a signal handler.
    virtual void interrupt() {}
    // Frames the kernel dropped (live capture; 0 when unknown).
    virtual uint64_t dropped() const { return 0; }

protected:
    CaptureSource() = default;
};

}  // namespace middlebox_scan
