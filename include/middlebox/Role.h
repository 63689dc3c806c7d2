// Which part of a handshake a frame is, and how it is spelt.
#pragma once

#include <cstdint>

namespace middlebox {

enum class Role : uint8_t { Syn, SynAck, Rst };

// For people: "SYN", "SYN+ACK", "RST".
constexpr const char* role_name(Role r) { return r == Role::Syn ? "SYN" : r == Role::SynAck ? "SYN+ACK" : "RST"; }
// As a JSON key or value: "syn", "synack", "rst".
constexpr const char* role_key(Role r) { return r == Role::Syn ? "syn" : r == Role::SynAck ? "synack" : "rst"; }

}  // namespace middlebox
