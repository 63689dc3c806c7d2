#include "middlebox/TcpOptions.h"

#include <cstring>

#include "middlebox/FastOpen.h"
#include "middlebox/Mptcp.h"

namespace middlebox {

OptionBlock::Lengths OptionBlock::clamp(const uint8_t* bytes, size_t captured, size_t declared) {
    if (declared > kMaxOptionBytes) declared = kMaxOptionBytes;
    if (captured > declared) captured = declared;
    if (bytes == nullptr) captured = 0;
    return Lengths{captured, declared};
}

OptionBlock OptionBlock::parse(const uint8_t* bytes, size_t captured, size_t declared) {
    OptionBlock b;
    const Lengths n = clamp(bytes, captured, declared);
    captured = n.captured;
    declared = n.declared;
    b.bytes_ = bytes;
    b.captured_ = static_cast<uint8_t>(captured);
    b.declared_ = static_cast<uint8_t>(declared);

    size_t i = 0;
    auto fail = [&b](Status s) {
        b.status_ = s;
        return b;
    };
    while (i < declared) {
        if (i >= captured) return fail(Status::Truncated);
        const uint8_t kind = bytes[i];
        if (kind == kEol) break;  // the rest is padding
        if (kind == kNop) {
            ++i;
            continue;
        }
        if (i + 1 >= declared) return fail(Status::Malformed);  // no room for a length byte
        if (i + 1 >= captured) return fail(Status::Truncated);
        const uint8_t len = bytes[i + 1];
        if (len < 2 || i + len > declared) return fail(Status::Malformed);
        if (i + len > captured) return fail(Status::Truncated);
        b.options_[b.count_++] = TcpOption{kind, len, static_cast<uint8_t>(i)};
        i += len;
    }
    return b;
}

const TcpOption* OptionBlock::find(uint8_t kind) const {
    for (size_t i = 0; i < count_; ++i)
        if (options_[i].kind == kind) return &options_[i];
    return nullptr;
}

const TcpOption* OptionBlock::find_mptcp(uint8_t subtype) const {
    for (size_t i = 0; i < count_; ++i) {
        const TcpOption& o = options_[i];
        if (o.kind == kMptcp && mptcp_subtype(data(o), o.length) == subtype) return &o;
    }
    return nullptr;
}

const TcpOption* OptionBlock::counterpart(const OptionBlock& from, const TcpOption& o) const {
    const uint8_t* p = from.data(o);
    if (o.kind == kMptcp) return find_mptcp(mptcp_subtype(p, o.length));
    const uint16_t exid = experiment_id(p, o.length);
    for (size_t i = 0; i < count_; ++i) {
        const TcpOption& t = options_[i];
        if (t.kind == o.kind && (exid == 0 || experiment_id(data(t), t.length) == exid)) return &t;
    }
    return nullptr;
}

bool OptionBlock::has_identical(const OptionBlock& other, const TcpOption& o) const {
    const uint8_t* mine = data(o);
    for (size_t i = 0; i < other.count_; ++i) {
        const TcpOption& t = other.options_[i];
        if (t.kind == o.kind && t.length == o.length && std::memcmp(other.data(t), mine, o.length) == 0) return true;
    }
    return false;
}

bool OptionBlock::same_bytes(const OptionBlock& other) const {
    return declared_ == other.declared_ && captured_ == declared_ && other.captured_ == declared_ &&
           (declared_ == 0 || std::memcmp(bytes_, other.bytes_, declared_) == 0);
}

size_t OptionBlock::copy_to(uint8_t* out) const {
    if (captured_ > 0) std::memcpy(out, bytes_, captured_);
    return captured_;
}

StoredOptions StoredOptions::of(const OptionBlock& b) {
    StoredOptions s;
    s.captured = static_cast<uint8_t>(b.copy_to(s.bytes));
    s.declared = static_cast<uint8_t>(b.declared_length());
    return s;
}

StoredOptions StoredOptions::raw(const uint8_t (&bytes)[kMaxOptionBytes], uint8_t captured, uint8_t declared) {
    StoredOptions s;
    std::memcpy(s.bytes, bytes, kMaxOptionBytes);
    s.captured = captured;
    s.declared = declared;
    return s;
}

bool may_match_legitimately(uint8_t kind) {
    switch (kind) {
        case kEol:
        case kNop:
        case kMss:
        case kWindowScale:
        case kSackPermitted:
        case kSack:
        case kUserTimeout:
        case kFastOpen:
        // RFC 8547: a passive opener's TCP-ENO may be the one suboption the
        // SYN offered. RFC 9768: both ends' AccECN counters start at the
        // same values, so equal options are what a correct stack may send.
        case kEno:
        case kAccEcn0:
        case kAccEcn1: return true;
        default: return false;
    }
}

uint16_t experiment_id(const uint8_t* option, size_t length) {
    if (option == nullptr || length < 4 || (option[0] != kExperiment1 && option[0] != kExperiment2)) return 0;
    return static_cast<uint16_t>((option[2] << 8) | option[3]);
}

bool is_unknown_option(const uint8_t* option, size_t length) {
    const uint8_t kind = option[0];
    return !may_match_legitimately(kind) && kind != kTimestamp && kind != kMptcp && !is_fast_open(option, length);
}

std::string option_name(uint8_t kind, const uint8_t* option, size_t length) {
    switch (kind) {
        case kEol: return "EOL";
        case kNop: return "NOP";
        case kMss: return "MSS";
        case kWindowScale: return "WS";
        case kSackPermitted: return "SACK_PERM";
        case kSack: return "SACK";
        case kTimestamp: return "TS";
        case kMd5: return "MD5";
        case kUserTimeout: return "UTO";
        case kTcpAo: return "TCP_AO";
        case kFastOpen: return "TFO";
        case kEno: return "TCP_ENO";
        case kAccEcn0: return "ACCECN0";
        case kAccEcn1: return "ACCECN1";
        case kMptcp:
            if (option != nullptr) {
                switch (mptcp_subtype(option, length)) {
                    case kMpCapable: return "MP_CAPABLE";
                    case kMpJoin: return "MP_JOIN";
                    default: break;
                }
            }
            return "MPTCP";
        case kExperiment2:
            if (is_fast_open(option, length)) return "TFO_EXP";
            return "KIND254";
        default: return "KIND" + std::to_string(kind);
    }
}

const char* status_name(OptionBlock::Status s) {
    switch (s) {
        case OptionBlock::Status::Ok: return "ok";
        case OptionBlock::Status::Truncated: return "truncated";
        case OptionBlock::Status::Malformed: return "malformed";
    }
    return "?";
}

}  // namespace middlebox
