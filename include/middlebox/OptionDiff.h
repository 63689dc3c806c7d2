// The SYN+ACK's options set against the SYN's, in the notation of tracebox
// and of the background write-up (keys and bytes spelt as in Describe.h):
//   +MSS 1380                                  added by the answer
//   -MP_CAPABLE                                offered in the SYN, not returned
//   ~MP_CAPABLE v0 key 0x.. -> v0 key 0x..     same kind, other bytes
//   =KIND222 f989                              returned byte for byte
#pragma once

#include <string>
#include <vector>

#include "middlebox/TcpOptions.h"

namespace middlebox {

// One option in words: "MSS 1380", "MP_CAPABLE v0 key 0x099c0e6b50c00000",
// "TS 123/0", "KIND222 f989".
std::string describe_option(const OptionBlock& b, const TcpOption& o);

// Space-separated diff; "(no SYN)" when `syn` is null; a block that could
// not be read in full is reported as such instead of being compared.
std::string option_diff(const OptionBlock* syn, const OptionBlock& synack);
// The same items one by one ("=MSS 1460", "-MP_CAPABLE"), for blocks that
// are both ok(); `syn` null: the answer's options, unmarked.
std::vector<std::string> option_diff_items(const OptionBlock* syn, const OptionBlock& synack);
// ... less those returned unchanged ("=MSS 1460"): what changed from `before` to `after`.
std::vector<std::string> changed_items(const OptionBlock& before, const OptionBlock& after);
// Items joined by spaces, or "=" when there are none.
std::string changes_text(const std::vector<std::string>& items);

}  // namespace middlebox
