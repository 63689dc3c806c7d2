#include "Scan.h"

#include "middlebox/ReportFormat.h"

namespace middlebox_scan {

using namespace middlebox;

namespace {
constexpr int64_t kClockStepUs = 100000;
}

Scan::Scan(const ScanSettings& settings, std::ostream& out)
    : settings_(settings), out_(out), correlator_(settings.max_pending, settings.streaming) {
    if (settings_.streaming) stream_ = std::make_unique<NdjsonWriter>(out_);
}

void Scan::frame(int linktype, const uint8_t* data, size_t caplen, int64_t time_us) {
    ++frame_;
    Segment seg;
    bool options_visible = false;
    Address router;  // of an ICMP error
    const FrameOutcome o = decode_frame(linktype, data, caplen, &seg, &options_visible, &router);
    ++outcomes_[static_cast<int>(o)];
    if (time_us > latest_us_) latest_us_ = time_us;  // capture time never runs back
    seg.frame = frame_;
    if (o == FrameOutcome::Segment) {
        if (const FrameRecord* r = correlator_.observe(seg)) {
            const uint32_t index = r->handshake;
            const bool answer = r->role != Role::Syn && !r->repeated();
            if (stream_ && answer) stream_->handshake(correlator_, index);
            if (!stream_) registry_.add(index, frame_);
            if (answer && is_echo(correlator_.handshake(index).verdict)) ++suspects_;
        }
    } else if (o == FrameOutcome::Quote) {
        // A frame of the quoted SYN's handshake, as the tap hands it to the report.
        const Quote* q = correlator_.observe_quote(frame_, seg, options_visible, router);
        if (q != nullptr && q->handshake != kNone && !stream_) registry_.add(q->handshake, frame_);
    }
    expire(latest_us_);
}

void Scan::retire_before(uint32_t end) {
    if (!stream_) {
        correlator_.expire_before(end);
        return;
    }
    correlator_.expire_before(end, [this](uint32_t index) {
        if (!correlator_.handshake(index).answered()) stream_->handshake(correlator_, index);
        stream_->count(correlator_, index);
    });
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
    // Streaming keeps at most max_pending handshakes live, like the table.
    if (stream_ && made - correlator_.expired_below() > settings_.max_pending)
        retire_before(static_cast<uint32_t>(made - settings_.max_pending));
    else if (stream_)
        retire_before(correlator_.expired_below());  // frees what this frame's line read
}

void Scan::finish() {
    if (!stream_) {
        write_report(out_, correlator_, registry_, settings_.request);
        return;
    }
    retire_before(static_cast<uint32_t>(correlator_.handshake_count()));
    std::vector<std::pair<std::string_view, uint64_t>> frames;
    for (int i = 0; i < kFrameOutcomeCount; ++i)
        frames.emplace_back(frame_outcome_name(static_cast<FrameOutcome>(i)), outcomes_[i]);
    stream_->finish(correlator_, frames);
}

void Scan::flush() {
    if (stream_) stream_->flush();
    out_.flush();
}

}  // namespace middlebox_scan
