// gen-scan: a port-80 SYN scan shaped like the Internet's answers, written
// as a classic pcap fast enough to be piped into middlebox-scan at a rate
// a disk could not hold (1B SYNs are about 120 GB of pcap).
//
// One scanner (192.0.2.1) sends one SYN to each of N distinct IPv4
// addresses, every SYN with the same options (zmap's tcp_synopt sends one
// template: MSS, SACK_PERM, TS, NOP, WS, MP_CAPABLE v0 with a fixed key,
// kind 222). The answers are the mix bench/gen_scan.py --mix real --template
// draws (its MIXES["real"]), after a random round-trip time:
//
//   87.0 %  nothing
//   10.0 %  RST+ACK
//    2.7 %  SYN+ACK with the server's own options (mptcp-absent)
//    0.1 %  SYN+ACK with the server's own MP_CAPABLE v0 key (mptcp-genuine)
//    0.2 %  an echoing box a few hops away returns the SYN's options byte
//           for byte (mptcp-echo)
//
// and the scanner's kernel resets every SYN+ACK'd connection. The same seed
// gives the same bytes. What an analysis must find (the verdict counts) is
// written as JSON, with the keys gen_scan.py's truth has, to OUT.truth.json
// beside a file, or to stderr when the capture goes to stdout or pipes.
//
//   gen-scan -n 10000000 -o /var/tmp/scan.pcap
//   gen-scan -n 1000000000 | middlebox-scan --only answered --format ndjson -
//   gen-scan -n 100000000 -o /dev/fd/3 -o /dev/fd/4 3>... 4>...   (one scan, several readers)
//
// Addresses are distinct up to 3.7 billion SYNs (every unicast /8 but 0,
// 10 and 127): a bijection of the 32-bit space, skipping the reserved.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

namespace {

constexpr uint8_t kSyn = 0x02, kRst = 0x04, kAck = 0x10;
constexpr uint32_t kScanner = 0xC0000201;  // 192.0.2.1
constexpr size_t kMaxFrame = 14 + 20 + 60;

// The probe: MSS 1460, SACK_PERM, TS (TSval 0x2a2a2a2a), NOP, WS 7,
// MP_CAPABLE v0 with key 0x0123456789abcdef, kind 222 (gen_scan.py's).
constexpr uint8_t kProbe[] = {0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x2a, 0x2a, 0x2a, 0x2a,
                              0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07, 0x1e, 0x0c, 0x00, 0x81,
                              0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xde, 0x04, 0xf9, 0x89};
constexpr uint32_t kProbeTsval = 0x2a2a2a2a;

// splitmix64: fast, and the same sequence everywhere.
struct Rng {
    uint64_t s;
    uint64_t next() {
        uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    uint32_t between(uint32_t lo, uint32_t hi) { return lo + static_cast<uint32_t>(next() % (hi - lo + 1)); }
};

enum class Answer { None, Rst, Plain, Genuine, Echo };

struct Truth {
    uint64_t handshakes = 0, packets = 0, none = 0, rst = 0, absent = 0, genuine = 0, echo = 0;
};

// One frame, built whole, waiting in the queue for its capture time.
struct Frame {
    int64_t ts_us = 0;
    uint64_t order = 0;  // ties keep the order frames were made in
    uint8_t len = 0;
    uint8_t bytes[kMaxFrame];
    bool operator>(const Frame& o) const { return ts_us != o.ts_us ? ts_us > o.ts_us : order > o.order; }
};

struct Tcp {
    uint32_t src, dst;
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags, ttl;
    const uint8_t* options;
    uint8_t options_len;  // a multiple of 4
};

void put16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}
void put32(uint8_t* p, uint32_t v) {
    put16(p, static_cast<uint16_t>(v >> 16));
    put16(p + 2, static_cast<uint16_t>(v));
}

uint32_t sum16(const uint8_t* p, size_t n, uint32_t s = 0) {
    for (size_t i = 0; i + 1 < n; i += 2) s += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
    if (n & 1) s += static_cast<uint32_t>(p[n - 1] << 8);
    return s;
}
uint16_t fold(uint32_t s) {
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return static_cast<uint16_t>(~s);
}

// Ethernet, IPv4 (DF, checksummed), TCP (checksummed): the frame's length.
uint8_t build(uint8_t* f, const Tcp& t) {
    static const uint8_t kToServer[14] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
    static const uint8_t kToScanner[14] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00};
    std::memcpy(f, t.src == kScanner ? kToServer : kToScanner, 14);
    uint8_t* ip = f + 14;
    uint8_t* tcp = ip + 20;
    const uint16_t tcp_len = static_cast<uint16_t>(20 + t.options_len);
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, static_cast<uint16_t>(20 + tcp_len));
    put16(ip + 4, 0);
    put16(ip + 6, 0x4000);
    ip[8] = t.ttl;
    ip[9] = 6;
    put16(ip + 10, 0);
    put32(ip + 12, t.src);
    put32(ip + 16, t.dst);
    put16(ip + 10, fold(sum16(ip, 20)));
    put16(tcp, t.sport);
    put16(tcp + 2, t.dport);
    put32(tcp + 4, t.seq);
    put32(tcp + 8, t.ack);
    tcp[12] = static_cast<uint8_t>((5 + t.options_len / 4) << 4);
    tcp[13] = t.flags;
    put16(tcp + 14, 64240);
    put16(tcp + 16, 0);
    put16(tcp + 18, 0);
    if (t.options_len) std::memcpy(tcp + 20, t.options, t.options_len);
    uint8_t pseudo[12];
    put32(pseudo, t.src);
    put32(pseudo + 4, t.dst);
    put16(pseudo + 8, 6);
    put16(pseudo + 10, tcp_len);
    put16(tcp + 16, fold(sum16(tcp, tcp_len, sum16(pseudo, 12))));
    return static_cast<uint8_t>(14 + 20 + tcp_len);
}

