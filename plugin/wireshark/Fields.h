// Header-field, subtree and expert-info ids of the Middlebox protocol.
// Filled by register_fields(); read by the post-dissector.
#pragma once

#include <epan/expert.h>
#include <epan/proto.h>

namespace middlebox_ws {

struct Fields {
    int proto = -1;
    int verdict = -1;
    int syn_frame = -1;
    int synack_frame = -1;
    int rst_frame = -1;
    int echo_mp_capable = -1;
    int echo_mp_join = -1;
    int echo_unknown = -1;
    int echo_tsval = -1;
    int echo_tfo_request = -1;
    int echo_all_options = -1;
    int echo_flags = -1;
    int echo_kind = -1;
    int mptcp_syn_version = -1;
    int mptcp_synack_version = -1;
    int mptcp_syn_key = -1;
    int mptcp_synack_key = -1;
    int mptcp_keyless = -1;
    int tsval_equal = -1;
    int tfo_cookie_request = -1;
    int tfo_syn_cookie = -1;
    int tfo_synack_cookie = -1;
    int tfo_experimental = -1;
    int tfo_syn_data = -1;
    int tfo_data_acked = -1;
    int diff = -1;
    int ttl = -1;
    int hops = -1;
    int server_ttl = -1;
    int server_hops = -1;
    int hop_mismatch = -1;
    int syn_proxy = -1;
    int against_probe = -1;
    int distance = -1;
    int ipid_returned = -1;
    int icmp_frame = -1;
    int syn_retransmission = -1;
    int synack_retransmission = -1;
    int syn_copies = -1;
    int options_status = -1;
    int evictions = -1;
    int quote_syn_frame = -1;
    int quote_diff = -1;
    int quote_stripped = -1;
    int quote_changed = -1;
    int copy_first_frame = -1;
    int copy_ttl_delta = -1;
    int copy_diff = -1;
    int copy_changed = -1;
    int rewritten_on_path = -1;

    int ett = -1;
    int ett_echo = -1;
    int ett_mptcp = -1;
    int ett_path = -1;
    int ett_quote = -1;
    int ett_tfo = -1;
    int ett_copy = -1;

    expert_field ei_mptcp_echo = EI_INIT;
    expert_field ei_option_echo = EI_INIT;
    expert_field ei_flag_echo = EI_INIT;
    expert_field ei_mptcp_genuine = EI_INIT;
    expert_field ei_mptcp_absent = EI_INIT;
    expert_field ei_hop_mismatch = EI_INIT;
    expert_field ei_syn_proxy = EI_INIT;
    expert_field ei_against_probe = EI_INIT;
    expert_field ei_ttl_set = EI_INIT;
    expert_field ei_other_initial_ttl = EI_INIT;
    expert_field ei_ipid_returned = EI_INIT;
    expert_field ei_rst_before_synack = EI_INIT;
    expert_field ei_tsval_equal = EI_INIT;
    expert_field ei_truncated = EI_INIT;
    expert_field ei_malformed = EI_INIT;
    expert_field ei_no_syn_evicted = EI_INIT;
    expert_field ei_unsolicited_mpc = EI_INIT;
    expert_field ei_quote_stripped = EI_INIT;
    expert_field ei_quote_changed = EI_INIT;
    expert_field ei_copy_changed = EI_INIT;
    expert_field ei_rewritten_on_path = EI_INIT;
};

extern Fields fields;

void register_fields();

}  // namespace middlebox_ws
