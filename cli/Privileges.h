// Giving up root once the capture is open, as tcpdump -Z does: the
// analysis of hostile packets then runs as an unprivileged user.
#pragma once

#include <string>

namespace middlebox_scan {

// When running as root, becomes `user` (its uid, gid and supplementary
// groups); nothing otherwise. False, with `error`, when that fails: the
// caller must not go on as root.
bool drop_privileges(const std::string& user, std::string* error);

}  // namespace middlebox_scan
