// A segment seen at a second point of its path (middlebox/Copies.h): the
// link to where it was first seen and what the boxes between changed.
#include <string>

#include "Annotate.h"
#include "Fields.h"
#include "middlebox/Copies.h"
#include "middlebox/OptionDiff.h"

namespace middlebox_ws {

using namespace middlebox;

void annotate_copy(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, const Copy& c) {
    Fields& f = fields;
    proto_item* ti = nullptr;
    proto_tree* ct = proto_tree_add_subtree_format(tree, tvb, 0, 0, f.ett_copy, &ti,
                                                   "Copy of frame %u, %u hop%s further along the path", c.first_frame(),
                                                   c.ttl_delta(), c.ttl_delta() == 1 ? "" : "s");
    proto_item* link = proto_tree_add_uint(ct, f.copy_first_frame, tvb, 0, 0, c.first_frame());
    proto_item_set_generated(link);
    proto_item_set_generated(proto_tree_add_uint(ct, f.copy_ttl_delta, tvb, 0, 0, c.ttl_delta()));
    const std::string diff = c.diff();
    proto_item_set_generated(proto_tree_add_string(ct, f.copy_diff, tvb, 0, 0, diff.c_str()));
    if (!c.changed()) return;
    proto_item* changed = proto_tree_add_boolean(ct, f.copy_changed, tvb, 0, 0, TRUE);
    proto_item_set_generated(changed);
    if (c.rewritten_on_path) {
        proto_item* rw = proto_tree_add_boolean(ct, f.rewritten_on_path, tvb, 0, 0, TRUE);
        proto_item_set_generated(rw);
        // Short: Wireshark cuts an expert message at 240 bytes; middlebox.copy.diff has the rest.
        expert_add_info_format(pinfo, rw, &f.ei_rewritten_on_path,
                               "This SYN+ACK was %s in frame %u and arrives here, %u hop%s later, as %s: a box "
                               "between the two capture points rewrote it",
                               verdict_name(c.first_verdict), c.first_frame(), c.ttl_delta(),
                               c.ttl_delta() == 1 ? "" : "s", verdict_name(c.verdict_here));
    } else {
        expert_add_info_format(pinfo, changed, &f.ei_copy_changed,
                               "The options changed since frame %u, %u hop%s up the path: %s", c.first_frame(),
                               c.ttl_delta(), c.ttl_delta() == 1 ? "" : "s", changes_text(c.changes()).c_str());
    }
}

}  // namespace middlebox_ws
