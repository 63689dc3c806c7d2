// TCP option codec: splits a raw option block into options without copying
// and says whether the block could be read in full.
//
// The codec never reads past the bytes it was given: a capture cut by its
// snaplen yields Status::Truncated, an option whose length byte is invalid
// yields Status::Malformed. Callers must not draw conclusions from a block
// that is not Ok (classify() gives its handshake the verdict truncated).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace middlebox {

// Option kinds the plugin names (IANA "TCP Option Kind Numbers").
enum OptionKind : uint8_t {
    kEol = 0,
    kNop = 1,
    kMss = 2,
    kWindowScale = 3,
    kSackPermitted = 4,
    kSack = 5,
    kTimestamp = 8,
    kMd5 = 19,
    kUserTimeout = 28,
    kTcpAo = 29,
    kMptcp = 30,
    kFastOpen = 34,
    kEno = 69,       // TCP-ENO, RFC 8547
    kAccEcn0 = 172,  // AccECN Order 0, RFC 9768
    kAccEcn1 = 174,  // AccECN Order 1, RFC 9768
    kExperiment1 = 253,
    kExperiment2 = 254,
};

// Largest option block a TCP header can hold (data offset 15 words).
constexpr size_t kMaxOptionBytes = 40;

struct TcpOption {
    uint8_t kind = 0;
    uint8_t length = 0;  // total length, kind and length bytes included (1 for NOP/EOL)
    uint8_t offset = 0;  // position of the kind byte in the block
};

class OptionBlock {
public:
    enum class Status : uint8_t {
        Ok,         // every declared byte was read and parsed
        Truncated,  // the capture holds fewer bytes than the header declares
        Malformed,  // a length byte is 0, 1, or runs past the declared block
    };

    // `bytes` holds `captured` bytes of a block the TCP header declares to be
    // `declared` bytes long (data offset * 4 - 20). captured may be smaller
    // (snaplen) but never larger than declared; extra bytes are ignored.
    static OptionBlock parse(const uint8_t* bytes, size_t captured, size_t declared);

    // The lengths parse() keeps (declared at most kMaxOptionBytes, captured
    // at most declared, 0 without bytes), for a caller that stores the raw
    // block and parses it only when it is needed.
    struct Lengths {
        size_t captured, declared;
    };
    static Lengths clamp(const uint8_t* bytes, size_t captured, size_t declared);

    Status status() const { return status_; }
    bool ok() const { return status_ == Status::Ok; }
    size_t declared_length() const { return declared_; }
    size_t captured_length() const { return captured_; }
    const uint8_t* bytes() const { return bytes_; }

    // Options other than NOP and EOL, in wire order.
    size_t count() const { return count_; }
    const TcpOption& at(size_t i) const { return options_[i]; }
    const uint8_t* data(const TcpOption& o) const { return bytes_ + o.offset; }

    // First option of this kind, or nullptr.
    const TcpOption* find(uint8_t kind) const;
    // First MPTCP option (kind 30) with this subtype, or nullptr.
    const TcpOption* find_mptcp(uint8_t subtype) const;
    // The option of this block that stands for `o` of `from`: the same kind,
    // and for MPTCP the same subtype, for an experiment (253, 254) the same
    // ExID. nullptr when there is none.
    const TcpOption* counterpart(const OptionBlock& from, const TcpOption& o) const;
    // True when `other` holds an option with exactly the same bytes as `o` of this block.
    bool has_identical(const OptionBlock& other, const TcpOption& o) const;
    // True when both blocks declare the same length and every byte matches.
    bool same_bytes(const OptionBlock& other) const;

    // Copies the captured bytes into `out` (kMaxOptionBytes) so a block can
    // outlive the packet buffer; the result is re-parsed by the caller.
    size_t copy_to(uint8_t* out) const;

private:
    const uint8_t* bytes_ = nullptr;
    uint8_t captured_ = 0;
    uint8_t declared_ = 0;
    uint8_t count_ = 0;
    Status status_ = Status::Ok;
    TcpOption options_[kMaxOptionBytes / 2];  // every non-NOP option takes >= 2 bytes
};

// An option block kept past its packet (a pair's, a quote's, a copy's):
// the captured bytes and both lengths; block() parses it again when read.
struct StoredOptions {
    uint8_t bytes[kMaxOptionBytes] = {};
    uint8_t captured = 0, declared = 0;

    static StoredOptions of(const OptionBlock& b);
    // A block kept raw (a pending SYN's, a probe template's), lengths as
    // they are: block() clamps them.
    static StoredOptions raw(const uint8_t (&bytes)[kMaxOptionBytes], uint8_t captured, uint8_t declared);
    OptionBlock block() const { return OptionBlock::parse(bytes, captured, declared); }
    // This block set against `before` (option_diff, OptionDiff.h): "(no
    // SYN)" when `before` is null.
    std::string diff(const StoredOptions* before) const;
};

// Short name used in reports and the diff notation: "MSS", "WS", "SACK_PERM",
// "TS", "MP_CAPABLE", "MP_JOIN", "TFO", "TFO_EXP" (kind 254, ExID 0xF989),
// "TCP_ENO", "ACCECN0", "ACCECN1", "KIND222".
std::string option_name(uint8_t kind, const uint8_t* option = nullptr, size_t length = 0);

// True for kinds a genuine server may legitimately return with the very bytes
// the client sent (equal MSS, same window scale, SACK permitted, a TCP-ENO
// server choosing the one protocol offered, AccECN counters that start
// alike on both sides, ...). Copies of any other kind are evidence of an echo.
bool may_match_legitimately(uint8_t kind);

// The 16-bit experiment ID of a kind 253/254 option (RFC 6994), or 0 when
// the option is of another kind or too short to hold one.
uint16_t experiment_id(const uint8_t* option, size_t length);

// True for an option that is none of those a server may return alike
// (may_match_legitimately), nor TS, MPTCP or the experimental TFO form: an
// unknown or experimental kind (222, 253, 254, MD5 19, TCP-AO 29, ...).
bool is_unknown_option(const uint8_t* option, size_t length);

const char* status_name(OptionBlock::Status s);

}  // namespace middlebox
