#include "CaptureSource.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <ws_version.h>

#include "CaptureFile.h"

namespace middlebox_scan {

namespace {

// A live interface, or a capture file libpcap reads as wiretap would, through libpcap.
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

// The first four bytes of a file (0 when it has fewer, or is stdin, which
// cannot be looked at and handed on).
uint32_t magic_of(const std::string& path) {
    if (path == "-") return 0;
    FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return 0;  // wiretap says why
    unsigned char m[4] = {};
    const bool read = std::fread(m, 1, 4, f) == 4;
    std::fclose(f);
    return read ? (uint32_t{m[0]} << 24) | (uint32_t{m[1]} << 16) | (m[2] << 8) | m[3] : 0;
}

// A classic pcap file, uncompressed (the four magic numbers of microsecond
// and nanosecond files, in either byte order).
bool is_classic_pcap(uint32_t magic) {
    return magic == 0xa1b2c3d4 || magic == 0xd4c3b2a1 || magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
}

constexpr uint32_t kPcapngShb = 0x0a0d0d0a;

// Whether libpcap hands over exactly the frames wiretap (and so tshark)
// gives for this uncompressed pcapng file, read by walking its block
// headers once. That is when every interface, in every section, has one
// link type and snapshot length (libpcap stops at another), the sections
// one byte order, and every block is one of those both treat alike:
// enhanced packet blocks, which are frames to both, and interface, name
// resolution, statistics and decryption secrets blocks, which are frames
// to neither. Any other block sends the file to wiretap: tshark numbers
// custom, systemd journal and sysdig blocks as frames and libpcap skips
// them; simple and obsolete packet blocks, an interface's time offset and
// a frame longer than its interface's snapshot length are left to wiretap
// too, where the two may differ. The walk costs under a hundred
// instructions per block against the thousands wiretap spends per packet
// (docs/capture-formats.md).
class PcapngWalk {
public:
    PcapngWalk(int fd, size_t size) : fd_(fd), size_(size) {}

    bool libpcap_reads_as_wiretap() {
        for (size_t at = 0; at < size_; at += length_) {
            if (size_ - at < kMinBlock) return false;
            // Type and length, and the fields of an enhanced packet block
            // (most blocks), read before anything moves the window.
            const uint8_t* h = bytes(at, std::min<size_t>(size_ - at, kEpbFixed));
            const uint32_t type = get32(h);
            if (type == kPcapngShb && !section(at)) return false;
            length_ = get32(h + 4);
            const bool packet = type == kEpb && length_ >= kEpbFixed + 4 && get32(h + 8) < section_interfaces_ &&
                                get32(h + 20) <= snaplen_limit_ && get32(h + 20) <= length_ - kEpbFixed - 4;
            if (length_ < kMinBlock || length_ % 4 != 0 || length_ > kMaxBlock || length_ > size_ - at ||
                u32(at + length_ - 4) != length_)
                return false;
            if (!(packet || (type != kEpb && block(type, at))) || failed_) return false;
        }
        return interfaces_ > 0;
    }
    // After a walk that vouched: the link type, and whether a second
    // interface description follows the first.
    uint16_t linktype() const { return linktype_; }
    bool several_interfaces() const { return interfaces_ > 1; }

private:
    static constexpr uint32_t kMinBlock = 12;
    static constexpr uint32_t kMaxBlock = 16u << 20;  // libpcap's largest block, to begin with
    static constexpr uint32_t kLibpcapMaxSnaplen = 262144;
    static constexpr uint32_t kEpbFixed = 28;  // header, interface, time, lengths
    enum Block : uint32_t { kIdb = 1, kNrb = 4, kIsb = 5, kEpb = 6, kDsb = 10 };

    // The file is read through a window moving forward with the walk (an
    // mmap of a large file would count toward the scanner's peak RSS).
    static constexpr size_t kWindow = 1 << 20;
    const uint8_t* bytes(size_t at, size_t n) {
        if (at >= window_at_ && at + n <= window_at_ + window_len_) return window_.get() + (at - window_at_);
        const ssize_t got = ::pread(fd_, window_.get(), kWindow, static_cast<off_t>(at));
        window_at_ = at;
        window_len_ = got > 0 ? static_cast<size_t>(got) : 0;
        if (window_len_ >= n) return window_.get();
        failed_ = true;
        static const uint8_t zeros[kEpbFixed] = {};
        return zeros;
    }
    uint32_t get32(const uint8_t* p) const {
        uint32_t v;
        std::memcpy(&v, p, 4);
        return swapped_ ? __builtin_bswap32(v) : v;
    }
    uint32_t u32(size_t at) { return get32(bytes(at, 4)); }
    uint16_t u16(size_t at) {
        uint16_t v;
        std::memcpy(&v, bytes(at, 2), 2);
        return swapped_ ? __builtin_bswap16(v) : v;
    }

