#include "Scan.h"

#include <cstring>

#include "middlebox/ReportFormat.h"

namespace middlebox_scan {

using namespace middlebox;

namespace {
constexpr int64_t kClockStepUs = 100000;

bool is_analysed(FrameOutcome o) { return o == FrameOutcome::Segment || o == FrameOutcome::Quote; }
}  // namespace

namespace {
// The path report reads every probe's record at the end: it is never scoped.
bool retires(const ScanSettings& s) { return s.ndjson || (s.request.scope != ReportScope::All && !s.request.path); }
}  // namespace

Scan::Scan(const ScanSettings& settings, std::ostream& out)
    : settings_(settings), out_(out), correlator_(settings.max_pending, retires(settings)) {
    if (settings_.ndjson)
        stream_ = std::make_unique<NdjsonWriter>(out_, settings_.request.scope);
    else if (retires(settings_))
        rows_ = std::make_unique<AnsweredRows>(settings_.request);
    // A scan fills its table: one index of the cap's size costs 4.6 bytes
    // per entry (4.6 MiB at the default cap) and saves a rebuild per 1/8 of
    // growth.
    correlator_.reserve_pending(settings_.max_pending);
    if (settings_.has_probe) correlator_.set_probe(settings_.probe);
}

void Scan::frame(int linktype, const uint8_t* data, size_t caplen, int64_t time_us) {
    Decoded& d = ahead_[frame_ % kAhead];
    d.seg = Segment{};
    d.options_visible = false;
    d.router = Address{};
    d.outcome = decode_frame(linktype, data, caplen, &d.seg, &d.options_visible, &d.router);
    queue(d, time_us, frame_ + 1);
}

void Scan::segment(const Segment& seg, uint32_t number, int64_t time_us) {
    Decoded& d = ahead_[frame_ % kAhead];
    d.seg = seg;
    d.options_visible = false;
    d.router = Address{};
    d.outcome = FrameOutcome::Segment;
    queue(d, time_us, number);
}

void Scan::queue(Decoded& d, int64_t time_us, uint32_t number) {
    ++frame_;
    ++outcomes_[static_cast<int>(d.outcome)];
    d.time_us = time_us;
    d.seg.frame = number;
    if (is_analysed(d.outcome)) {
        if (d.seg.options_captured > 0) std::memcpy(d.options, d.seg.options, d.seg.options_captured);
        d.seg.options = d.options;
        d.fingerprint = d.seg.tuple.fingerprint();
        correlator_.prefetch(d.fingerprint);
    }
    // Frame f sits in ahead_[(f - 1) % kAhead]; the one half-way along is
    // frame_ - kAhead / 2, if it is still waiting.
    if (frame_ - analysed_ > kAhead / 2) {
        const Decoded& half = ahead_[(frame_ - kAhead / 2 - 1) % kAhead];
        if (is_analysed(half.outcome)) correlator_.prefetch_entry(half.fingerprint);
    }
    if (frame_ - analysed_ == kAhead) analyse(ahead_[analysed_ % kAhead]);  // the oldest
}

void Scan::drain_ahead() {
    while (analysed_ < frame_) analyse(ahead_[analysed_ % kAhead]);
}

void Scan::analyse(Decoded& d) {
    ++analysed_;
    if (d.time_us > latest_us_) latest_us_ = d.time_us;  // capture time never runs back
    const Segment& seg = d.seg;
    if (d.outcome == FrameOutcome::Segment) {
        if (const FrameRecord* r = correlator_.observe(seg, d.fingerprint)) {
            const uint32_t index = r->handshake;
            const bool answer = r->role != Role::Syn && !r->repeated();
            // An RST's verdict is final only at retirement: a SYN+ACK may still pair.
            if (stream_ && answer && r->role == Role::SynAck) stream_->handshake(correlator_, index);
            if (rows_ && answer) rows_->answered(correlator_, index);
            if (!streaming()) registry_.add(index, seg.frame);
            if (answer && is_echo(correlator_.handshake(index).verdict)) ++suspects_;
        }
    } else if (d.outcome == FrameOutcome::Quote) {
        // A frame of the quoted SYN's handshake, as the tap hands it to the report.
        const Quote* q = correlator_.observe_quote(seg.frame, seg, d.options_visible, d.router);
        if (q != nullptr && q->handshake != kNone && !streaming()) registry_.add(q->handshake, seg.frame);
    }
    expire(latest_us_);
}

void Scan::retire_before(uint32_t end) {
    if (rows_) {
        correlator_.expire_before(end, [this](uint32_t index) { rows_->retired(correlator_, index); });
    } else if (stream_) {
        correlator_.expire_before(end, [this](uint32_t index) {
            if (correlator_.handshake(index).answer_role != Role::SynAck) stream_->handshake(correlator_, index);
            stream_->count(correlator_, index);
        });
    } else {
        correlator_.expire_before(end);
    }
}

void Scan::expire(int64_t now_us) {
    const uint32_t made = static_cast<uint32_t>(correlator_.handshake_count());
    if (settings_.timeout_us > 0) {
        if (clock_.empty() ? made > correlator_.expired_below()
                           : made > clock_.back().second && now_us - clock_.back().first >= kClockStepUs)
            clock_.emplace_back(now_us, made);
        uint32_t end = 0;
        while (!clock_.empty() && now_us - clock_.front().first >= settings_.timeout_us) {
            end = clock_.front().second;
            clock_.pop_front();
        }
        if (end > correlator_.expired_below()) retire_before(end);
    }
    // Streaming keeps fewer than max_pending handshakes live, so that the
    // next SYN finds room in the table: at the cap the table evicts one,
    // maybe a SYN whose answer is still on its way.
    if (streaming() && made - correlator_.expired_below() >= settings_.max_pending)
        retire_before(static_cast<uint32_t>(made - settings_.max_pending + 1));
    else if (streaming())
        retire_before(correlator_.expired_below());  // frees what this frame's line read
}

void Scan::finish() {
    drain_ahead();
    if (!streaming()) {
        write_report(out_, correlator_, registry_, settings_.request);
        return;
    }
    const uint64_t expired_early = correlator_.expired();
    retire_before(static_cast<uint32_t>(correlator_.handshake_count()));
    if (rows_) {
        rows_->write(out_, correlator_, expired_early);
        return;
    }
    std::vector<std::pair<std::string_view, uint64_t>> frames;
    for (int i = 0; i < kFrameOutcomeCount; ++i)
        frames.emplace_back(frame_outcome_name(static_cast<FrameOutcome>(i)), outcomes_[i]);
    const ReportRequest& r = settings_.request;
    stream_->finish(correlator_, frames, r.input_notes, r.live, r.kernel_drops);
}

void Scan::flush() {
    drain_ahead();
    if (stream_) stream_->flush();
    out_.flush();
}

}  // namespace middlebox_scan
