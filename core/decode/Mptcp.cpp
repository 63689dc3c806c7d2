#include "middlebox/Mptcp.h"

#include "decode/ByteOrder.h"

namespace middlebox {

using detail::be32;
using detail::be64;

uint8_t mptcp_subtype(const uint8_t* option, size_t length) {
    if (option == nullptr || length < 3) return 0xff;
    return option[2] >> 4;
}

MpCapable MpCapable::decode(const uint8_t* option, size_t length) {
    MpCapable m;
    if (option == nullptr || length < 4 || option[0] != 30 || mptcp_subtype(option, length) != kMpCapable) return m;
    m.present = true;
    m.length = static_cast<uint8_t>(length);
    m.version = option[2] & 0x0f;
    m.flags = option[3];
    m.well_formed = length == 4 || length == 12 || length == 20 || length == 22 || length == 24;
    if (length >= 12) {
        m.has_key = true;
        m.key = be64(option + 4);
    }
    return m;
}

}  // namespace middlebox
