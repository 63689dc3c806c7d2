// The progress line of a long run, on stderr when it is a terminal:
// frames, handshakes, rate, suspects so far, redrawn in place.
#pragma once

#include <chrono>
#include <cstdint>

namespace middlebox_scan {

class Scan;

class Progress {
public:
    // Active only when stderr is a terminal (and `wanted`).
    explicit Progress(bool wanted);
    // Cheap: looks at the clock once every 4096 frames.
    void tick(const Scan& s) {
        if (active_ && (++calls_ & 4095) == 0) draw(s, false);
    }
    // Redraws now (a live capture's timeout), throttled to twice a second.
    void poll(const Scan& s) {
        if (active_) draw(s, false);
    }
    // The last line, then a line break.
    void done(const Scan& s);

private:
    void draw(const Scan& s, bool last);
    bool active_;
    uint64_t calls_ = 0;
    std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace middlebox_scan
