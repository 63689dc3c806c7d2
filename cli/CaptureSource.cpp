#include "CaptureSource.h"

#include <cstdio>

#include <pcap/pcap.h>
#include <ws_version.h>

#include "CaptureFile.h"

namespace middlebox_scan {

namespace {

// A live interface, or a classic pcap file, through libpcap.
class PcapSource final : public CaptureSource {
public:
    explicit PcapSource(pcap_t* p) : p_(p) {}
    ~PcapSource() override { pcap_close(p_); }

    Next next(Frame* f) override {
        pcap_pkthdr* h = nullptr;
        const u_char* d = nullptr;
        switch (pcap_next_ex(p_, &h, &d)) {
            case 1:
                f->data = d;
                f->caplen = h->caplen;
                f->time_us = int64_t{h->ts.tv_sec} * 1000000 + h->ts.tv_usec;
                f->linktype = linktype_;
                return Next::Frame;
            case 0: return Next::Timeout;
            case PCAP_ERROR_BREAK: return Next::End;
            default: return Next::Error;
        }
    }
    std::string error() const override { return pcap_geterr(p_); }
    void interrupt() override { pcap_breakloop(p_); }
    uint64_t dropped() const override {
        pcap_stat st{};
        if (pcap_stats(p_, &st) != 0) return 0;
        return uint64_t{st.ps_drop} + st.ps_ifdrop;
    }

private:
    pcap_t* p_;
    int linktype_ = pcap_datalink(p_);
};

}  // namespace

std::unique_ptr<CaptureSource> CaptureSource::open_live(const std::string& iface, const std::string& filter,
                                                        int snaplen, int buffer_mib, std::string* error) {
    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_create(iface.c_str(), err);
    if (p == nullptr) {
        *error = iface + ": " + err;
        return nullptr;
    }
    auto fail = [&](const std::string& what) {
        *error = iface + ": " + what;
        pcap_close(p);
        return nullptr;
    };
    pcap_set_snaplen(p, snaplen);
    pcap_set_promisc(p, 0);
    // Frames are handed over within 100 ms, so a Ctrl-C or the progress
    // line never waits long on a quiet interface.
    pcap_set_timeout(p, 100);
    pcap_set_buffer_size(p, buffer_mib << 20);  // a scan's answers come in bursts
    const int status = pcap_activate(p);
    if (status < 0) return fail(pcap_statustostr(status) + std::string(": ") + pcap_geterr(p));
    if (!filter.empty()) {
        bpf_program prog{};
        if (pcap_compile(p, &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
            return fail("filter \"" + filter + "\": " + pcap_geterr(p));
        const int set = pcap_setfilter(p, &prog);
        pcap_freecode(&prog);
        if (set != 0) return fail("filter \"" + filter + "\": " + pcap_geterr(p));
    }
    return std::make_unique<PcapSource>(p);
}

namespace {

// A classic pcap file, uncompressed (the four magic numbers of microsecond
// and nanosecond files, in either byte order).
bool is_classic_pcap(const std::string& path) {
    if (path == "-") return false;  // stdin cannot be looked at and handed on
    FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return false;  // wiretap says why
    unsigned char m[4] = {};
    const bool read = std::fread(m, 1, 4, f) == 4;
    std::fclose(f);
    const uint32_t magic = (uint32_t{m[0]} << 24) | (uint32_t{m[1]} << 16) | (m[2] << 8) | m[3];
    return read && (magic == 0xa1b2c3d4 || magic == 0xd4c3b2a1 || magic == 0xa1b23c4d || magic == 0x4d3cb2a1);
}

}  // namespace

std::unique_ptr<CaptureSource> CaptureSource::open_file(const std::string& path, std::string* error) {
    // A classic pcap file holds packets only, one link type: libpcap reads
    // the same frames wiretap would, at a third of wiretap's cost per
    // packet (docs/capture-formats.md). Everything else (pcapng, whose
    // non-packet records tshark numbers too, the other formats, compressed
    // files, stdin) goes to wiretap.
    if (is_classic_pcap(path)) {
        char err[PCAP_ERRBUF_SIZE] = {};
        if (pcap_t* p = pcap_open_offline(path.c_str(), err)) return std::make_unique<PcapSource>(p);
    }
    return open_wiretap(path, error);
}

std::string CaptureSource::versions() {
    return "libwiretap " + std::to_string(WIRESHARK_VERSION_MAJOR) + "." + std::to_string(WIRESHARK_VERSION_MINOR) +
           "." + std::to_string(WIRESHARK_VERSION_MICRO) + " for files, " + pcap_lib_version() + " for -i";
}

}  // namespace middlebox_scan
