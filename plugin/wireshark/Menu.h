// The GUI entry of the plugin: Statistics › Middlebox Detection ›
// Suspected Middleboxes…, and the C interface its dialog library calls.
#pragma once

namespace middlebox_ws {

// Registers the menu entry (called from register_protocol()). The dialog
// library (Qt) is loaded with dlopen() only when the entry fires, so tshark
// never loads Qt.
void register_menu();

}  // namespace middlebox_ws
