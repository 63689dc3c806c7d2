#include "Fields.h"

#include <epan/packet.h>

namespace middlebox_ws {

Fields fields;

void register_fields() {
    Fields& f = fields;
    static hf_register_info hf[] = {
        {&f.verdict, {"Verdict", "middlebox.verdict", FT_STRING, BASE_NONE, nullptr, 0x0,
                      "What the handshake shows: mptcp-genuine, mptcp-echo, mptcp-absent, mptcp-join, "
                      "option-echo, simultaneous-open, plain, no-syn, no-answer, rst, truncated, icmp-error",
                      HFILL}},
        {&f.syn_frame, {"SYN in frame", "middlebox.syn_frame", FT_FRAMENUM, BASE_NONE,
                        FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0, "The SYN this segment answers", HFILL}},
        {&f.synack_frame, {"SYN+ACK in frame", "middlebox.synack_frame", FT_FRAMENUM, BASE_NONE,
                           FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0, "The SYN+ACK that answers this SYN", HFILL}},
        {&f.rst_frame, {"RST in frame", "middlebox.rst_frame", FT_FRAMENUM, BASE_NONE,
                        FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0, "The RST that answers this SYN", HFILL}},
        {&f.echo_mp_capable, {"MP_CAPABLE echoed", "middlebox.echo.mp_capable", FT_BOOLEAN, BASE_NONE, nullptr,
                              0x0, "The SYN+ACK's MP_CAPABLE holds no key of the server's own (present only when true)",
                              HFILL}},
        {&f.echo_mp_join, {"MP_JOIN echoed", "middlebox.echo.mp_join", FT_BOOLEAN, BASE_NONE, nullptr, 0x0,
                           "The SYN's MP_JOIN came back byte for byte (present only when true)", HFILL}},
        {&f.echo_unknown, {"Unknown option echoed", "middlebox.echo.unknown", FT_BOOLEAN, BASE_NONE, nullptr, 0x0,
                           "An unknown or experimental option came back byte for byte (present only when true)",
                           HFILL}},
        {&f.echo_tsval, {"Timestamps echoed", "middlebox.echo.tsval", FT_BOOLEAN, BASE_NONE, nullptr, 0x0,
                         "The SYN's TS option came back byte for byte, its TSecr included: a correct SYN+ACK's TSecr "
                         "is the SYN's TSval (present only when true)",
                         HFILL}},
        {&f.echo_tfo_request, {"TFO cookie request echoed", "middlebox.echo.tfo_request", FT_BOOLEAN, BASE_NONE,
                               nullptr, 0x0,
                               "The SYN's empty TCP Fast Open option came back unchanged: a server answers a cookie "
                               "request with a cookie or not at all (present only when true)",
                               HFILL}},
        {&f.echo_all_options, {"Whole option block echoed", "middlebox.echo.all_options", FT_BOOLEAN, BASE_NONE,
                               nullptr, 0x0, "The SYN+ACK's options are the SYN's, byte for byte (present only when true)",
                               HFILL}},
        {&f.echo_kind, {"Echoed option kind", "middlebox.echo.kind", FT_UINT8, BASE_DEC, nullptr, 0x0,
                        "Kind of an option returned byte for byte that a genuine server would not copy", HFILL}},
        {&f.mptcp_syn_version, {"SYN MP_CAPABLE version", "middlebox.mptcp.syn_version", FT_UINT8, BASE_DEC, nullptr,
                                0x0, "0: RFC 6824, 1: RFC 8684", HFILL}},
        {&f.mptcp_synack_version, {"SYN+ACK MP_CAPABLE version", "middlebox.mptcp.synack_version", FT_UINT8, BASE_DEC,
                                   nullptr, 0x0, nullptr, HFILL}},
        {&f.mptcp_syn_key, {"SYN key", "middlebox.mptcp.syn_key", FT_UINT64, BASE_HEX, nullptr, 0x0,
                            "The client's key offered in the SYN (v0; a v1 SYN carries none)", HFILL}},
        {&f.mptcp_synack_key, {"SYN+ACK key", "middlebox.mptcp.synack_key", FT_UINT64, BASE_HEX, nullptr, 0x0,
                               "The key in the SYN+ACK's MP_CAPABLE", HFILL}},
        {&f.mptcp_keyless, {"SYN+ACK MP_CAPABLE without key", "middlebox.mptcp.synack_keyless", FT_BOOLEAN, BASE_NONE,
                            nullptr, 0x0, "RFC 8684 forbids it: the keyless form belongs to the SYN", HFILL}},
        {&f.tsval_equal, {"TSval equals the SYN's", "middlebox.tsval_equal", FT_BOOLEAN, BASE_NONE, nullptr, 0x0,
                          "The SYN+ACK's TSval is the SYN's, and its TSecr acknowledges the SYN: the same clock on "
                          "both sides (loopback, one host) or a TS-aware proxy. A weak sign, not evidence of an echo "
                          "(present only when true)",
                          HFILL}},
        {&f.tfo_cookie_request, {"TFO cookie request", "middlebox.tfo.cookie_request", FT_BOOLEAN, BASE_NONE, nullptr,
                                 0x0, "The SYN asks for a TCP Fast Open cookie (present only when true)", HFILL}},
        {&f.tfo_syn_cookie, {"SYN's TFO cookie", "middlebox.tfo.syn_cookie", FT_BYTES, BASE_NONE, nullptr, 0x0,
                             "The TCP Fast Open cookie the SYN presents", HFILL}},
        {&f.tfo_synack_cookie, {"SYN+ACK's TFO cookie", "middlebox.tfo.synack_cookie", FT_BYTES, BASE_NONE, nullptr,
                                0x0, "The TCP Fast Open cookie the SYN+ACK gives", HFILL}},
        {&f.tfo_experimental, {"Experimental TFO form", "middlebox.tfo.experimental", FT_BOOLEAN, BASE_NONE, nullptr,
                               0x0, "TCP Fast Open as kind 254 with ExID 0xF989 (RFC 7413, RFC 6994; present only when true)",
                               HFILL}},
        {&f.tfo_syn_data, {"SYN data", "middlebox.tfo.syn_data", FT_UINT16, BASE_DEC, nullptr, 0x0,
                           "Bytes of data the SYN carried (TCP Fast Open)", HFILL}},
        {&f.tfo_data_acked, {"SYN data acknowledged", "middlebox.tfo.data_acked", FT_UINT16, BASE_DEC, nullptr, 0x0,
                             "Bytes of the SYN's data the SYN+ACK acknowledges: 0 when the server took only the SYN",
                             HFILL}},
        {&f.diff, {"Options against the SYN", "middlebox.diff", FT_STRING, BASE_NONE, nullptr, 0x0,
                   "The SYN+ACK's options set against the SYN's: +added, -removed, ~changed, =returned unchanged",
                   HFILL}},
        {&f.ttl, {"TTL", "middlebox.ttl", FT_UINT8, BASE_DEC, nullptr, 0x0,
                  "IPv4 TTL or IPv6 hop limit of this segment", HFILL}},
        {&f.hops, {"Estimated hops", "middlebox.hops", FT_UINT8, BASE_DEC, nullptr, 0x0,
                   "Hops travelled, assuming the sender started from 32, 64, 128 or 255", HFILL}},
        {&f.server_ttl, {"Server's data TTL", "middlebox.server_ttl", FT_UINT8, BASE_DEC, nullptr, 0x0,
                         "TTL most of the server's first data segments on this connection arrived with", HFILL}},
        {&f.server_hops, {"Server's estimated hops", "middlebox.server_hops", FT_UINT8, BASE_DEC, nullptr, 0x0,
                          "Hops the server's data segments travelled (from middlebox.server_ttl)", HFILL}},
        {&f.hop_mismatch, {"SYN+ACK from another distance", "middlebox.hop_mismatch", FT_BOOLEAN, BASE_NONE, nullptr,
                           0x0,
                           "None of the server's data segments (at least two) came with the SYN+ACK's TTL (present "
                           "only when true)",
                           HFILL}},
        {&f.syn_proxy, {"SYN+ACK from a box nearer than the server", "middlebox.syn_proxy", FT_BOOLEAN, BASE_NONE,
                        nullptr, 0x0,
                        "The SYN+ACK came from fewer hops than the server's data: a box (SYN proxy) answered for the "
                        "server, so the SYN+ACK's options are the box's (present only when true)",
                        HFILL}},
        {&f.against_probe, {"Compared against the probe template", "middlebox.against_probe", FT_BOOLEAN, BASE_NONE,
                            nullptr, 0x0,
                            "This SYN+ACK's SYN is not in the capture: its options were compared against the scan's "
                            "probe template (preference middlebox.probe_options) as if it were the SYN (present only "
                            "when true)",
                            HFILL}},
        {&f.icmp_frame, {"ICMP error in frame", "middlebox.icmp_frame", FT_FRAMENUM, BASE_NONE,
                         FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0, "An ICMP/ICMPv6 error that quotes this SYN", HFILL}},
        {&f.syn_retransmission, {"SYN retransmission", "middlebox.syn_retransmission", FT_BOOLEAN, BASE_NONE,
                                 nullptr, 0x0, "A later copy of a SYN already seen (present only when true)", HFILL}},
        {&f.synack_retransmission, {"SYN+ACK retransmission", "middlebox.synack_retransmission", FT_BOOLEAN,
                                    BASE_NONE, nullptr, 0x0,
                                    "A later copy of a SYN+ACK already seen (present only when true)", HFILL}},
        {&f.syn_copies, {"SYN copies", "middlebox.syn_copies", FT_UINT16, BASE_DEC, nullptr, 0x0,
                         "How many times the SYN was sent", HFILL}},
        {&f.options_status, {"Options status", "middlebox.options_status", FT_STRING, BASE_NONE, nullptr, 0x0,
                             "truncated or malformed when the options could not be compared", HFILL}},
        {&f.evictions, {"Pending SYNs dropped so far", "middlebox.evictions", FT_UINT64, BASE_DEC, nullptr, 0x0,
                        "SYNs dropped from the pending table because it reached its cap", HFILL}},
        {&f.quote_syn_frame, {"Quoted SYN in frame", "middlebox.quote.syn_frame", FT_FRAMENUM, BASE_NONE,
                              FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0,
                              "The SYN this ICMP/ICMPv6 error quotes (the copy sent last before it)", HFILL}},
        {&f.quote_diff, {"Quoted options against the SYN", "middlebox.quote.diff", FT_STRING, BASE_NONE, nullptr, 0x0,
                         "The SYN as this hop saw it, set against the SYN as sent: -removed on the way, +added, "
                         "~rewritten, =unchanged",
                         HFILL}},
        {&f.quote_stripped, {"Option stripped before this hop", "middlebox.quote.stripped", FT_BOOLEAN, BASE_NONE,
                             nullptr, 0x0, "An option of the SYN is missing from this quote (present only when true)",
                             HFILL}},
        {&f.quote_changed, {"Options changed before this hop", "middlebox.quote.changed", FT_BOOLEAN, BASE_NONE,
                            nullptr, 0x0, "The quoted options differ from the SYN's (present only when true)", HFILL}},
        {&f.copy_first_frame, {"Copy of the segment in frame", "middlebox.copy.first_frame", FT_FRAMENUM, BASE_NONE,
                               FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0x0,
                               "This segment was seen before, further up its path (same 4-tuple, sequence number and "
                               "flags, a higher TTL): that frame. A copy, not a retransmission",
                               HFILL}},
        {&f.copy_ttl_delta, {"Hops since that copy", "middlebox.copy.ttl_delta", FT_UINT8, BASE_DEC, nullptr, 0x0,
                             "The first copy's TTL (hop limit) minus this one's: the routers between the two points",
                             HFILL}},
        {&f.copy_diff, {"Options against that copy", "middlebox.copy.diff", FT_STRING, BASE_NONE, nullptr, 0x0,
                        "This copy's options set against the first copy's: -removed on the way, +added, ~rewritten, "
                        "=unchanged",
                        HFILL}},
        {&f.copy_changed, {"Options changed since that copy", "middlebox.copy.changed", FT_BOOLEAN, BASE_NONE, nullptr,
                           0x0, "This copy's options differ from the first copy's (present only when true)", HFILL}},
        {&f.rewritten_on_path, {"SYN+ACK rewritten on the path", "middlebox.rewritten_on_path", FT_BOOLEAN, BASE_NONE,
                                nullptr, 0x0,
                                "The SYN+ACK was no echo where it was first seen (the server's side) and is an echo of "
                                "the SYN here: a box between the two points rewrote it (present only when true)",
                                HFILL}},
    };
    static gint* ett[] = {&f.ett, &f.ett_echo, &f.ett_mptcp, &f.ett_path, &f.ett_quote, &f.ett_tfo, &f.ett_copy};
    static ei_register_info ei[] = {
        {&f.ei_mptcp_echo, {"middlebox.mptcp_echo", PI_PROTOCOL, PI_WARN,
                            "MP_CAPABLE echoed: a middlebox answered, not an MPTCP server", EXPFILL}},
        {&f.ei_option_echo, {"middlebox.option_echo", PI_PROTOCOL, PI_WARN,
                             "Options echoed from the SYN: a middlebox answered", EXPFILL}},
        {&f.ei_mptcp_genuine, {"middlebox.mptcp_genuine", PI_PROTOCOL, PI_NOTE,
                               "Genuine MPTCP server: MP_CAPABLE with its own key", EXPFILL}},
        {&f.ei_mptcp_absent, {"middlebox.mptcp_absent", PI_PROTOCOL, PI_CHAT,
                              "MP_CAPABLE offered but not returned", EXPFILL}},
        {&f.ei_hop_mismatch, {"middlebox.hop_mismatch", PI_SEQUENCE, PI_WARN,
                              "SYN+ACK TTL differs from the server's data segments", EXPFILL}},
        {&f.ei_syn_proxy, {"middlebox.syn_proxy", PI_SEQUENCE, PI_WARN,
                           "A box nearer than the server answered the SYN (SYN proxy): its options are the box's",
                           EXPFILL}},
        {&f.ei_against_probe, {"middlebox.against_probe", PI_SEQUENCE, PI_NOTE,
                               "No SYN in the capture: compared against the probe template", EXPFILL}},
        {&f.ei_tsval_equal, {"middlebox.tsval_equal", PI_SEQUENCE, PI_CHAT,
                             "TSval equals the SYN's: same clock or a TS-aware proxy, not an echo", EXPFILL}},
        {&f.ei_truncated, {"middlebox.options_truncated", PI_MALFORMED, PI_WARN,
                           "TCP options cut by the capture: not compared", EXPFILL}},
        {&f.ei_malformed, {"middlebox.options_malformed", PI_MALFORMED, PI_ERROR,
                           "Invalid TCP option length: options not compared", EXPFILL}},
        {&f.ei_no_syn_evicted, {"middlebox.syn_dropped", PI_SEQUENCE, PI_NOTE,
                                "Pending SYNs were dropped at the cap: this SYN+ACK's SYN may be one", EXPFILL}},
        {&f.ei_unsolicited_mpc, {"middlebox.unsolicited_mp_capable", PI_PROTOCOL, PI_WARN,
                                 "MP_CAPABLE in a SYN+ACK to a SYN that offered none", EXPFILL}},
        {&f.ei_quote_stripped, {"middlebox.quote_stripped", PI_PROTOCOL, PI_WARN,
                                "The SYN reached this hop without an option it was sent with", EXPFILL}},
        {&f.ei_quote_changed, {"middlebox.quote_changed", PI_PROTOCOL, PI_NOTE,
                               "The SYN's options were rewritten before this hop", EXPFILL}},
        {&f.ei_copy_changed, {"middlebox.copy_changed", PI_PROTOCOL, PI_NOTE,
                              "The options of this segment changed between two capture points", EXPFILL}},
        {&f.ei_rewritten_on_path, {"middlebox.rewritten_on_path", PI_PROTOCOL, PI_WARN,
                                   "SYN+ACK genuine where first seen, an echo here: rewritten on the path", EXPFILL}},
    };

    f.proto = proto_register_protocol("Middlebox detection (TCP option echo)", "Middlebox", "middlebox");
    proto_register_field_array(f.proto, hf, G_N_ELEMENTS(hf));
    proto_register_subtree_array(ett, G_N_ELEMENTS(ett));
    expert_module_t* em = expert_register_protocol(f.proto);
    expert_register_field_array(em, ei, G_N_ELEMENTS(ei));
}

}  // namespace middlebox_ws
