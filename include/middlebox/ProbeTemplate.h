// The options every probe of a scan carries. zmap's tcp_synopt module sends
// one option block with every SYN (--probe-args=hex:020405b4...), so when a
// capture holds only the answers (a filter on the scanner's ports, SYNs
// lost by the capture) or the input is zmap's own CSV, a SYN+ACK is set
// against that block as if it were its SYN, by the same rules (classify).
// A SYN that is in the capture is always preferred.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "middlebox/TcpOptions.h"

namespace middlebox {

struct ProbeTemplate {
    StoredOptions options;  // captured == declared: a template is whole

    OptionBlock block() const { return options.block(); }
    // "hex:020405b4..." as zmap spells it: the form the reports quote.
    std::string text() const;
};

// zmap's spelling "hex:020405b4...", or the bare hex (an "0x" prefix, as in
// zmap's optionshex output, is allowed): a whole option block, at most 40
// bytes and a multiple of 4 (a TCP header's options fill whole words; zmap
// refuses other lengths too), every option's length valid. False and a
// one-line `error` otherwise.
bool parse_probe_template(std::string_view text, ProbeTemplate* out, std::string* error);

// Hex digits ("0x" prefix allowed) into at most `max` bytes; false on an
// odd count, a non-hex character or too many bytes. Shared with the CSV
// reader's optionshex.
bool parse_hex_bytes(std::string_view hex, uint8_t* out, size_t max, size_t* length);

}  // namespace middlebox
