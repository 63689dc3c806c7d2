// A scan's probe template (ProbeTemplate.h).
#include "middlebox/ProbeTemplate.h"

#include "middlebox/Describe.h"

namespace middlebox {

namespace {
int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

bool parse_hex_bytes(std::string_view hex, uint8_t* out, size_t max, size_t* length) {
    if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
    if (hex.size() % 2 != 0 || hex.size() / 2 > max) return false;
    for (size_t i = 0; i < hex.size(); i += 2) {
        const int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i / 2] = static_cast<uint8_t>(hi << 4 | lo);
    }
    *length = hex.size() / 2;
    return true;
}

std::string ProbeTemplate::text() const {
    static const char digits[] = "0123456789abcdef";
    std::string s = "hex:";
    for (uint8_t i = 0; i < options.captured; ++i) {
        s += digits[options.bytes[i] >> 4];
        s += digits[options.bytes[i] & 15];
    }
    return s;
}

bool parse_probe_template(std::string_view text, ProbeTemplate* out, std::string* error) {
    std::string_view hex = text;
    if (hex.substr(0, 4) == "hex:") hex.remove_prefix(4);
    ProbeTemplate t;
    size_t length = 0;
    if (hex.empty() || hex == "0x") {
        *error = "no option bytes in \"" + std::string(text) + "\" (give them as hex:020405b4...)";
        return false;
    }
    if (!parse_hex_bytes(hex, t.options.bytes, kMaxOptionBytes, &length)) {
        const size_t digits = hex.size() - (hex.substr(0, 2) == "0x" ? 2 : 0);
        *error =
            digits / 2 > kMaxOptionBytes
                ? "more than 40 bytes of options in \"" + std::string(text) + "\""
                : "\"" + std::string(text) + "\" is not hex bytes (an even number of digits 0-9a-f: hex:020405b4...)";
        return false;
    }
    if (length % 4 != 0) {
        *error = "\"" + std::string(text) + "\" is " + plural(length, "byte", "bytes") +
                 ": a TCP header's options fill whole 4-byte words (pad with NOP, 01)";
        return false;
    }
    t.options.captured = t.options.declared = static_cast<uint8_t>(length);
    const OptionBlock b = t.block();
    if (!b.ok()) {
        *error = "\"" + std::string(text) + "\" is not a valid TCP option list (" + status_name(b.status()) +
                 ": an option's length byte is wrong)";
        return false;
    }
    *out = t;
    return true;
}

}  // namespace middlebox