    // A section header: its byte order (the first section's), version 1.0.
    bool section(size_t at) {
        if (size_ - at < 16) return false;
        uint32_t bom;
        std::memcpy(&bom, bytes(at + 8, 4), 4);
        const bool swapped = bom == 0x4d3c2b1a;
        if (!swapped && bom != 0x1a2b3c4d) return false;
        if (at == 0) swapped_ = swapped;
        if (swapped != swapped_ || u16(at + 12) != 1 || u16(at + 14) != 0) return false;
        section_interfaces_ = 0;
        return true;
    }

    bool block(uint32_t type, size_t at) {
        switch (type) {
            case kPcapngShb: return at == 0 || interfaces_ > 0;  // libpcap needs an interface in the first
            case kIdb: return interface(at);
            case kNrb:
            case kIsb:
            case kDsb: return true;
            default: return false;
        }
    }

    bool interface(size_t at) {
        if (length_ < 20) return false;
        const uint16_t linktype = u16(at + 8);
        const uint32_t snaplen = u32(at + 12);
        if (interfaces_ == 0) {
            linktype_ = linktype;
            snaplen_ = snaplen;
            snaplen_limit_ = snaplen == 0 || snaplen > kLibpcapMaxSnaplen ? kLibpcapMaxSnaplen : snaplen;
        } else if (linktype != linktype_ || snaplen != snaplen_) {
            return false;
        }
        // Options: none may be the time offset (if_tsoffset, 14).
        for (size_t o = at + 16; o + 4 <= at + length_ - 4;) {
            const uint16_t code = u16(o);
            if (code == 0) break;
            if (code == 14) return false;
            o += 4 + ((u16(o + 2) + 3u) & ~3u);
        }
        ++interfaces_;
        ++section_interfaces_;
        return true;
    }

    int fd_;
    size_t size_;
    std::unique_ptr<uint8_t[]> window_ = std::make_unique<uint8_t[]>(kWindow);
    size_t window_at_ = 0, window_len_ = 0;
    bool failed_ = false;
    uint32_t length_ = 0;
    bool swapped_ = false;
    uint32_t interfaces_ = 0, section_interfaces_ = 0;
    uint16_t linktype_ = 0;
    uint32_t snaplen_ = 0, snaplen_limit_ = 0;
};

// The pcapng file through libpcap when PcapngWalk vouches for it, else null.
pcap_t* open_pcapng(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) return nullptr;
    struct stat st {};
    const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    PcapngWalk walk(fd, regular ? static_cast<size_t>(st.st_size) : 0);
    const bool vouched = regular && walk.libpcap_reads_as_wiretap();
    ::close(fd);
    if (!vouched) return nullptr;
    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_open_offline(path.c_str(), err);
    // libpcap compares each later interface's LINKTYPE_ with the first's
    // DLT_ value, and stops where they differ (LINKTYPE_RAW, 101, is
    // DLT_RAW, 12): such a file with several interfaces goes to wiretap.
    if (p != nullptr && walk.several_interfaces() && pcap_datalink(p) != walk.linktype()) {
        pcap_close(p);
        return nullptr;
    }
    return p;
}

}  // namespace

std::unique_ptr<CaptureSource> CaptureSource::open_file(const std::string& path, std::string* error) {
    // libpcap costs a fraction of wiretap per packet (docs/capture-formats.md),
    // so it reads the files whose frames it hands over exactly as wiretap
    // does: classic pcap (packets only, one link type) and pcapng files
    // PcapngWalk vouches for. Everything else (other pcapng files, the other
    // formats, compressed files, stdin) goes to wiretap.
    const uint32_t magic = magic_of(path);
    if (is_classic_pcap(magic)) {
        char err[PCAP_ERRBUF_SIZE] = {};
        if (pcap_t* p = pcap_open_offline(path.c_str(), err)) return std::make_unique<PcapSource>(p);
    }
    if (magic == kPcapngShb) {
        if (pcap_t* p = open_pcapng(path)) return std::make_unique<PcapSource>(p);
    }
    return open_wiretap(path, error);
}

std::string CaptureSource::versions() {
    return "libwiretap " + std::to_string(WIRESHARK_VERSION_MAJOR) + "." + std::to_string(WIRESHARK_VERSION_MINOR) +
           "." + std::to_string(WIRESHARK_VERSION_MICRO) + " for files, " + pcap_lib_version() + " for -i";
}

}  // namespace middlebox_scan
