// How a handshake is described to people: the one place for each spelling
// that the reports (text, JSON, CSV, pairs), the packet fields and the
// dialog share. Each spelling is an appender (put_*: the report writes a
// million rows without a temporary string) and, where a caller wants one, a
// string (*_text).
//
// Where the views used to disagree, the -z middlebox report's spelling was
// kept (its output is a public interface) and the dialog's changed:
// * echoed: "MP_CAPABLE key 0x..", "MP_CAPABLE keyless", "kind 222",
//   "kinds 8,222" (not "key 0x..", "keyless MP_CAPABLE", "kinds MPTCP (30),
//   KIND222"); a handshake's is its server row's text for that handshake
//   alone (no "MP_JOIN", "timestamps", "whole option block": the option
//   diff shows what came back);
// * verdict lists: verdict order, not echoes first then by count;
// * a server: "10.0.0.2:80", "[2001:db8::2]:80", not "10.0.0.2 port 80";
// * CSV: a field is quoted only when it must be (RFC 4180), not always.
// A cell with nothing to show is "-" in the text table, empty elsewhere.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "middlebox/Segment.h"
#include "middlebox/TextBuffer.h"
#include "middlebox/Verdict.h"

namespace middlebox {

struct EchoEvidence;            // EchoEvidence.h
enum class Distance : uint8_t;  // Correlator.h
struct ServerSummary;           // Registry.h, which includes this header

// ---- addresses ----

// "10.0.0.2", "2001:db8::1" (RFC 5952: lower case, the longest run of two
// or more zero groups as "::").
std::string address_text(const Address& a);
void put_address(TextBuffer& s, const Address& a);
// "10.0.0.2:80", "[2001:db8::2]:80".
std::string endpoint_text(const Address& a, uint16_t port);
void put_endpoint(TextBuffer& s, const Address& a, uint16_t port);

// ---- bytes ----

// An MPTCP key: "0x0123456789abcdef", always 16 lower-case digits.
std::string key_text(uint64_t key);
void put_key(TextBuffer& s, uint64_t key);
// Option bytes as lower-case hex, two digits a byte: "f989".
std::string hex_text(const uint8_t* p, size_t n);

// ---- counts ----

// "1 frame", "3 frames".
std::string plural(uint64_t n, const char* one, const char* many);
// "mptcp-echo 2, plain 1": every non-zero count, in verdict order (enum
// Verdict: the CSV's columns, docs/verdicts.md), so that a column of such
// lists reads alike from row to row; nothing when every count is 0.
std::string verdict_list(const uint32_t (&counts)[kVerdictCount]);
void put_verdict_list(TextBuffer& s, const uint32_t (&counts)[kVerdictCount]);
// Estimated hops: "7", or "5-7" when they differ.
std::string hops_text(unsigned min, unsigned max);
void put_hops(TextBuffer& s, unsigned min, unsigned max);

// The SYN+ACK's distance against the server's (middlebox.distance):
// "same", "ttl-set", "other-initial-ttl", "synack-nearer",
// "synack-farther"; nullptr when unknown.
const char* distance_name(Distance d);

// ---- what SYN+ACKs copied from their SYNs ----

// "MP_CAPABLE key 0x..; kind 30", "MP_CAPABLE keys 0x..,0x..,0x.. (+2
// more); MP_CAPABLE keyless; kinds 8,222": the keys returned (at most three
// shown), the keyless v1 form, the option kinds that prove the copy,
// ascending; nothing when nothing was copied.
std::string echoed_text(const ServerSummary& s);
void put_echoed(TextBuffer& s, const ServerSummary& row);
// One handshake's: what its server row would say were it the only one.
std::string echoed_text(const EchoEvidence& e);
// The kinds set, ascending, joined by `sep`: "8,222".
void put_kind_list(TextBuffer& s, const std::bitset<256>& kinds, std::string_view sep);

// ---- the packet list ----

// The short note the Info column gets for a handshake, in the style of
// Wireshark's own "[TCP Retransmission]": "[MP_CAPABLE echoed: middlebox]",
// "[MP_JOIN echoed: middlebox]", "[Option 222 echoed]", "[Options 8, 222
// echoed]", "[MPTCP server key]", "[SYN+ACK from a SYN proxy]"; empty when
// the verdict and the path say nothing worth a glance.
std::string info_note(Verdict v, const EchoEvidence& e, bool syn_proxy);

// ---- quoting ----

// One CSV field (RFC 4180): quoted, inner quotes doubled, only when it holds
// a comma, a quote, CR or LF.
std::string csv_field(std::string_view s);
// A JSON string literal, quotes included (RFC 8259): escapes ", \ and control
// characters; a byte that is not part of well-formed UTF-8 becomes U+FFFD.
void put_json_string(TextBuffer& out, std::string_view s);

}  // namespace middlebox
