// send-frames: replays a capture's frames on an interface at a set rate,
// faster than tcpreplay can on a small machine: the whole capture is read
// into memory first, frames go out in batches (sendmmsg on an AF_PACKET
// socket that bypasses the qdisc), paced against the clock per batch.
// bench/live_rate.sh drives it over a veth pair into middlebox-scan -i.
//
//   send-frames -i IFACE [--pps RATE] CAPTURE.pcap     (RATE 0: as fast as it can)
//
// Prints one line: frames sent, seconds, the rate reached, send errors.
// Classic pcap (either byte order, µs or ns) only; root (CAP_NET_RAW).
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Capture {
    std::vector<uint8_t> bytes;                   // every frame, back to back
    std::vector<std::pair<size_t, uint32_t>> at;  // (offset, length) of each
};

uint32_t swap32(uint32_t v) { return __builtin_bswap32(v); }

bool load(const char* path, Capture* c) {
    FILE* f = std::fopen(path, "rb");
    if (f == nullptr) {
        std::fprintf(stderr, "send-frames: %s: %s\n", path, std::strerror(errno));
        return false;
    }
    uint32_t head[6];
    if (std::fread(head, 1, sizeof head, f) != sizeof head) {
        std::fprintf(stderr, "send-frames: %s: not a pcap file\n", path);
        std::fclose(f);
        return false;
    }
    const uint32_t m = head[0];
    const bool swapped = m == 0xd4c3b2a1u || m == 0x4d3cb2a1u;
    if (!swapped && m != 0xa1b2c3d4u && m != 0xa1b23c4du) {
        std::fprintf(stderr, "send-frames: %s: not a classic pcap file (pcapng: convert with editcap -F pcap)\n", path);
        std::fclose(f);
        return false;
    }
    uint32_t rec[4];
    while (std::fread(rec, 1, sizeof rec, f) == sizeof rec) {
        const uint32_t caplen = swapped ? swap32(rec[2]) : rec[2];
        if (caplen > 262144) {
            std::fprintf(stderr, "send-frames: %s: a frame of %u bytes: damaged file\n", path, caplen);
            std::fclose(f);
            return false;
        }
        const size_t off = c->bytes.size();
        c->bytes.resize(off + caplen);
        if (std::fread(c->bytes.data() + off, 1, caplen, f) != caplen) break;  // a cut last frame
        c->at.emplace_back(off, caplen);
    }
    std::fclose(f);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::string iface;
    double pps = 0;
    const char* path = nullptr;
    bool wrong = false;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        if (k == "-i" && i + 1 < argc)
            iface = argv[++i];
        else if (k == "--pps" && i + 1 < argc)
            pps = std::atof(argv[++i]);
        else if (path == nullptr && k[0] != '-')
            path = argv[i];
        else
            wrong = true;
    }
    if (wrong || iface.empty() || path == nullptr || pps < 0) {
        std::fprintf(stderr, "usage: send-frames -i IFACE [--pps RATE] CAPTURE.pcap\n");
        return 1;
    }
    Capture cap;
    if (!load(path, &cap)) return 2;
    const int s = socket(AF_PACKET, SOCK_RAW, 0);  // protocol 0: sends only, never receives
    const unsigned index = if_nametoindex(iface.c_str());
    if (s < 0 || index == 0) {
        std::fprintf(stderr, "send-frames: %s: %s\n", iface.c_str(), std::strerror(errno));
        return 2;
    }
    const int one = 1;
    setsockopt(s, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);  // an optimisation only
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = static_cast<int>(index);
    to.sll_halen = ETH_ALEN;

    // A batch per millisecond (at most 256 frames): the sender sleeps
    // between batches rather than spinning on a core the scanner needs.
    const size_t batch = pps == 0 ? 256 : std::min<size_t>(256, std::max<size_t>(1, static_cast<size_t>(pps / 1000)));
    std::vector<iovec> iov(batch);
    std::vector<mmsghdr> msgs(batch);
    using Clock = std::chrono::steady_clock;
    const Clock::time_point start = Clock::now();
    uint64_t sent = 0, errors = 0;
    const size_t n = cap.at.size();
    for (size_t i = 0; i < n;) {
        if (pps > 0) {  // frame i is due at start + i / pps
            const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(static_cast<double>(i) / pps));
            const auto now = Clock::now();
            if (due > now + std::chrono::microseconds(100))
                std::this_thread::sleep_until(due);
            else
                while (Clock::now() < due) {}
        }
        const size_t k = std::min(batch, n - i);
        for (size_t j = 0; j < k; ++j) {
            iov[j].iov_base = cap.bytes.data() + cap.at[i + j].first;
            iov[j].iov_len = cap.at[i + j].second;
            msgs[j] = mmsghdr{};
            msgs[j].msg_hdr.msg_name = &to;
            msgs[j].msg_hdr.msg_namelen = sizeof to;
            msgs[j].msg_hdr.msg_iov = &iov[j];
            msgs[j].msg_hdr.msg_iovlen = 1;
        }
        const int r = sendmmsg(s, msgs.data(), static_cast<unsigned>(k), 0);
        if (r < 0) {
            if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {  // the device is busy: again
                ++errors;
                continue;
            }
            std::fprintf(stderr, "send-frames: send: %s\n", std::strerror(errno));
            return 2;
        }
        sent += static_cast<uint64_t>(r);
        i += static_cast<size_t>(r);
    }
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("sent %llu frames in %.3f s: %.0f pps, %llu busy retries\n", static_cast<unsigned long long>(sent),
                secs, static_cast<double>(sent) / secs, static_cast<unsigned long long>(errors));
    close(s);
    return 0;
}
