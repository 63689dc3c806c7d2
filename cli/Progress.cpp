#include "Progress.h"

#include <unistd.h>

#include <cstdio>

#include "Scan.h"

namespace middlebox_scan {

Progress::Progress(bool wanted) : active_(wanted && isatty(STDERR_FILENO)) {
    start_ = last_ = std::chrono::steady_clock::now();
}

void Progress::draw(const Scan& s, bool last) {
    const auto now = std::chrono::steady_clock::now();
    if (!last && now - last_ < std::chrono::milliseconds(500)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "\r%llu frames, %zu handshakes, %.0f frames/s, %llu suspects (echoes)\033[K",
                 static_cast<unsigned long long>(s.frames()), s.handshakes(), secs > 0 ? s.frames() / secs : 0.0,
                 static_cast<unsigned long long>(s.suspects()));
    std::fflush(stderr);
}

void Progress::done(const Scan& s) {
    if (!active_) return;
    draw(s, true);
    std::fputc('\n', stderr);
}

}  // namespace middlebox_scan
