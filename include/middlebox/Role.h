// Which part of a handshake a frame is.
#pragma once

#include <cstdint>

namespace middlebox {

enum class Role : uint8_t { Syn, SynAck, Rst };

}  // namespace middlebox
