#include "middlebox/Describe.h"

#include "middlebox/Correlator.h"
#include "middlebox/EchoEvidence.h"
#include "middlebox/Registry.h"

namespace middlebox {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// A group of an IPv6 address: hex without leading zeros.
void put_group(TextBuffer& s, uint16_t g) {
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
        const unsigned d = (g >> shift) & 0x0f;
        if (d == 0 && !started && shift > 0) continue;
        started = true;
        s += kHexDigits[d];
    }
}

template <typename Put>
std::string text_of(Put put) {
    TextBuffer s;
    put(s);
    return s.str();
}

// The one echoed text, from what a row (or a single handshake) copied.
void put_echoed_parts(TextBuffer& s, const uint64_t* keys, size_t key_count, bool keyless,
                      const std::bitset<256>& kinds, bool flags) {
    const size_t start = s.size();
    constexpr size_t kShownKeys = 3;
    if (key_count > 0) {
        s += key_count == 1 ? "MP_CAPABLE key " : "MP_CAPABLE keys ";
        for (size_t i = 0; i < key_count && i < kShownKeys; ++i) {
            if (i > 0) s += ',';
            put_key(s, keys[i]);
        }
        if (key_count > kShownKeys) {
            s += " (+";
            put_uint(s, key_count - kShownKeys);
            s += " more)";
        }
    }
    if (keyless) s += s.size() != start ? "; MP_CAPABLE keyless" : "MP_CAPABLE keyless";
    if (kinds.any()) {
        if (s.size() != start) s += "; ";
        s += kinds.count() == 1 ? "kind " : "kinds ";
        put_kind_list(s, kinds, ",");
    }
    if (flags) s += s.size() != start ? "; ECN flags" : "ECN flags";
}

}  // namespace

