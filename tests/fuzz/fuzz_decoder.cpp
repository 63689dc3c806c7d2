// Fuzzes the scanner's decoding of a captured frame (FrameDecoder.h, and
// PacketDecoder.h behind it): link layers (PPP, PPPoE, Cisco HDLC, NFLOG,
// netfilter in netlink, 802.11 bare and behind radiotap or PPI among them),
// tunnels (GRE, ERSPAN, VXLAN, GTP-U, Geneve), IPv4 options, IPv6 extension
// headers, TCP headers, ICMP/ICMPv6 quotes.
//
// Input: [link] picks the link type (index into kLinkTypes, mod its size),
// the rest is the frame, in a heap buffer of exactly its size so that ASan
// sees any read past the captured bytes.
#include "FuzzInput.h"
#include "middlebox/Correlator.h"
#include "middlebox/FrameDecoder.h"

using namespace middlebox;

namespace {

const int kLinkTypes[] = {linktype::kEthernet,
                          linktype::kLinuxSll,
                          linktype::kLinuxSll2,
                          linktype::kRaw,
                          linktype::kIpv4,
                          linktype::kIpv6,
                          linktype::kNull,
                          linktype::kLoop,
                          linktype::kRawDlt,
                          147,  // 147: a link type the decoder does not know
                          linktype::kPpp,
                          linktype::kPppoe,
                          linktype::kCiscoHdlc,
                          linktype::kNflog,
                          linktype::kIeee80211,
                          linktype::kRadiotap,
                          linktype::kPpi,
                          linktype::kNetlink,
                          linktype::kPppDir};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    mbfuzz::Input in(data, size);
    const int linktype = kLinkTypes[in.u8() % (sizeof(kLinkTypes) / sizeof(kLinkTypes[0]))];
    const std::vector<uint8_t> frame = in.bytes(in.remaining());
    Segment s;
    bool visible = true;
    const FrameOutcome o = decode_frame(linktype, frame.data(), frame.size(), &s, &visible);
    MBFUZZ_CHECK(static_cast<int>(o) < kFrameOutcomeCount);
    if (o != FrameOutcome::Quote) MBFUZZ_CHECK(!visible);
    if (o != FrameOutcome::Segment && o != FrameOutcome::Quote) return 0;

    // The segment's options lie inside the frame, within what TCP declares.
    MBFUZZ_CHECK(s.options_captured <= s.options_declared && s.options_declared <= kMaxOptionBytes);
    if (s.options_captured > 0) {
        MBFUZZ_CHECK(s.options >= frame.data() && s.options + s.options_captured <= frame.data() + frame.size());
    }
    MBFUZZ_CHECK(s.tuple.src.family == 4 || s.tuple.src.family == 6);
    MBFUZZ_CHECK(s.tuple.src.family == s.tuple.dst.family);
    (void)s.option_block();

    // And the correlator takes it as the scanner hands it over.
    Correlator c(4);
    s.frame = 1;
    if (o == FrameOutcome::Segment) {
        const FrameRecord* r = c.observe(s);
        if (r != nullptr) MBFUZZ_CHECK(r->handshake < c.handshake_count());
    } else {
        (void)c.observe_quote(1, s, visible);
    }
    return 0;
}
