// The Middlebox post-dissector: runs after every other dissector on each
// packet, reads the live IP/TCP headers, feeds the correlator in the first
// pass, and shows what the correlator decided on every pass.
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/tap.h>
#include <wsutil/report_message.h>

#include "Analysis.h"
#include "Annotate.h"
#include "Fields.h"
#include "HeaderReader.h"
#include "Menu.h"
#include "Registration.h"
#include "Report.h"
#include "TapEvent.h"

namespace middlebox_ws {

Preferences prefs;

namespace {

RequiredProtocols required;
bool required_ok = false;
dissector_handle_t handle = nullptr;
int tap_id = -1;
int expert_proto = -1;  // "_ws.expert", optional
std::unique_ptr<middlebox::Correlator> state;

void init_routine() {
    state = std::make_unique<middlebox::Correlator>(prefs.max_pending == 0 ? 1 : prefs.max_pending);
}

void cleanup_routine() { state.reset(); }

// Whether this dissection is the frame's first (it feeds the correlator) or
// a revisit (it reads what was decided). tshark's first pass and the GUI's
// first read have visited unset; tshark -2 -R numbers only the frames its
// read filter keeps, so there a number can come twice, and the correlator
// lets the later frame take it. A revisit of a frame the correlator never
// reached (a first pass that built no tree) is observed then, in order.
bool first_sight(const packet_info* pinfo) {
    return pinfo->fd->visited ? pinfo->num > state->last_frame() : pinfo->num >= state->last_frame();
}

// The tree to annotate: none when nobody will read our items (a tree built
// for someone else's filter or column). Expert info is still added, without
// an item, so -z expert and the Expert Information dialog get it; a filter
// on _ws.expert fields keeps the items.
proto_tree* visible_tree(proto_tree* tree) {
    if (tree == nullptr) return nullptr;
    if (proto_field_is_referenced(tree, fields.proto)) return tree;
    if (expert_proto >= 0 && proto_field_is_referenced(tree, expert_proto)) return tree;
    return nullptr;
}

int dissect(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void*) {
    if (!required_ok || !state) return 0;
    // From the frame's bytes first: no protocol tree is needed, so the plugin
    // asks Wireshark for none (no wanted hfids) and works the same in every
    // run. The tree is the fallback (IPv6 extension headers).
    middlebox::Segment seg;
    bool options_visible = false;
    FrameKind kind = read_frame(tvb, pinfo, required, &seg, &options_visible);
    if (kind == FrameKind::None && tree != nullptr) {
        const ReadResult read = read_segment(tree, required, pinfo->num, &seg);
        if (read == ReadResult::Ok)
            kind = FrameKind::Live;
        else if (read == ReadResult::Quoted && read_quote(tree, required, &seg, &options_visible))
            kind = FrameKind::Quoted;
    }
    if (kind == FrameKind::Quoted) {
        // An ICMP error quoting a SYN: linked to it, never paired.
        const middlebox::Quote* q = first_sight(pinfo) ? state->observe_quote(pinfo->num, seg, options_visible)
                                                       : state->lookup_quote(pinfo->num);
        if (q == nullptr) return 0;
        const middlebox::Quote quote = *q;  // the vector may grow later
        annotate_quote(tvb, pinfo, visible_tree(tree), quote);
        return tvb_captured_length(tvb);
    }
    if (kind != FrameKind::Live) return 0;

    const bool first = first_sight(pinfo);
    const middlebox::FrameRecord* rec = first ? state->observe(seg) : state->lookup(pinfo->num);
    if (rec == nullptr) return 0;
    const middlebox::FrameRecord record = *rec;  // observe() may grow the vector later

    annotate(tvb, pinfo, visible_tree(tree), *state, record, seg.ttl, first);

    if (have_tap_listener(tap_id)) {
        auto* ev = wmem_new(pinfo->pool, TapEvent);
        *ev = TapEvent{state.get(), record.handshake, record.role, (record.flags & middlebox::kRetransmission) != 0,
                       seg.tuple};
        tap_queue_packet(tap_id, pinfo, ev);
    }
    return tvb_captured_length(tvb);
}

}  // namespace

middlebox::Correlator* correlator() { return state.get(); }

void register_protocol() {
    register_fields();

    module_t* m = prefs_register_protocol(fields.proto, nullptr);
    prefs_register_uint_preference(
        m, "max_pending", "Pending handshakes kept",
        "At most this many unanswered SYNs are remembered (64 bytes each). When the cap is reached the oldest are "
        "dropped, counted, and end as no-answer. Takes effect when a file is (re)loaded.",
        10, &prefs.max_pending);
    // It once chose when to ask for a protocol tree; the plugin needs none now.
    prefs_register_obsolete_preference(m, "analyze_always");

    handle = create_dissector_handle(dissect, fields.proto);
    register_postdissector(handle);
    tap_id = register_tap(kTapName);
    register_report();  // -z middlebox and Statistics > Middlebox Verdicts, on this tap
    register_init_routine(init_routine);
    register_cleanup_routine(cleanup_routine);
    register_menu();
}

void register_handoff() {
    required_ok = resolve_required_protocols(&required);
    expert_proto = proto_get_id_by_filter_name("_ws.expert");
}

}  // namespace middlebox_ws