void put_address(TextBuffer& s, const Address& a) {
    if (a.family == 4) {
        for (int i = 0; i < 4; ++i) {
            if (i > 0) s += '.';
            put_uint(s, a.bytes[i]);
        }
        return;
    }
    uint16_t g[8];
    for (int i = 0; i < 8; ++i) g[i] = static_cast<uint16_t>((a.bytes[2 * i] << 8) | a.bytes[2 * i + 1]);
    int best = -1, best_len = 0;  // the first of the longest runs of zero groups
    for (int i = 0; i < 8;) {
        if (g[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0) ++j;
        if (j - i > best_len && j - i >= 2) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    for (int i = 0; i < 8; ++i) {
        if (i == best) {
            s += "::";
            i += best_len - 1;
            continue;
        }
        if (i > 0 && i != best + best_len) s += ':';
        put_group(s, g[i]);
    }
}

std::string address_text(const Address& a) {
    return text_of([&](TextBuffer& s) { put_address(s, a); });
}

void put_endpoint(TextBuffer& s, const Address& a, uint16_t port) {
    if (a.family == 6) s += '[';
    put_address(s, a);
    s += a.family == 6 ? "]:" : ":";
    put_uint(s, port);
}

std::string endpoint_text(const Address& a, uint16_t port) {
    return text_of([&](TextBuffer& s) { put_endpoint(s, a, port); });
}

void put_key(TextBuffer& s, uint64_t key) {
    char* b = s.end(18);
    b[0] = '0';
    b[1] = 'x';
    for (int i = 0; i < 16; ++i) b[2 + i] = kHexDigits[(key >> (60 - 4 * i)) & 0x0f];
    s.advance(18);
}

std::string key_text(uint64_t key) {
    return text_of([&](TextBuffer& s) { put_key(s, key); });
}

std::string hex_text(const uint8_t* p, size_t n) {
    std::string s(n * 2, '\0');
    for (size_t i = 0; i < n; ++i) {
        s[2 * i] = kHexDigits[p[i] >> 4];
        s[2 * i + 1] = kHexDigits[p[i] & 0x0f];
    }
    return s;
}

std::string plural(uint64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

void put_verdict_list(TextBuffer& s, const uint32_t (&counts)[kVerdictCount]) {
    const size_t start = s.size();
    for (int v = 1; v < kVerdictCount; ++v) {
        if (counts[v] == 0) continue;
        if (s.size() != start) s += ", ";
        s += verdict_name(static_cast<Verdict>(v));
        s += ' ';
        put_uint(s, counts[v]);
    }
}

std::string verdict_list(const uint32_t (&counts)[kVerdictCount]) {
    return text_of([&](TextBuffer& s) { put_verdict_list(s, counts); });
}

void put_hops(TextBuffer& s, unsigned min, unsigned max) {
    put_uint(s, min);
    if (min == max) return;
    s += '-';
    put_uint(s, max);
}

std::string hops_text(unsigned min, unsigned max) {
    return text_of([&](TextBuffer& s) { put_hops(s, min, max); });
}

void put_kind_list(TextBuffer& s, const std::bitset<256>& kinds, std::string_view sep) {
    if (kinds.none()) return;  // most rows: no walk over 256 bits
    bool first = true;
    for (unsigned k = 0; k < 256; ++k) {
        if (!kinds[k]) continue;
        if (!first) s += sep;
        first = false;
        put_uint(s, k);
    }
}

void put_echoed(TextBuffer& s, const ServerSummary& row) {
    put_echoed_parts(s, row.echoed_keys.data(), row.echoed_keys.size(), row.echoed_keyless, row.echoed_kinds,
                     row.echoed_flags);
}

std::string echoed_text(const ServerSummary& row) {
    return text_of([&](TextBuffer& s) { put_echoed(s, row); });
}

std::string echoed_text(const EchoEvidence& e) {
    // As Registry::visit() folds a handshake's evidence into its row.
    std::bitset<256> kinds;
    for (uint8_t i = 0; i < e.echoed_count; ++i) kinds.set(e.echoed_kinds[i]);
    const bool key = e.mpc_echo && e.synack_mpc.has_key;
    return text_of([&](TextBuffer& s) {
        put_echoed_parts(s, &e.synack_mpc.key, key ? 1 : 0, e.mpc_echo && !e.synack_mpc.has_key, kinds, e.flags_echo);
    });
}

const char* distance_name(Distance d) {
    switch (d) {
        case Distance::Same: return "same";
        case Distance::TtlSet: return "ttl-set";
        case Distance::OtherInitialTtl: return "other-initial-ttl";
        case Distance::SynAckNearer: return "synack-nearer";
        case Distance::SynAckFarther: return "synack-farther";
        case Distance::Unknown: break;
    }
    return nullptr;
}

std::string info_note(Verdict v, const EchoEvidence& e, bool syn_proxy) {
    std::string note;
    switch (v) {
        case Verdict::MptcpEcho:
            note = e.mpc_echo ? "[MP_CAPABLE echoed: middlebox]" : "[MP_JOIN echoed: middlebox]";
            break;
        case Verdict::OptionEcho: {
            std::bitset<256> kinds;  // ascending, as the report lists them
            for (uint8_t i = 0; i < e.echoed_count; ++i)
                if (e.echoed_kinds[i] != kMptcp) kinds.set(e.echoed_kinds[i]);
            std::string list;
            for (int k = 0; k < 256; ++k)
                if (kinds[k]) list += (list.empty() ? "" : ", ") + std::to_string(k);
            note =
                kinds.none() ? "[Options echoed]" : (kinds.count() == 1 ? "[Option " : "[Options ") + list + " echoed]";
            break;
        }
        case Verdict::FlagEcho: note = "[ECN flags echoed: middlebox]"; break;
        case Verdict::MptcpGenuine:
            if (!syn_proxy) note = "[MPTCP server key]";
            break;
        default: break;
    }
    if (syn_proxy) note += note.empty() ? "[SYN+ACK from a SYN proxy]" : " [SYN+ACK from a SYN proxy]";
    return note;
}

std::string csv_field(std::string_view s) {
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

void put_json_string(TextBuffer& out, std::string_view s) {
    out += '"';
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const size_t n = s.size();
    for (size_t i = 0; i < n;) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            switch (c) {
                case '"': out += "\\\""; break;
                case '\\': out += "\\\\"; break;
                case '\b': out += "\\b"; break;
                case '\f': out += "\\f"; break;
                case '\n': out += "\\n"; break;
                case '\r': out += "\\r"; break;
                case '\t': out += "\\t"; break;
                default:
                    if (c < 0x20) {
                        out += "\\u00";
                        out += kHexDigits[c >> 4];
                        out += kHexDigits[c & 0x0f];
                    } else {
                        out += static_cast<char>(c);
                    }
            }
            ++i;
            continue;
        }
        // A well-formed UTF-8 sequence (RFC 3629: no overlong forms, no
        // surrogates, nothing above U+10FFFF) is copied; any other byte
        // becomes U+FFFD.
        size_t len = 0;
        uint32_t cp = 0, min = 0;
        if ((c & 0xe0) == 0xc0)
            len = 2, cp = c & 0x1f, min = 0x80;
        else if ((c & 0xf0) == 0xe0)
            len = 3, cp = c & 0x0f, min = 0x800;
        else if ((c & 0xf8) == 0xf0)
            len = 4, cp = c & 0x07, min = 0x10000;
        bool ok = len != 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; ++k) {
            if ((p[i + k] & 0xc0) != 0x80)
                ok = false;
            else
                cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        ok = ok && cp >= min && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
        if (ok) {
            out += s.substr(i, len);
            i += len;
        } else {
            out += "\xef\xbf\xbd";
            ++i;
        }
    }
    out += '"';
}

}  // namespace middlebox