// The capture, written to every output at once in large blocks.
class Writer {
public:
    explicit Writer(std::vector<int> fds) : fds_(std::move(fds)) {
        buf_.reserve(kBlock + 64 * 1024);
        // In this host's byte order, which the magic tells readers: v2.4, Ethernet.
        const uint32_t magic = 0xa1b2c3d4u, zone = 0, sigfigs = 0, snaplen = 262144, link = 1;
        const uint16_t major = 2, minor = 4;
        append(&magic, 4), append(&major, 2), append(&minor, 2), append(&zone, 4), append(&sigfigs, 4);
        append(&snaplen, 4), append(&link, 4);
    }
    void frame(const Frame& f) {
        const uint32_t rec[4] = {static_cast<uint32_t>(f.ts_us / 1000000), static_cast<uint32_t>(f.ts_us % 1000000),
                                 f.len, f.len};
        append(rec, sizeof rec);
        append(f.bytes, f.len);
        ++packets;
        if (buf_.size() >= kBlock) flush();
    }
    void flush() {
        for (int fd : fds_) {
            size_t done = 0;
            while (done < buf_.size()) {
                const ssize_t n = ::write(fd, buf_.data() + done, buf_.size() - done);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) {
                    std::fprintf(stderr, "gen-scan: write: %s\n", std::strerror(errno));
                    std::exit(2);
                }
                done += static_cast<size_t>(n);
            }
        }
        buf_.clear();
    }
    uint64_t packets = 0;

private:
    static constexpr size_t kBlock = 1 << 20;
    void append(const void* p, size_t n) {
        const auto* b = static_cast<const uint8_t*>(p);
        buf_.insert(buf_.end(), b, b + n);
    }
    std::vector<int> fds_;
    std::vector<uint8_t> buf_;
};

// The i-th distinct address: j * K + C over the 32-bit space (a bijection
// for odd K), skipping 0/8, 10/8, 127/8 and 224/3.
class Addresses {
public:
    uint32_t next() {
        for (;;) {
            const uint32_t a = static_cast<uint32_t>(j_++ * 0x9E3779B1u + 0x0B000001u);
            const uint32_t top = a >> 24;
            if (top != 0 && top != 10 && top != 127 && top < 224) return a;
        }
    }

private:
    uint32_t j_ = 0;
};

