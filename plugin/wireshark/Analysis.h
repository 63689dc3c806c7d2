// The per-file analysis state of the post-dissector: the correlator that the
// first pass fills and every later pass reads.
#pragma once

#include <cstddef>
#include <memory>

#include <glib.h>
#include <ws_version.h>

#include "middlebox/Correlator.h"

namespace middlebox_ws {

// prefs_register_bool_preference() writes a gboolean up to 4.0, a bool from 4.2 on.
#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 2)
using PrefBool = bool;
#else
using PrefBool = gboolean;
#endif

struct Preferences {
    guint max_pending = 1000000;     // cap on pending handshakes (at most 64 bytes each, index included)
    PrefBool info_column = true;     // a note on echoes and genuine MPTCP in the Info column
    const char* probe_options = "";  // the scan's probe template (ProbeTemplate.h); empty: none
};

extern Preferences prefs;

// Created at the start of each capture file (init routine), dropped at its
// end (cleanup routine); nullptr between files.
middlebox::Correlator* correlator();

}  // namespace middlebox_ws
