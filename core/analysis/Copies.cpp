#include "middlebox/Copies.h"

#include <algorithm>
#include <cstring>

#include "middlebox/EchoEvidence.h"
#include "middlebox/OptionDiff.h"

namespace middlebox {

SeenSegment SeenSegment::of(uint32_t frame, uint8_t ttl, const OptionBlock& b) {
    SeenSegment s;
    s.frame = frame;
    s.ttl = ttl;
    s.options = StoredOptions::of(b);
    return s;
}

std::string Copy::diff() const { return seen.options.diff(&first.options); }

std::vector<std::string> Copy::changes() const { return changed_items(first.block(), seen.block()); }

bool Copy::changed() const {
    const OptionBlock a = first.block(), b = seen.block();
    return !a.same_bytes(b);
}

const Copy* Copies::observe(uint32_t handshake, Role role, uint32_t frame, uint8_t ttl, const OptionBlock& options,
                            const SeenSegment& before, const SeenSegment* syn, Verdict first_verdict) {
    auto it = chains_.find(key(handshake, role));
    const uint8_t previous_ttl = it != chains_.end() ? it->second.last_ttl : before.ttl;
    if (ttl >= previous_ttl) {
        // The sender's own retransmission (or one packet captured twice on
        // loopback): later copies are set against it. Without a chain the
        // correlator's own record of it is enough.
        if (it != chains_.end()) it->second = Chain{SeenSegment::of(frame, ttl, options), ttl};
        return nullptr;
    }
    if (it == chains_.end()) it = chains_.emplace(key(handshake, role), Chain{before, before.ttl}).first;
    it->second.last_ttl = ttl;

    Copy c;
    c.handshake = handshake;
    c.role = role;
    c.first = it->second.origin;
    c.seen = SeenSegment::of(frame, ttl, options);
    c.first_verdict = first_verdict;
    // Crossed SYNs repeat their own options: nothing to compare.
    if (role == Role::SynAck && syn != nullptr && first_verdict != Verdict::SimultaneousOpen) {
        c.verdict_here = classify(compare_options(syn->block(), options), false);
        c.rewritten_on_path = !is_echo(first_verdict) && is_echo(c.verdict_here);
    }
    copies_.push_back(c);
    return &copies_.back();
}

const SeenSegment* Copies::first_syn(uint32_t handshake) const {
    if (chains_.empty()) return nullptr;
    auto it = chains_.find(key(handshake, Role::Syn));
    return it != chains_.end() ? &it->second.origin : nullptr;
}

const Copy* Copies::lookup(uint32_t frame) const {
    auto it = std::lower_bound(copies_.begin(), copies_.end(), frame,
                               [](const Copy& c, uint32_t f) { return c.frame() < f; });
    return it != copies_.end() && it->frame() == frame ? &*it : nullptr;
}

void Copies::unlink(uint32_t frame) {
    while (!copies_.empty() && copies_.back().frame() == frame) copies_.pop_back();
}

}  // namespace middlebox