struct Args {
    uint64_t n = 0;
    uint64_t seed = 6;
    uint32_t rate = 50000;
    bool answers_only = false;
    std::vector<std::string> outs;
};

void usage() {
    std::fprintf(stderr,
                 "usage: gen-scan -n SYNS [-o OUT ...] [--seed S] [--rate SYNS_PER_S] [--answers-only]\n"
                 "  OUT: a file (its truth in OUT.truth.json) or - (stdout, the default; truth on stderr);\n"
                 "  several -o write the same bytes to each (truth on stderr)\n");
    std::exit(1);
}

Args parse(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) usage();
            return argv[++i];
        };
        if (k == "-n" || k == "--handshakes")
            a.n = std::strtoull(value(), nullptr, 10);
        else if (k == "-o" || k == "--out")
            a.outs.push_back(value());
        else if (k == "--seed")
            a.seed = std::strtoull(value(), nullptr, 10);
        else if (k == "--rate")
            a.rate = static_cast<uint32_t>(std::strtoul(value(), nullptr, 10));
        else if (k == "--answers-only")
            a.answers_only = true;
        else
            usage();
    }
    if (a.n == 0 || a.rate == 0 || a.n > 3700000000ull) usage();
    if (a.outs.empty()) a.outs.push_back("-");
    return a;
}

