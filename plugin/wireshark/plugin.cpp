// Plugin entry points. Each exported symbol on its own line with
// extern "C": const objects inside a braced extern "C" block get internal
// linkage and tshark would report "no plugin_version symbol".
#include <epan/proto.h>
#include <ws_symbol_export.h>
#include <ws_version.h>

#include "Registration.h"

extern "C" WS_DLL_PUBLIC_DEF const char plugin_version[] = MIDDLEBOX_VERSION;
extern "C" WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
extern "C" WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

extern "C" WS_DLL_PUBLIC_DEF void plugin_register(void) {
    static proto_plugin plug;
    plug.register_protoinfo = middlebox_ws::register_protocol;
    plug.register_handoff = middlebox_ws::register_handoff;
    proto_register_plugin(&plug);
}

#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 2)
// 4.2 and later ask a plugin what it is (wsutil/plugins.h, absent from 4.0).
#include <wsutil/plugins.h>
extern "C" WS_DLL_PUBLIC_DEF uint32_t plugin_describe(void) {
    return WS_PLUGIN_DESC_DISSECTOR | WS_PLUGIN_DESC_TAP_LISTENER;
}
#endif
