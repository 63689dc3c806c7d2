// Registration of the "Middlebox" protocol: fields, expert info,
// preferences, the post-dissector and its tap, the report and the menu.
// Called by plugin.cpp; implemented in Registration.cpp.
#pragma once

namespace middlebox_ws {
void register_protocol();
void register_handoff();
}  // namespace middlebox_ws
