// The Middlebox post-dissector (PostDissector.h): reads the live IP/TCP
// headers of each packet, feeds the correlator in the first pass, and shows
// what the correlator decided on every pass.
#include <cerrno>  // program_invocation_short_name
#include <cstring>
#include <string>

#include <epan/column-utils.h>
#include <epan/packet.h>
#include <epan/plugin_if.h>
#include <epan/prefs.h>
#include <epan/tap.h>
#include <wsutil/report_message.h>

#include "PostDissector.h"

#include "Analysis.h"
#include "Annotate.h"
#include "Fields.h"
#include "HeaderReader.h"
#include "TapEvent.h"
#include "middlebox/Describe.h"

namespace middlebox_ws {

Preferences prefs;

namespace {

RequiredProtocols required;
bool required_ok = false;
dissector_handle_t handle = nullptr;
int tap_id = -1;
// "_ws.expert" and its fields, those found (all optional), looked up per
// file: Wireshark 4.4 registers them after the plugins' handoff.
int expert_ids[4] = {-1, -1, -1, -1};
int expert_tap = 0;  // "expert" (0: none): -z expert and the Expert Information dialog
bool in_gui = false;
bool may_skip = false;  // tshark: skip the analysis when nothing reads it
std::unique_ptr<middlebox::Correlator> state;

// The Wireshark GUI registers ws_info callbacks; tshark hands out a ws_info
// too, but with ws_info_supported unset. Asked once per file: the call builds
// a hash table each time.
bool running_in_gui() {
    ws_info_t* info = nullptr;
    plugin_if_get_ws_info(&info);
    return info != nullptr && info->ws_info_supported;
}

// Only tshark is known to read a file once and never come back (or, with -2,
// to come back exactly once). Any other program (Wireshark, sharkd, rawshark,
// an embedding) may ask for the analysis later, so it always gets it.
bool running_in_tshark() {
#ifdef __GLIBC__
    return std::strcmp(program_invocation_short_name, "tshark") == 0;
#else
    return false;
#endif
}

// tshark -2 decides what the second pass will show only then, so its first
// pass must analyse although nothing in it reads the result. That first pass
// runs no taps, while a single pass taps every frame: a probe event queued
// on a private tap reaches its listener only in a tapped pass.
int probe_tap = -1;
bool tapped_pass = false;
tap_packet_status on_probe(void*, packet_info*, epan_dissect_t*, const void*, tap_flags_t) {
    tapped_pass = true;
    return TAP_PACKET_DONT_REDRAW;
}

bool probe_given() { return prefs.probe_options != nullptr && prefs.probe_options[0] != '\0'; }

// A template that is not an option list is refused where preferences say
// what is wrong (tshark: on stderr; Wireshark: a dialog), and not used.
void apply_preferences() {
    middlebox::ProbeTemplate probe;
    std::string error;
    if (probe_given() && !middlebox::parse_probe_template(prefs.probe_options, &probe, &error))
        report_failure("Middlebox preference \"probe_options\": %s; no probe template is used", error.c_str());
}

void init_routine() {
    state = std::make_unique<middlebox::Correlator>(prefs.max_pending == 0 ? 1 : prefs.max_pending);
    middlebox::ProbeTemplate probe;
    std::string error;  // said once, when the preference was applied
    if (probe_given() && middlebox::parse_probe_template(prefs.probe_options, &probe, &error)) state->set_probe(probe);
    in_gui = running_in_gui();
    tapped_pass = false;
    expert_tap = find_tap_id("expert");  // registered after our handoff
    // So is "_ws.expert" in Wireshark 4.4 (in 4.0 it exists at handoff).
    expert_ids[0] = proto_get_id_by_filter_name("_ws.expert");
    const char* const expert_fields[] = {"_ws.expert.message", "_ws.expert.severity", "_ws.expert.group"};
    for (size_t i = 0; i < 3; ++i) expert_ids[i + 1] = proto_registrar_get_id_byname(expert_fields[i]);
}

// Not tshark, or the GUI: everything may be read later.
bool always_analyse() { return !may_skip || in_gui; }
bool expert_tap_listening() { return expert_tap > 0 && have_tap_listener(expert_tap); }
bool expert_referenced(proto_tree* tree) {
    for (int id : expert_ids)
        if (id >= 0 && proto_field_is_referenced(tree, id)) return true;
    return false;
}

// What the run needs of one packet, decided once per packet.
struct Needs {
    bool analysis = false;       // the correlator must see this frame, or be read for it
    bool annotations = false;    // items or expert info are read
    proto_tree* tree = nullptr;  // where the items go; null: nobody reads them (expert info still counts)
    bool tap = false;            // the middlebox tap has listeners: report, stat table, dialog
    bool column = false;         // the Info column is being built and gets our notes
};

// Analysis: anybody may read the analysis of this frame: the report or the
// stat table (our tap), expert info (-z expert, the Expert dialog), a
// filter, column, -e field or -V (the tree references our protocol or
// _ws.expert), the GUI or another program (which may ask later), or tshark
// -2's second pass (see on_probe). Otherwise a loaded plugin nobody uses
// costs one call per packet. The answer is the same for every first-pass
// frame of a tshark run after the first; had a first pass skipped frames
// that a later pass wants, that pass observes them in order instead
// (first_sight()).
// Tree: a tree built for someone else's filter or column gets no items;
// expert info is still added, without an item, so -z expert and the Expert
// Information dialog get it; a filter on _ws.expert fields keeps the items.
// Annotations: a tree (expert info goes into any tree), the expert tap, or
// a program other than tshark; without them (tshark -q -z middlebox) items
// and expert info would be formatted for nobody: the report reads the
// correlator.
// Column: the packet list (or tshark's summary line) is being built.
Needs needs_of(const packet_info* pinfo, proto_tree* tree) {
    Needs n;
    n.tap = have_tap_listener(tap_id);
    n.column = prefs.info_column && pinfo->cinfo != nullptr && col_get_writable(pinfo->cinfo, COL_INFO);
    const bool expert_listening = expert_tap_listening();
    const bool ours_referenced =
        tree != nullptr && (proto_field_is_referenced(tree, fields.proto) || expert_referenced(tree));
    n.analysis = always_analyse() || n.tap || expert_listening || ours_referenced || n.column;
    if (!n.analysis && !pinfo->fd->visited && !tapped_pass) {
        tap_queue_packet(probe_tap, const_cast<packet_info*>(pinfo), nullptr);
        n.analysis = true;
    }
    n.annotations = tree != nullptr || always_analyse() || expert_listening;
    n.tree = ours_referenced ? tree : nullptr;
    return n;
}

void cleanup_routine() { state.reset(); }

// "[MP_CAPABLE echoed: middlebox]" after the Info text of a SYN+ACK, and of
// its SYN once the answer is known (two passes, the GUI).
void note_in_info_column(packet_info* pinfo, const middlebox::FrameRecord& r, bool first) {
    if (r.role == middlebox::Role::Rst || (r.role == middlebox::Role::Syn && first)) return;
    const middlebox::Handshake& hs = state->handshake(r.handshake);
    if (hs.pair == middlebox::kNone) return;
    const std::string note = middlebox::info_note(hs.verdict, state->pair(hs.pair).evidence, hs.syn_proxy());
    if (!note.empty()) col_append_sep_str(pinfo->cinfo, COL_INFO, " ", note.c_str());
}

// Hands the tap one frame of a handshake (its SYN, SYN+ACK or RST, or an
// ICMP error quoting its SYN, as the SYN's direction).
void tap_handshake_frame(packet_info* pinfo, uint32_t handshake, middlebox::Role role,
                         const middlebox::FlowTuple& tuple) {
    auto* ev = wmem_new(pinfo->pool, TapEvent);
    *ev = TapEvent{state.get(), handshake, role, tuple};
    tap_queue_packet(tap_id, pinfo, ev);
}

// Whether this dissection is the frame's first (it feeds the correlator) or
// a revisit (it reads what was decided). tshark's first pass and the GUI's
// first read have visited unset; tshark -2 -R numbers only the frames its
// read filter keeps, so there a number can come twice, and the correlator
// lets the later frame take it. A revisit of a frame the correlator never
// reached (a first pass that built no tree) is observed then, in order.
bool first_sight(const packet_info* pinfo) {
    return pinfo->fd->visited ? pinfo->num > state->last_frame() : pinfo->num >= state->last_frame();
}

int dissect(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void*) {
#ifdef MIDDLEBOX_BENCH_CONTROL
    // The benchmark's control (CMakeLists.txt): called for every packet like
    // the real one, reads nothing.
    (void)tvb, (void)pinfo, (void)tree;
    return 0;
#endif
    if (!required_ok || !state) return 0;
    const Needs needs = needs_of(pinfo, tree);
    if (!needs.analysis) return 0;
    // From the frame's bytes first: no protocol tree is needed, so the plugin
    // asks Wireshark for none (no wanted hfids) and works the same in every
    // run. The tree is the fallback for headers the byte reader does not
    // walk (TCP behind ESP or IPv4 AH, reassembled IP fragments).
    middlebox::Segment seg;
    bool options_visible = false;
    middlebox::Address router;  // of an ICMP error
    FrameKind kind = read_frame(tvb, pinfo, required, &seg, &options_visible, &router);
    if (kind == FrameKind::None && tree != nullptr) {
        const ReadResult read = read_segment(tree, required, pinfo->num, &seg);
        if (read == ReadResult::Ok)
            kind = FrameKind::Live;
        else if (read == ReadResult::Quoted && read_quote(tree, required, &seg, &options_visible))
            kind = FrameKind::Quoted;
    }
    if (kind == FrameKind::Quoted) {
        // An ICMP error quoting a SYN: linked to it, never paired.
        const middlebox::Quote* q = first_sight(pinfo) ? state->observe_quote(pinfo->num, seg, options_visible, router)
                                                       : state->lookup_quote(pinfo->num);
        if (q == nullptr) return 0;
        const middlebox::Quote quote = *q;  // the vector may grow later
        if (needs.annotations) annotate_quote(tvb, pinfo, needs.tree, quote);
        // A frame of the quoted SYN's handshake: it may make it icmp-error.
        if (needs.tap && quote.handshake != middlebox::kNone)
            tap_handshake_frame(pinfo, quote.handshake, middlebox::Role::Syn, seg.tuple);
        return tvb_captured_length(tvb);
    }
    if (kind != FrameKind::Live) return 0;

    const bool first = first_sight(pinfo);
    const middlebox::FrameRecord* rec = first ? state->observe(seg) : state->lookup(pinfo->num);
    if (rec == nullptr) return 0;
    const middlebox::FrameRecord record = *rec;  // observe() may grow the vector later

    if (needs.annotations) annotate(tvb, pinfo, needs.tree, *state, record, seg, first);
    if (needs.column) note_in_info_column(pinfo, record, first);
    if (needs.tap) tap_handshake_frame(pinfo, record.handshake, record.role, seg.tuple);
    return tvb_captured_length(tvb);
}

}  // namespace

middlebox::Correlator* correlator() { return state.get(); }

void register_post_dissector(int proto) {
    module_t* m = prefs_register_protocol(proto, apply_preferences);
    prefs_register_uint_preference(m, "max_pending", "Pending handshakes kept",
                                   "At most this many unanswered SYNs are remembered (at most 64 bytes each). When the "
                                   "cap is reached the oldest are "
                                   "dropped, counted, and end as no-answer. Takes effect when a file is (re)loaded.",
                                   10, &prefs.max_pending);
    prefs_register_bool_preference(
        m, "info_column", "Notes in the Info column",
        "Append a short note to the Info column of a SYN+ACK (and, with two passes, its SYN) whose options were echoed "
        "([MP_CAPABLE echoed: middlebox], [Option 222 echoed]), that carries a genuine MPTCP key ([MPTCP server key]) "
        "or that a SYN proxy sent",
        &prefs.info_column);
    prefs_register_string_preference(
        m, "probe_options", "Probe template (TCP options of every probe)",
        "The options every SYN of a scan carried, as zmap's --probe-args gives them (hex:020405b4..., or the bare "
        "hex). "
        "A SYN+ACK whose SYN is not in the capture (a capture of the answers only) is then compared against them as "
        "if they were its SYN (middlebox.against_probe); a SYN in the capture is always preferred. Empty: none. Takes "
        "effect when a file is (re)loaded.",
        &prefs.probe_options);
    // It once chose when to ask for a protocol tree; the plugin needs none now.
    prefs_register_obsolete_preference(m, "analyze_always");

    handle = create_dissector_handle(dissect, proto);
    register_postdissector(handle);
    tap_id = register_tap(kTapName);
    probe_tap = register_tap(kProbeTapName);
    register_init_routine(init_routine);
    register_cleanup_routine(cleanup_routine);
}

void handoff_post_dissector() {
    required_ok = resolve_required_protocols(&required);
    may_skip = running_in_tshark();
    if (may_skip) {
        GString* error = register_tap_listener(kProbeTapName, &probe_tap, nullptr, TL_REQUIRES_NOTHING, nullptr,
                                               on_probe, nullptr, nullptr);
        if (error != nullptr) {  // then never skip: correct, only slower
            g_string_free(error, TRUE);
            may_skip = false;
        }
    }
}

}  // namespace middlebox_ws
