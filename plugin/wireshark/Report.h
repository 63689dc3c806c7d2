// tshark -z middlebox[,FORM][,FILTER] (the forms: report_forms()) and the stat-tap table
// "Middlebox Verdicts" (Statistics menu; -z middlebox_verdicts[,FILTER]).
// Both listen on the post-dissector's "middlebox" tap (TapEvent.h); the
// formatting is in the core (middlebox/ReportFormat.h).
#pragma once

namespace middlebox_ws {

// Registers both. Call once from register_protocol(), after the tap exists.
void register_report();

}  // namespace middlebox_ws
