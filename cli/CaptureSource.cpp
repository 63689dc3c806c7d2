#include "CaptureSource.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <zlib.h>

namespace middlebox_scan {

namespace {

// A gzFile as a stdio stream (glibc's fopencookie), so that libpcap reads
// the decompressed bytes with pcap_fopen_offline: zlib passes input that is
// not gzip'd through unchanged, which is what stdin needs.
ssize_t gz_read(void* cookie, char* buf, size_t size) {
    const int n = gzread(static_cast<gzFile>(cookie), buf, static_cast<unsigned>(size > (1u << 30) ? (1u << 30) : size));
    return n < 0 ? -1 : n;
}
int gz_close(void* cookie) { return gzclose(static_cast<gzFile>(cookie)) == Z_OK ? 0 : -1; }

FILE* open_gz_stream(gzFile gz) {
    gzbuffer(gz, 1u << 18);
    cookie_io_functions_t io{};
    io.read = gz_read;
    io.close = gz_close;
    return fopencookie(gz, "r", io);
}

bool is_gzip(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return false;  // pcap_open_offline says why
    unsigned char magic[2] = {};
    const bool gz = std::fread(magic, 1, 2, f) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    std::fclose(f);
    return gz;
}

}  // namespace

std::unique_ptr<CaptureSource> CaptureSource::open_file(const std::string& path, std::string* error) {
    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = nullptr;
    if (path != "-" && !is_gzip(path)) {
        p = pcap_open_offline(path.c_str(), err);
    } else {
        gzFile gz = path == "-" ? gzdopen(0, "rb") : gzopen(path.c_str(), "rb");
        FILE* f = gz != nullptr ? open_gz_stream(gz) : nullptr;
        if (f == nullptr) {
            if (gz != nullptr) gzclose(gz);
            *error = path + ": cannot open: " + std::strerror(errno);
            return nullptr;
        }
        p = pcap_fopen_offline(f, err);  // takes the stream: pcap_close() closes it
        if (p == nullptr) std::fclose(f);
    }
    if (p == nullptr) {
        *error = (path == "-" ? std::string("stdin") : path) + ": " + err;
        return nullptr;
    }
    return std::unique_ptr<CaptureSource>(new CaptureSource(p));
}

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
    return std::unique_ptr<CaptureSource>(new CaptureSource(p));
}

CaptureSource::~CaptureSource() { pcap_close(p_); }

CaptureSource::Next CaptureSource::next(Frame* f) {
    pcap_pkthdr* h = nullptr;
    const u_char* d = nullptr;
    switch (pcap_next_ex(p_, &h, &d)) {
    case 1:
        f->data = d;
        f->caplen = h->caplen;
        f->time_us = int64_t{h->ts.tv_sec} * 1000000 + h->ts.tv_usec;
        return Next::Frame;
    case 0: return Next::Timeout;
    case PCAP_ERROR_BREAK: return Next::End;
    default: return Next::Error;
    }
}

uint64_t CaptureSource::dropped() const {
    pcap_stat st{};
    if (pcap_stats(p_, &st) != 0) return 0;
    return uint64_t{st.ps_drop} + st.ps_ifdrop;
}

}  // namespace middlebox_scan
