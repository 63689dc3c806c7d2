// TCP Fast Open (RFC 7413) in its two forms: kind 34, and the experimental
// kind 254 with ExID 0xF989 (RFC 6994), which Linux still sends and answers
// in the form it was asked in.
//
// An empty option is a cookie request; a server answers it with a cookie or
// with nothing, never with a request: a request returned unchanged is a copy.
// A cookie returned unchanged is not: Linux sends the SYN's own cookie back
// when it accepts it but cannot open the connection early.
#pragma once

#include <cstddef>
#include <cstdint>

#include "middlebox/TcpOptions.h"

namespace middlebox {

constexpr uint16_t kFastOpenExperimentId = 0xF989;

struct FastOpen {
    bool present = false;
    bool experimental = false;        // kind 254, ExID 0xF989
    const uint8_t* cookie = nullptr;  // into the option's bytes; nullptr for a request
    uint8_t cookie_length = 0;

    bool request() const { return present && cookie_length == 0; }

    // Decodes one option; present is false for anything but the two forms.
    static FastOpen decode(const uint8_t* option, size_t length);
    // The first TFO option of a block, in either form.
    static FastOpen find(const OptionBlock& b);
};

// True for kind 34 and for kind 254 with ExID 0xF989.
bool is_fast_open(const uint8_t* option, size_t length);

}  // namespace middlebox