std::string truth_json(const Truth& t, bool answers_only) {
    std::string hex;
    char b[3];
    for (uint8_t x : kProbe) {
        std::snprintf(b, sizeof b, "%02x", x);
        hex += b;
    }
    const uint64_t synacks = t.absent + t.genuine + t.echo;
    char out[1024];
    std::snprintf(out, sizeof out,
                  "{\"answers_only\": %s, \"handshakes\": %llu, \"mptcp-absent\": %llu, \"mptcp-echo\": %llu, "
                  "\"mptcp-genuine\": %llu, \"no-answer\": %llu, \"option-echo\": 0, \"packets\": %llu, \"plain\": 0, "
                  "\"probe\": \"hex:%s\", \"rst\": %llu, \"synacks\": %llu}\n",
                  answers_only ? "true" : "false", static_cast<unsigned long long>(t.handshakes),
                  static_cast<unsigned long long>(t.absent), static_cast<unsigned long long>(t.echo),
                  static_cast<unsigned long long>(t.genuine), static_cast<unsigned long long>(t.none),
                  static_cast<unsigned long long>(t.packets), hex.c_str(), static_cast<unsigned long long>(t.rst),
                  static_cast<unsigned long long>(synacks));
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    const Args a = parse(argc, argv);
    std::vector<int> fds;
    for (const std::string& o : a.outs) {
        const int fd = o == "-" ? 1 : ::open(o.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
            std::fprintf(stderr, "gen-scan: %s: %s\n", o.c_str(), std::strerror(errno));
            return 2;
        }
        fds.push_back(fd);
    }
    Writer w(fds);
    Rng rng{a.seed};
    Addresses addresses;
    Truth truth;
    std::priority_queue<Frame, std::vector<Frame>, std::greater<Frame>> later;
    uint64_t order = 0;
    const int64_t t0 = 1700000000LL * 1000000;
    const double gap_us = 1e6 / a.rate;
    auto emit_until = [&](int64_t ts) {
        while (!later.empty() && later.top().ts_us <= ts) {
            w.frame(later.top());
            later.pop();
        }
    };
    auto queue = [&](int64_t ts, const Tcp& t) {
        Frame f;
        f.ts_us = ts;
        f.order = order++;
        f.len = build(f.bytes, t);
        later.push(f);
    };

    for (uint64_t i = 0; i < a.n; ++i) {
        const int64_t ts = t0 + static_cast<int64_t>(static_cast<double>(i) * gap_us);
        emit_until(ts);
        const uint32_t server = addresses.next();
        const uint16_t sport = static_cast<uint16_t>(32768 + i % 28000);
        const uint32_t seq = static_cast<uint32_t>(rng.next());
        const uint32_t cseq = seq + 1;
        if (!a.answers_only) queue(ts, Tcp{kScanner, server, sport, 80, seq, 0, kSyn, 64, kProbe, sizeof kProbe});
        ++truth.handshakes;
        const double r = rng.uniform();
        const Answer kind = r < 0.87    ? Answer::None
                            : r < 0.97  ? Answer::Rst
                            : r < 0.997 ? Answer::Plain
                            : r < 0.998 ? Answer::Genuine
                                        : Answer::Echo;
        if (kind == Answer::None) {
            ++truth.none;
            continue;
        }
        const uint64_t draw = rng.next();
        const uint32_t rtt = 20000 + static_cast<uint32_t>(draw % 280001);
        static const uint8_t kInitialTtl[3] = {64, 128, 255};
        const uint8_t ttl = static_cast<uint8_t>(kInitialTtl[(draw >> 32) % 3] - (5 + (draw >> 40) % 21));
        const uint32_t sseq = static_cast<uint32_t>(draw >> 20) ^ static_cast<uint32_t>(rng.next());
        int64_t at = ts + rtt;
        if (kind == Answer::Rst) {
            ++truth.rst;
            queue(at, Tcp{server, kScanner, 80, sport, 0, cseq, kRst | kAck, ttl, nullptr, 0});
            continue;
        }
        if (kind == Answer::Echo) {
            ++truth.echo;
            at = ts + rng.between(2000, 20000);
            const uint8_t near = static_cast<uint8_t>(64 - rng.between(2, 6));
            queue(at, Tcp{server, kScanner, 80, sport, sseq, cseq, kSyn | kAck, near, kProbe, sizeof kProbe});
        } else {
            uint8_t own[32];
            uint8_t len = 0;
            static const uint16_t kMss[3] = {1460, 1400, 1380};
            const uint64_t d = rng.next();
            if (d % 10 < 7) {  // MSS, SACK_PERM, TS (echoing the probe's TSval), NOP, WS
                own[0] = 2, own[1] = 4;
                put16(own + 2, kMss[(d >> 8) % 3]);
                own[4] = 4, own[5] = 2, own[6] = 8, own[7] = 10;
                put32(own + 8, static_cast<uint32_t>(d >> 32) | 1);
                put32(own + 12, kProbeTsval);
                own[16] = 1, own[17] = 3, own[18] = 3, own[19] = static_cast<uint8_t>((d >> 16) % 10);
                len = 20;
            } else {
                own[0] = 2, own[1] = 4;
                put16(own + 2, 1460);
                len = 4;
            }
            if (kind == Answer::Genuine) {
                ++truth.genuine;
                const uint64_t key = rng.next() | 2;
                own[len] = 0x1e, own[len + 1] = 0x0c, own[len + 2] = 0x00, own[len + 3] = 0x01;
                put32(own + len + 4, static_cast<uint32_t>(key >> 32));
                put32(own + len + 8, static_cast<uint32_t>(key));
                len = static_cast<uint8_t>(len + 12);
            } else {
                ++truth.absent;
            }
            queue(at, Tcp{server, kScanner, 80, sport, sseq, cseq, kSyn | kAck, ttl, own, len});
        }
        // No socket on the scanner: its kernel resets the connection.
        if (!a.answers_only) queue(at + 30, Tcp{kScanner, server, sport, 80, cseq, 0, kRst, 64, nullptr, 0});
    }
    emit_until(INT64_MAX);
    w.flush();
    truth.packets = w.packets;
    for (size_t k = 0; k < fds.size(); ++k)
        if (fds[k] != 1 && ::close(fds[k]) != 0) {
            std::fprintf(stderr, "gen-scan: %s: %s\n", a.outs[k].c_str(), std::strerror(errno));
            return 2;
        }
    const std::string summary = truth_json(truth, a.answers_only);
    if (a.outs.size() == 1 && a.outs[0] != "-") {
        FILE* f = std::fopen((a.outs[0] + ".truth.json").c_str(), "w");
        if (f == nullptr || std::fputs(summary.c_str(), f) < 0 || std::fclose(f) != 0) {
            std::fprintf(stderr, "gen-scan: %s.truth.json: %s\n", a.outs[0].c_str(), std::strerror(errno));
            return 2;
        }
        std::fputs(summary.c_str(), stdout);
    } else {
        std::fputs(summary.c_str(), stderr);
    }
    return 0;
}
