// Capture files through libwiretap, Wireshark's file layer without its
// dissectors: every format tshark reads (and gzip, zstd, lz4 where
// Wireshark's build has them), each record with its own link type, in the
// order and numbering tshark gives them.
#include <cstring>
#include <vector>

#include <wiretap/pcap-encap.h>
#include <wiretap/wtap.h>
#include <wsutil/buffer.h>
#include <wsutil/wslog.h>

#include "CaptureFile.h"
#include "middlebox/FrameDecoder.h"

namespace middlebox_scan {

namespace {

// wiretap names link layers by its own WTAP_ENCAP_ numbers; the decoder by
// the LINKTYPE_ numbers of pcap files and libpcap. wiretap exports only the
// LINKTYPE -> WTAP_ENCAP direction, so the other is built from it once: the
// first LINKTYPE of each WTAP_ENCAP (one encapsulation may have several
// LINKTYPE numbers, e.g. 12, 14 and 101 for raw IP, which the decoder reads
// alike). An encapsulation no LINKTYPE maps to stays -1: the decoder counts
// its frames as link-unsupported.
class EncapToLinktype {
public:
    EncapToLinktype() : map_(static_cast<size_t>(wtap_get_num_encap_types()), -1) {
        constexpr int kLastLinktype = 1023;  // LINKTYPE_ values in use are below 300
        for (int linktype = 0; linktype <= kLastLinktype; ++linktype) {
            const int encap = wtap_pcap_encap_to_wtap_encap(linktype);
            if (encap > 0 && static_cast<size_t>(encap) < map_.size() && map_[encap] < 0) map_[encap] = linktype;
        }
    }
    int operator()(int encap) const {
        // wiretap hands PPP_WITH_DIR's frames over without their direction
        // byte (it keeps it as a pseudo-header): plain PPP.
        if (encap == WTAP_ENCAP_PPP_WITH_PHDR) return middlebox::linktype::kPpp;
        return encap > 0 && static_cast<size_t>(encap) < map_.size() ? map_[encap] : -1;
    }

private:
    std::vector<int> map_;
};

// Wiretap, started once, and its map.
const EncapToLinktype& encap_to_linktype() {
    static const EncapToLinktype map = [] {
        // Wireshark's log at tshark's level (messages and worse, or
        // WIRESHARK_LOG_LEVEL): without it wiretap formats every debug
        // line it logs per packet, 27 times the scanner's own work.
        ws_log_init("middlebox-scan", nullptr);
        wtap_init(FALSE);  // no wiretap plugins: the formats built into the library
        return EncapToLinktype();
    }();
    return map;
}

std::string wtap_message(int err, gchar* err_info) {
    std::string m = err > 0 ? std::strerror(err) : wtap_strerror(err);
    if (err_info != nullptr) {
        m += std::string(" (") + err_info + ")";
        g_free(err_info);
    }
    return m;
}

class CaptureFile final : public CaptureSource {
public:
    CaptureFile(wtap* w, const EncapToLinktype& linktypes) : w_(w), linktypes_(linktypes) {
        wtap_rec_init(&rec_);
        ws_buffer_init(&buf_, 1514);
    }
    ~CaptureFile() override {
        wtap_rec_cleanup(&rec_);
        ws_buffer_free(&buf_);
        wtap_close(w_);
    }

    Next next(Frame* f) override {
        wtap_rec_reset(&rec_);
        int err = 0;
        gchar* err_info = nullptr;
        gint64 offset = 0;
        if (!wtap_read(w_, &rec_, &buf_, &err, &err_info, &offset)) {
            if (err == 0) return Next::End;
            error_ = wtap_message(err, err_info);
            return Next::Error;
        }
        if (rec_.presence_flags & WTAP_HAS_TS) time_us_ = int64_t{rec_.ts.secs} * 1000000 + rec_.ts.nsecs / 1000;
        f->time_us = time_us_;  // a record without a time keeps the one before
        // Every record is a frame to tshark, which numbers them all; one
        // that is not a packet (a NetMon event, a pcapng custom block) is
        // counted as a link layer the decoder does not read.
        if (rec_.rec_type == REC_TYPE_PACKET) {
            f->data = ws_buffer_start_ptr(&buf_);
            f->caplen = rec_.rec_header.packet_header.caplen;
            f->linktype = linktypes_(rec_.rec_header.packet_header.pkt_encap);
        } else {
            f->data = nullptr;
            f->caplen = 0;
            f->linktype = -1;
        }
        return Next::Frame;
    }
    std::string error() const override { return error_; }

private:
    wtap* w_;
    const EncapToLinktype& linktypes_;
    wtap_rec rec_;
    Buffer buf_;
    int64_t time_us_ = 0;
    std::string error_;
};

}  // namespace

std::unique_ptr<CaptureSource> open_wiretap(const std::string& path, std::string* error) {
    const EncapToLinktype& linktypes = encap_to_linktype();
    int err = 0;
    gchar* err_info = nullptr;
    wtap* w = wtap_open_offline(path.c_str(), WTAP_TYPE_AUTO, &err, &err_info, FALSE);
    if (w == nullptr) {
        *error = (path == "-" ? std::string("stdin") : path) + ": " + wtap_message(err, err_info);
        return nullptr;
    }
    return std::make_unique<CaptureFile>(w, linktypes);
}

}  // namespace middlebox_scan
