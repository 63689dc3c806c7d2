#include "middlebox/Correlator.h"

#include <algorithm>
#include <cstring>

namespace middlebox {

namespace {

// What moves a handshake's verdict; next_verdict() is the only place it moves.
enum class VerdictEvent : uint8_t {
    CrossingSyn,  // a SYN crossed its SYN in the other direction before any answer
    SynAck,       // a SYN+ACK answered it (or a probe template stood for its SYN): classify() decided
    NoSynAck,     // a SYN+ACK whose SYN is not in the capture, without a probe template
    Rst,          // an RST acknowledged its SYN
    IcmpError,    // an ICMP error quoted its SYN
};

// A handshake starts no-answer. The transitions, with the precedence of
// docs/verdicts.md ("How a verdict changes"); "-": the event cannot reach
// a handshake in that state (its pending entry is answered or gone):
//
//   event \ verdict  no-answer   icmp-error  rst        simultaneous-open  a SYN+ACK's
//   crossing SYN     sim-open    sim-open    -          sim-open           -
//   SYN+ACK          decided     decided     decided    decided            - (a copy keeps it)
//   no-SYN SYN+ACK   no-syn (a new handshake)
//   RST              rst         rst         -          stays              -
//   ICMP error       icmp-error  stays       stays      stays              stays
//
// An evicted SYN keeps its verdict (no-answer, icmp-error); a SYN+ACK that
// comes for it later is a new no-syn handshake. classify() orders the
// verdicts a SYN+ACK decides (a simultaneous open first).
Verdict next_verdict(Verdict now, VerdictEvent event, Verdict decided = Verdict::None) {
    switch (event) {
        case VerdictEvent::CrossingSyn: return Verdict::SimultaneousOpen;
        case VerdictEvent::SynAck: return decided;
        case VerdictEvent::NoSynAck: return Verdict::NoSyn;
        case VerdictEvent::Rst: return now == Verdict::SimultaneousOpen ? now : Verdict::Rst;
        case VerdictEvent::IcmpError: return now == Verdict::NoAnswer ? Verdict::IcmpError : now;
    }
    return now;
}

}  // namespace

// On the path of every server segment: kept beside on_other(), its caller.
void Handshake::sample_server(uint8_t ttl) {
    if (ttl == answer_ttl) flags |= bits(HandshakeFlag::ServerAtAnswerTtl);
    if (ttl == kLinkLocalTtl) {
        flags |= bits(HandshakeFlag::ServerTtlSet);
        return;
    }
    const uint8_t samples = server_samples();
    if (samples >= kServerSamples) return;
    // Majority vote: a few outliers do not move the server's TTL.
    uint8_t votes = server_votes();
    if (votes == 0) server_ttl = ttl;
    votes = static_cast<uint8_t>(server_ttl == ttl ? votes + 1 : votes - 1);
    server_tally = static_cast<uint8_t>((samples + 1) | (votes << 4));
}

Correlator::Correlator(size_t max_pending, bool streaming) : table_(max_pending), streaming_(streaming) {}

void Correlator::expire_before(uint32_t end, const std::function<void(uint32_t)>& retired) {
    if (end > handshakes_.size()) end = static_cast<uint32_t>(handshakes_.size());
    // Handshakes retire in index order, their entries sit in hash order:
    // each find is two cache misses. Fingerprints are taken kAhead
    // handshakes early and their slots (then entries) prefetched, so that
    // the misses overlap (a scan retires millions).
    constexpr uint32_t kAhead = 16;
    uint64_t ahead[kAhead];
    auto look_ahead = [&](uint32_t i) {
        ahead[i % kAhead] = endpoints_[i].fingerprint();
        table_.prefetch(ahead[i % kAhead]);
    };
    for (uint32_t i = expired_below_; i < end && i - expired_below_ < kAhead; ++i) look_ahead(i);
    for (; expired_below_ < end; ++expired_below_) {
        const uint32_t index = expired_below_;
        // endpoints() is the SYN's direction, an orphan SYN+ACK's entry's too.
        const uint64_t fp = ahead[index % kAhead];
        if (index + kAhead < end) look_ahead(index + kAhead);
        if (index + kAhead / 2 < end) table_.prefetch_entry(ahead[(index + kAhead / 2) % kAhead]);
        // Its entry, unless a later SYN on the same tuple took it over.
        PendingSyn* e = table_.find(fp);
        if (e != nullptr && e->handshake == index) {
            if (!e->has(bits(PendingState::Answered))) ++expired_;
            table_.erase(e);
        }
        copies_.retire(index);
        if (retired) retired(index);
    }
    if (!streaming_) return;
    handshakes_.release_before(expired_below_);
    endpoints_.release_before(expired_below_);
    // The caller has read every result it was handed.
    if (pairs_.size() > 1) pairs_.release_before(pairs_.size() - 1);
    records_.clear();
    copies_.forget_copies();
    if (!quotes_.empty()) {
        quotes_.clear();
        ++quotes_version_;
    }
}

const FrameRecord* Correlator::add_record(uint32_t frame, uint32_t handshake, Role role, uint8_t flags) {
    records_.push_back(FrameRecord{frame, handshake, role, flags});
    return &records_.back();
}

void Correlator::keep_options(PendingSyn& e, const Segment& s) {
    // The raw bytes: a SYN's block is parsed only if an answer comes.
    const OptionBlock::Lengths n = OptionBlock::clamp(s.options, s.options_captured, s.options_declared);
    if (n.captured > 0) std::memcpy(e.options, s.options, n.captured);
    e.set_options_length(n.captured, n.declared);
}

bool Correlator::advance(uint32_t frame) {
    // Pairing relies on seeing frames in capture order; a frame that goes
    // back in time (a caller bug, a merged file seen twice) is ignored rather
    // than allowed to corrupt the state.
    if (frame < last_frame_) {
        ++out_of_order_;
        return false;
    }
    if (frame == last_frame_ && frame != 0) {
        // The same number again: tshark -2 -R numbers only the frames its
        // read filter keeps, so the earlier frame is not in the file the user
        // sees. It still counted for pairing; links to it are dropped.
        unlink_frame(frame);
    }
    last_frame_ = frame;
    return true;
}

void Correlator::unlink_frame(uint32_t frame) {
    while (!records_.empty() && records_.back().frame == frame) {
        Handshake& hs = handshakes_[records_.back().handshake];
        for (uint32_t* f : {&hs.first_syn_frame, &hs.syn_frame, &hs.answer_frame})
            if (*f == frame) *f = 0;
        records_.pop_back();
        ++filtered_out_;
    }
    copies_.unlink(frame);
    while (!quotes_.empty() && quotes_.back().frame == frame) {
        quotes_.pop_back();
        ++quotes_version_;
    }
}

const FrameRecord* Correlator::observe(const Segment& s, uint64_t fp) {
    if (!advance(s.frame)) return nullptr;

    if (s.is_syn()) return on_syn(s, fp);
    if (s.is_synack()) return on_synack(s, fp);
    if (s.is_rst()) return on_rst(s, fp);
    on_other(s, fp);
    return nullptr;
}

void Correlator::find_directions(const Segment& s, uint64_t fp, PendingSyn** own, PendingSyn** reverse) {
    table_.find_pair(fp, s.tuple.reverse_fingerprint(fp), own, reverse);
}

const FrameRecord* Correlator::on_syn(const Segment& s, uint64_t fp) {
    // This direction's entry and the reverse one (a crossing SYN): one probe.
    PendingSyn *e, *crossed;
    find_directions(s, fp, &e, &crossed);
    if (e != nullptr && e->seq == s.seq) {
        // Retransmission, or a copy further along the path: the answer will
        // be paired with this, the latest copy.
        Handshake& hs = handshakes_[e->handshake];
        const Copy* copy = nullptr;
        if (copies_.may_matter(s.ttl, hs.syn_ttl)) {
            const OptionBlock before = OptionBlock::parse(e->options, e->options_captured(), e->options_declared());
            copy = copies_.observe(e->handshake, Role::Syn, s.frame, s.ttl, s.option_block(),
                                   SeenSegment::of(hs.syn_frame, hs.syn_ttl, before), nullptr, hs.verdict);
        }
        if (!e->has(bits(PendingState::Answered))) {
            keep_options(*e, s);
            hs.syn_frame = s.frame;
            hs.syn_ttl = s.ttl;
            hs.syn_ip_id = s.ip_id;
            hs.set_syn_ecn_flags(s.flags);  // Linux drops ECN setup from a retransmitted SYN
            // A TFO SYN retransmitted without its data may still be
            // answered for the data of the first copy.
            hs.syn_data = std::max(hs.syn_data, s.payload);
        }
        if (hs.syn_copies < 0xffff) ++hs.syn_copies;
        return add_record(s.frame, e->handshake, Role::Syn,
                          copy != nullptr ? bits(RecordFlag::Copy) : bits(RecordFlag::Retransmission));
    }

    // A new handshake, possibly on a reused tuple (then the old one keeps
    // whatever verdict it had: no-answer if it was never answered).
    const auto index = static_cast<uint32_t>(handshakes_.size());
    Handshake hs;
    hs.first_syn_frame = hs.syn_frame = s.frame;
    hs.syn_copies = 1;
    hs.syn_ttl = s.ttl;
    hs.syn_ip_id = s.ip_id;
    hs.set_syn_ecn_flags(s.flags);
    hs.syn_data = s.payload;

    const bool simultaneous = crossed != nullptr && !crossed->has(bits(PendingState::Answered));
    if (simultaneous) {
        crossed->add_state(bits(PendingState::Simultaneous));
        Verdict& other = handshakes_[crossed->handshake].verdict;
        other = next_verdict(other, VerdictEvent::CrossingSyn);
        hs.verdict = next_verdict(hs.verdict, VerdictEvent::CrossingSyn);
    }
    handshakes_.push_back(hs);
    endpoints_.push_back(s.tuple);

    if (e == nullptr) e = table_.insert(fp);
    *e = PendingSyn{};
    e->tuple = fp;
    e->seq = s.seq;
    e->handshake = index;
    e->set_state(simultaneous ? bits(PendingState::Simultaneous) : 0);
    keep_options(*e, s);
    return add_record(s.frame, index, Role::Syn, 0);
}

const FrameRecord* Correlator::on_synack(const Segment& s, uint64_t fp) {
    const uint64_t syn_fp = s.tuple.reverse_fingerprint(fp);
    PendingSyn* e = table_.find(syn_fp);
    // ack == seq + 1 answers most SYNs without reading their record; a TFO
    // SYN's data may be acknowledged too.
    const bool matches = e != nullptr && (s.ack == e->seq + 1 || handshakes_[e->handshake].acknowledges(e->seq, s.ack));

    // A SYN an RST answered first (a box's, or the server's) still pairs
    // with the SYN+ACK that acknowledges it: that SYN+ACK may be a copy.
    const bool after_rst = matches && e->has(bits(PendingState::RstAnswered));
    if (matches && e->has(bits(PendingState::Answered)) && !after_rst) {
        Handshake& hs = handshakes_[e->handshake];
        if (hs.answer_role == Role::SynAck) {
            if (hs.answer_copies < 0xffff) ++hs.answer_copies;
            const Copy* copy =
                copies_.may_matter(s.ttl, hs.answer_ttl) ? observe_synack_copy(s, e->handshake) : nullptr;
            return add_record(s.frame, e->handshake, Role::SynAck,
                              copy != nullptr ? bits(RecordFlag::Copy) : bits(RecordFlag::Retransmission));
        }
    }

    const auto pair_index = static_cast<uint32_t>(pairs_.size());
    PairedOptions& p = pairs_.emplace_back();  // built in place: chunks never move
    const OptionBlock synack = s.option_block();
    p.synack = StoredOptions::of(synack);

    uint32_t index;
    if (matches && (!e->has(bits(PendingState::Answered)) || after_rst)) {
        index = e->handshake;
        if (after_rst) {
            const Handshake& hs = handshakes_[index];
            p.rst_frame = hs.answer_frame;
            p.rst_ttl = hs.answer_ttl;
            e->clear_state(bits(PendingState::RstAnswered));
        }
        p.has_syn = true;
        p.syn = e->stored_options();
        p.evidence = compare_options(p.syn.block(), synack);  // synack: the same bytes, parsed once
        p.data_acked = static_cast<uint16_t>(s.ack - (e->seq + 1));
        Handshake& hs = handshakes_[index];
        p.evidence.flags_echo = flags_reflected(hs.syn_ecn_flags(), s.flags);
        const Verdict decided = classify(p.evidence, e->has(bits(PendingState::Simultaneous)));
        hs.verdict = next_verdict(hs.verdict, VerdictEvent::SynAck, decided);
        // A stack numbers its own datagrams; a box that turns the SYN round
        // keeps its identification. 0 is what many stacks send with DF set.
        if (s.ip_id != 0 && s.ip_id == hs.syn_ip_id) hs.flags |= bits(HandshakeFlag::IpIdReturned);
        e->add_state(bits(PendingState::Answered));
    } else {
        // Orphan SYN+ACK. Remember it as answered so that its retransmissions
        // and the server's later segments attach to the same handshake.
        index = static_cast<uint32_t>(handshakes_.size());
        Handshake hs;
        hs.verdict = next_verdict(hs.verdict, VerdictEvent::NoSynAck);
        if (table_.evictions() > 0) hs.flags |= bits(HandshakeFlag::EvictedBefore);
        if (e != nullptr) hs.flags |= bits(HandshakeFlag::AckMismatch);
        handshakes_.push_back(hs);
        endpoints_.push_back(s.tuple.reversed());
        if (e == nullptr) {  // never displace a SYN still waiting on this tuple
            e = table_.insert(syn_fp);
            e->seq = s.ack - 1;
            e->handshake = index;
            e->set_state(bits(PendingState::Answered));
        }
        if (has_probe_) {
            // A scan's probes all carry the template: it stands for the SYN.
            p.has_syn = true;
            p.syn = probe_.options;
            p.evidence = compare_options(p.syn.block(), synack);
            Verdict& v = handshakes_[index].verdict;
            v = next_verdict(v, VerdictEvent::SynAck, classify(p.evidence, false));
        } else {
            // The SYN+ACK's options alone: no copy can be proved without a
            // SYN, but a malformed block is still reported.
            p.evidence = compare_options(OptionBlock::parse(nullptr, 0, 0), synack);
            p.evidence.unsolicited_mpc = false;  // without the SYN nobody knows what it offered
        }
    }

    Handshake& hs = handshakes_[index];
    hs.answer_frame = s.frame;
    hs.answer_role = Role::SynAck;
    hs.answer_copies = 1;
    hs.answer_ttl = s.ttl;
    hs.pair = pair_index;
    hs.facts = handshake_facts(p.evidence, hs.verdict);
    return add_record(s.frame, index, Role::SynAck, 0);
}

const Copy* Correlator::observe_synack_copy(const Segment& s, uint32_t handshake) {
    const Handshake& hs = handshakes_[handshake];
    const PairedOptions& p = pairs_[hs.pair];
    // The SYN as first seen: at the capture point nearest the client.
    const SeenSegment* first_syn = copies_.first_syn(handshake);
    SeenSegment paired_syn;
    if (first_syn == nullptr && p.has_syn && !hs.against_probe()) {
        paired_syn = SeenSegment::of(hs.syn_frame, hs.syn_ttl, p.syn.block());
        first_syn = &paired_syn;
    }
    return copies_.observe(handshake, Role::SynAck, s.frame, s.ttl, s.option_block(),
                           SeenSegment::of(hs.answer_frame, hs.answer_ttl, p.synack.block()), first_syn, hs.verdict);
}

const FrameRecord* Correlator::on_rst(const Segment& s, uint64_t fp) {
    // A RST travelling the SYN's way (a scanner's kernel resetting an
    // unexpected SYN+ACK, a client giving up) does not answer anything. The
    // entry stays: servers that ignore the RST retransmit their SYN+ACK, and
    // the cap reclaims answered entries first.
    PendingSyn *own, *e;
    find_directions(s, fp, &own, &e);
    if (own != nullptr || e == nullptr || e->has(bits(PendingState::RstAnswered))) return nullptr;
    if (e->has(bits(PendingState::Answered))) {  // the server reset after its SYN+ACK: its distance too
        Handshake& hs = handshakes_[e->handshake];
        if (hs.answer_role == Role::SynAck) hs.sample_server(s.ttl);
        table_.erase(e);
        return nullptr;
    }
    // A RST answering a SYN acknowledges it (RFC 9293 3.10.7.1 / 793 p.36),
    // and a TFO SYN's data with it.
    if (!(s.flags & kAck)) return nullptr;
    const uint32_t index = e->handshake;
    Handshake& hs = handshakes_[index];
    if (!hs.acknowledges(e->seq, s.ack)) return nullptr;
    hs.answer_frame = s.frame;
    hs.answer_role = Role::Rst;
    hs.answer_copies = 1;
    hs.answer_ttl = s.ttl;
    hs.verdict = next_verdict(hs.verdict, VerdictEvent::Rst);
    // The entry stays: a SYN+ACK may still come for this SYN (a box reset
    // the client while the server, or another box, answered).
    e->add_state(bits(PendingState::Answered) | bits(PendingState::RstAnswered));
    return add_record(s.frame, index, Role::Rst, 0);
}

void Correlator::on_other(const Segment& s, uint64_t fp) {
    // The server's data segments tell its real distance: a SYN proxy answers
    // the SYN and ACKs the client itself, but the data comes from the
    // server. The entry is kept meanwhile: a server may still retransmit its
    // SYN+ACK (a rejected third ACK, an ignored RST), and that copy must pair.
    PendingSyn *own, *e;
    find_directions(s, fp, &own, &e);
    if (e != nullptr) {  // from the server
        if (!e->has(bits(PendingState::Answered)) || e->has(bits(PendingState::RstAnswered))) return;
        // Its first data segments and its FIN carry its distance (a pure
        // ACK may be a SYN proxy's own); past the samples, only the FIN
        // is read, which may still come at the SYN+ACK's TTL.
        const bool fin = (s.flags & kFin) != 0;
        if (fin || (s.payload > 0 && !e->has(bits(PendingState::ServerSeen)))) {
            // (An answered entry still in the table is a SYN+ACK's: a RST erases it.)
            Handshake& hs = handshakes_[e->handshake];
            hs.sample_server(s.ttl);
            if (hs.server_samples() >= kServerSamples) e->add_state(bits(PendingState::ServerSeen));
        }
        if (fin) table_.erase(e);  // the server is done sending
        return;
    }
    // A client FIN on an answered handshake: the connection is over once
    // the server's distance is settled: its data sampled and one segment
    // at the SYN+ACK's TTL (else the server's own FIN is still to come).
    if ((s.flags & kFin) && own != nullptr && own->has(bits(PendingState::Answered)) &&
        own->has(bits(PendingState::ServerSeen)) &&
        (handshakes_[own->handshake].flags & bits(HandshakeFlag::ServerAtAnswerTtl)))
        table_.erase(own);
}

const Quote* Correlator::observe_quote(uint32_t frame, const Segment& quoted, bool options_visible,
                                       const Address& router) {
    if (!quoted.is_syn() || !advance(frame)) return nullptr;
    Quote q;
    q.frame = frame;
    q.router = router;
    q.options_visible = options_visible;
    if (options_visible) {
        const OptionBlock b = quoted.option_block();
        q.quoted = StoredOptions::of(b);
    }
    // The quoted SYN travels the SYN's direction with the SYN's sequence
    // number. An orphan SYN+ACK's entry (no-syn) holds no SYN to compare.
    if (const PendingSyn* e = table_.find(quoted.tuple.fingerprint());
        e != nullptr && e->seq == quoted.seq && handshakes_[e->handshake].verdict != Verdict::NoSyn &&
        !handshakes_[e->handshake].against_probe()) {
        q.handshake = e->handshake;
        Handshake& hs = handshakes_[e->handshake];
        q.syn_frame = hs.syn_frame;
        // Answered so far only by errors; a SYN+ACK or RST may still come.
        hs.verdict = next_verdict(hs.verdict, VerdictEvent::IcmpError);
        q.syn = e->stored_options();
    }
    quotes_.push_back(q);
    ++quotes_version_;
    return &quotes_.back();
}

std::vector<uint32_t> Correlator::quote_frames(uint32_t handshake) const {
    if (indexed_version_ != quotes_version_) {
        quotes_by_handshake_.clear();
        for (uint32_t i = 0; i < quotes_.size(); ++i)
            if (quotes_[i].handshake != kNone) quotes_by_handshake_.push_back(i);
        std::stable_sort(quotes_by_handshake_.begin(), quotes_by_handshake_.end(),
                         [this](uint32_t a, uint32_t b) { return quotes_[a].handshake < quotes_[b].handshake; });
        indexed_version_ = quotes_version_;
    }
    auto first = std::lower_bound(quotes_by_handshake_.begin(), quotes_by_handshake_.end(), handshake,
                                  [this](uint32_t q, uint32_t h) { return quotes_[q].handshake < h; });
    std::vector<uint32_t> frames;
    for (auto it = first; it != quotes_by_handshake_.end() && quotes_[*it].handshake == handshake; ++it)
        frames.push_back(quotes_[*it].frame);
    return frames;
}

const Quote* Correlator::lookup_quote(uint32_t frame) const {
    auto it =
        std::lower_bound(quotes_.begin(), quotes_.end(), frame, [](const Quote& q, uint32_t f) { return q.frame < f; });
    return it != quotes_.end() && it->frame == frame ? &*it : nullptr;
}

bool Quote::stripped() const {
    if (handshake == kNone || !options_visible) return false;
    const OptionBlock sent = syn.block(), got = quoted.block();
    if (!sent.ok() || !got.ok()) return false;
    for (size_t i = 0; i < sent.count(); ++i)
        if (got.counterpart(sent, sent.at(i)) == nullptr) return true;
    return false;
}

bool Quote::changed() const {
    if (handshake == kNone || !options_visible) return false;
    const OptionBlock sent = syn.block(), got = quoted.block();
    return sent.ok() && got.ok() && !sent.same_bytes(got);
}

const FrameRecord* Correlator::lookup(uint32_t frame) const {
    MIDDLEBOX_ASSERT(!streaming_);  // its records are gone after each expire_before()
    auto it = std::lower_bound(records_.begin(), records_.end(), frame,
                               [](const FrameRecord& r, uint32_t f) { return r.frame < f; });
    return it != records_.end() && it->frame == frame ? &*it : nullptr;
}

bool Correlator::fits(uint32_t handshake, Role role, const FlowTuple& tuple, int tcp_flags) const {
    if (handshake >= handshakes_.size()) return false;
    if (tcp_flags >= 0) {
        Segment s;
        s.flags = static_cast<uint16_t>(tcp_flags);
        const bool fits_role = role == Role::Syn ? s.is_syn() : role == Role::SynAck ? s.is_synack() : s.is_rst();
        if (!fits_role) return false;
    }
    const FlowTuple& e = endpoints_[handshake];
    const FlowTuple expected = role == Role::Syn ? e : e.reversed();
    return tuple.src == expected.src && tuple.dst == expected.dst && tuple.src_port == expected.src_port &&
           tuple.dst_port == expected.dst_port;
}

}  // namespace middlebox
