#include "middlebox/RunningTally.h"

#include <algorithm>

namespace middlebox {

namespace {

// How far back a crossing SYN looks for the handshake it turned into a
// simultaneous open (bounded so that a hostile capture stays linear).
constexpr size_t kCrossingLookBack = 65536;

}  // namespace

void RunningTally::apply(const Contribution& k, int sign) {
    count_handshake(&counts_, static_cast<Verdict>(k.verdict), k.facts, k.against_probe, sign);
    if (is_echo(static_cast<Verdict>(k.verdict))) {
        Server& s = servers_[k.server];
        if (sign > 0 && s.echoes++ == 0) ++counts_.suspect_servers;
        if (sign < 0 && --s.echoes == 0) --counts_.suspect_servers;
    }
}

bool RunningTally::refresh(const Correlator& c, uint32_t handshake) {
    Contribution& old = by_handshake_[handshake];
    const Handshake& hs = c.handshake(handshake);
    Contribution now = old;
    now.verdict = static_cast<uint8_t>(hs.verdict);
    now.facts = hs.facts;
    now.against_probe = hs.against_probe();
    if (now.verdict == old.verdict && now.facts == old.facts && now.against_probe == old.against_probe) return false;
    apply(old, -1);
    apply(now, +1);
    old = now;
    if (now.verdict == static_cast<uint8_t>(Verdict::NoAnswer)) unanswered_.push_back(handshake);
    return true;
}

bool RunningTally::add(const Correlator& c, uint32_t handshake) {
    if (source_ != &c) {
        clear();
        source_ = &c;
    }
    if (handshake >= c.handshake_count()) return false;
    if (handshake >= by_handshake_.size()) by_handshake_.resize(handshake + 1);
    Contribution& slot = by_handshake_[handshake];
    if (slot.verdict != 0) return refresh(c, handshake);

    const FlowTuple& t = c.endpoints(handshake);
    auto ins = server_index_.emplace(t.destination(), static_cast<uint32_t>(servers_.size()));
    if (ins.second) {
        servers_.push_back(Server{});
        ++counts_.servers;
    }
    const Handshake& hs = c.handshake(handshake);
    const Contribution now{static_cast<uint8_t>(hs.verdict), hs.facts, hs.against_probe(), ins.first->second};
    slot = now;
    apply(now, +1);
    if (now.verdict == static_cast<uint8_t>(Verdict::NoAnswer)) unanswered_.push_back(handshake);

    // A SYN that crosses another one turns that older handshake into a
    // simultaneous open without a frame of its own reaching the tap.
    if (now.verdict == static_cast<uint8_t>(Verdict::SimultaneousOpen)) {
        size_t looked = 0;
        for (size_t i = unanswered_.size(); i-- > 0 && looked < kCrossingLookBack; ++looked) {
            const uint32_t h = unanswered_[i];
            if (h == handshake || by_handshake_[h].verdict != static_cast<uint8_t>(Verdict::NoAnswer)) continue;
            if (c.handshake(h).verdict == Verdict::SimultaneousOpen) {
                refresh(c, h);
                break;
            }
        }
    }
    // Drop the entries that stopped being no-answer once they pile up.
    if (unanswered_.size() > 1024 && unanswered_.size() > 2u * counts_.verdicts[static_cast<int>(Verdict::NoAnswer)]) {
        const uint8_t na = static_cast<uint8_t>(Verdict::NoAnswer);
        unanswered_.erase(std::remove_if(unanswered_.begin(), unanswered_.end(),
                                         [&](uint32_t h) { return by_handshake_[h].verdict != na; }),
                          unanswered_.end());
    }
    return true;
}

void RunningTally::clear() {
    source_ = nullptr;
    counts_ = Counts{};
    by_handshake_.clear();
    server_index_.clear();
    servers_.clear();
    unanswered_.clear();
}

}  // namespace middlebox
