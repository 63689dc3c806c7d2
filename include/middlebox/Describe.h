// How a handshake is described to people: the one place for each spelling
// (addresses, endpoints, keys, ...) that the reports, the fields and the
// dialog share.
#pragma once

#include <string>

#include "middlebox/Segment.h"

namespace middlebox {

// "10.0.0.2" / "2001:db8::1" (RFC 5952).
std::string address_text(const Address& a);

}  // namespace middlebox
