// Turns a correlator record into tree items and expert info on the packet.
#pragma once

#include <epan/packet.h>

#include "middlebox/Correlator.h"

namespace middlebox_ws {

void annotate(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, const middlebox::Correlator& c,
              const middlebox::FrameRecord& record, const middlebox::Segment& segment, bool first_sight);

// A segment seen again further along its path (AnnotateCopy.cpp): the link
// to its first copy, the hops between, what changed.
void annotate_copy(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, const middlebox::Copy& copy);

// An ICMP/ICMPv6 error quoting a SYN: the link to it and what changed on the way.
void annotate_quote(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, const middlebox::Quote& q);

}  // namespace middlebox_ws
