// Registration of the "Middlebox" protocol: fields, expert info,
// preferences, the post-dissector and its tap. Called by plugin.cpp.
#pragma once

namespace middlebox_ws {
void register_protocol();
void register_handoff();
}  // namespace middlebox_ws
