#include "Privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace middlebox_scan {

bool drop_privileges(const std::string& user, std::string* error) {
    if (geteuid() != 0 || user == "root") return true;
    const passwd* pw = getpwnam(user.c_str());
    if (pw == nullptr) {
        *error = "no user \"" + user + "\" to run as (-Z USER)";
        return false;
    }
    // Groups first: after setuid() they can no longer be changed.
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        *error = "cannot become \"" + user + "\": " + std::strerror(errno);
        return false;
    }
    if (setuid(0) == 0) {  // must fail now
        *error = "still able to regain root after becoming \"" + user + "\"";
        return false;
    }
    return true;
}

}  // namespace middlebox_scan
