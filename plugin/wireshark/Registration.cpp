// Registration of the "Middlebox" protocol, in the order Wireshark calls
// it: plugin.cpp hands these two to proto_register_plugin().
#include "Registration.h"

#include "Fields.h"
#include "Menu.h"
#include "PostDissector.h"
#include "Report.h"

namespace middlebox_ws {

void register_protocol() {
    register_fields();                      // fields, subtrees, expert info (Fields.cpp)
    register_post_dissector(fields.proto);  // preferences, post-dissector, taps
    register_report();                      // -z middlebox and Statistics > Middlebox Verdicts, on the tap
    register_menu();                        // Statistics > Middlebox Detection > Suspected Middleboxes...
}

void register_handoff() { handoff_post_dissector(); }

}  // namespace middlebox_ws
