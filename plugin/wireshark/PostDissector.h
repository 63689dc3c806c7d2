// The Middlebox post-dissector: runs after every other dissector on each
// packet, feeds the correlator in the first pass and shows what it decided
// on every pass; its tap feeds the report, the stat table and the dialog.
#pragma once

namespace middlebox_ws {

// Preferences, the post-dissector, its taps and the per-file state
// (init/cleanup routines) of protocol `proto`.
void register_post_dissector(int proto);
// What needs other protocols registered: the protocols it reads, and how
// this program runs (tshark may skip what nobody reads).
void handoff_post_dissector();

}  // namespace middlebox_ws
