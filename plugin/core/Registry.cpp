#include "middlebox/Registry.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace middlebox {

namespace {

// What one handshake adds to the counts, from the correlator's records as
// they stand. Shared by the registry's summaries and the running tally so
// that both count the same way.
struct Facts {
    bool synack = false;        // answered by a SYN+ACK
    bool mpc = false;           // that SYN+ACK carried MP_CAPABLE
    bool mpc_genuine = false;   // ... with the server's own key (verdict mptcp-genuine)
    bool mpc_echo = false;      // ... copied from the SYN (verdict mptcp-echo)
    bool unknown = false;       // that SYN+ACK carried a kind no genuine server copies
    bool unknown_echo = false;  // ... copied byte for byte from the SYN
    bool evidence = false;      // the SYN+ACK copied something that proves an echo
};

// The pair's evidence comes from the handshake's copy of it (EvidenceBits):
// no pair is read.
Facts facts_of(const Handshake& hs) {
    Facts f;
    f.synack = hs.answer_role == Role::SynAck;
    if (!f.synack || hs.pair == kNone) return f;
    const uint8_t ev = hs.evidence;
    // Crossed SYNs: each SYN+ACK repeats its own side's options; never an echo.
    const bool comparable = hs.verdict != Verdict::SimultaneousOpen;
    f.mpc = (ev & kSynAckMpc) != 0;
    f.mpc_genuine = f.mpc && hs.verdict == Verdict::MptcpGenuine;
    f.mpc_echo = f.mpc && hs.verdict == Verdict::MptcpEcho && (ev & kSynAckMpcEcho);
    f.unknown = (ev & kSynAckUnknown) != 0;
    f.unknown_echo = f.unknown && (ev & kSynAckUnknownEcho) && comparable;
    f.evidence = comparable && (ev & kSynAckAnyEcho);
    return f;
}

std::string endpoint_key(const Address& a, uint16_t port) {
    std::string k(19, '\0');
    k[0] = static_cast<char>(a.family);
    std::memcpy(&k[1], a.bytes, 16);
    k[17] = static_cast<char>(port >> 8);
    k[18] = static_cast<char>(port & 0xff);
    return k;
}

// The server of a handshake as one of its frames shows it: the SYN's
// destination, the answer's source.
void server_of(Role role, const FlowTuple& tuple, Address* address, uint16_t* port) {
    const bool syn_direction = role == Role::Syn;
    *address = syn_direction ? tuple.dst : tuple.src;
    *port = syn_direction ? tuple.dst_port : tuple.src_port;
}

}  // namespace

bool event_matches(const Correlator& c, uint32_t handshake, Role role, const FlowTuple& tuple, int tcp_flags) {
    if (handshake >= c.handshake_count()) return false;
    if (tcp_flags >= 0) {
        Segment s;
        s.flags = static_cast<uint16_t>(tcp_flags);
        const bool fits = role == Role::Syn ? s.is_syn() : role == Role::SynAck ? s.is_synack() : s.is_rst();
        if (!fits) return false;
    }
    const Handshake& hs = c.handshake(handshake);
    if (hs.pair == kNone || hs.pair >= c.pair_count()) return true;
    const FlowTuple& answer = c.pair(hs.pair).server_to_client;
    const FlowTuple expected = role == Role::Syn ? answer.reversed() : answer;
    return tuple.src == expected.src && tuple.dst == expected.dst && tuple.src_port == expected.src_port &&
           tuple.dst_port == expected.dst_port;
}

void Registry::add(uint32_t handshake, Role role, const FlowTuple& tuple, uint32_t frame) {
    if (any_frame_ && frame <= last_frame_) {
        if (frame == last_frame_) return;  // the same frame handed over twice
        frames_sorted_ = false;
    }
    any_frame_ = true;
    last_frame_ = frame;
    if (pending_.capacity() == 0) pending_.reserve(kBatch);
    Event& ev = pending_.emplace_back();
    server_of(role, tuple, &ev.address, &ev.port);
    ev.handshake = handshake;
    ev.frame = frame;
    if (pending_.size() >= kBatch) settle();
}

void Registry::settle() const {
    for (const Event& ev : pending_) {
        frames_seen_.push_back(ev.frame);
        // resize() grows the capacity geometrically but writes (pages in)
        // only the entries it adds: a few KiB past this handshake, so that a
        // scan's new handshake, one per SYN, does not call it each time.
        if (ev.handshake >= by_handshake_.size())
            by_handshake_.resize(
                std::max<size_t>(ev.handshake + 1, std::min(by_handshake_.capacity(), size_t{ev.handshake} + 256)));
        Entry& slot = by_handshake_[ev.handshake];
        if (slot.present) {
            if (slot.address != ev.address || slot.port != ev.port) ++inconsistent_;
            continue;
        }
        slot.address = ev.address;
        slot.port = ev.port;
        slot.present = true;
        order_.push_back(ev.handshake);
    }
    pending_.clear();
}

void Registry::clear() {
    pending_.clear();
    any_frame_ = false;
    last_frame_ = 0;
    by_handshake_.clear();
    order_.clear();
    frames_seen_.clear();
    frames_sorted_ = true;
    inconsistent_ = 0;
}

const std::vector<uint32_t>& Registry::frames_seen() const {
    settle();
    if (!frames_sorted_) {
        std::sort(frames_seen_.begin(), frames_seen_.end());
        frames_seen_.erase(std::unique(frames_seen_.begin(), frames_seen_.end()), frames_seen_.end());
        frames_sorted_ = true;
    }
    return frames_seen_;
}

bool Registry::saw_frame(uint32_t frame) const {
    const std::vector<uint32_t>& f = frames_seen();
    return std::binary_search(f.begin(), f.end(), frame);
}

namespace {

// A server endpoint as three integers whose bytes, most significant first,
// are (family, address bytes, port): sorted byte by byte (sort_items), a
// scan's million servers need no string or tree node per server. The
// endpoint reads back from it; `position` is the handshake's first-seen rank.
struct SortKey {
    uint64_t hi = 0, lo = 0;
    uint32_t tail = 0;  // last address byte, port
    uint32_t position = 0;

    SortKey(const Address& a, uint16_t port, uint32_t pos) : position(pos) {
        uint8_t b[19];
        b[0] = a.family;
        std::memcpy(b + 1, a.bytes, 16);
        b[17] = static_cast<uint8_t>(port >> 8);
        b[18] = static_cast<uint8_t>(port & 0xff);
        for (int i = 0; i < 8; ++i) hi = (hi << 8) | b[i];
        for (int i = 8; i < 16; ++i) lo = (lo << 8) | b[i];
        tail = (uint32_t{b[16]} << 16) | (uint32_t{b[17]} << 8) | b[18];
    }
    Address address() const {
        Address a;
        a.family = static_cast<uint8_t>(hi >> 56);
        for (int i = 0; i < 7; ++i) a.bytes[i] = static_cast<uint8_t>(hi >> (48 - 8 * i));
        for (int i = 0; i < 8; ++i) a.bytes[7 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
        a.bytes[15] = static_cast<uint8_t>(tail >> 16);
        return a;
    }
    uint16_t port() const { return static_cast<uint16_t>(tail & 0xffff); }
    bool same_server(const SortKey& o) const { return hi == o.hi && lo == o.lo && tail == o.tail; }
};

enum ItemBits : uint8_t {
    kItemSynAck = 0x01,        // answered by a SYN+ACK
    kItemEvidence = 0x02,      // that SYN+ACK proves an echo (Facts::evidence)
    kItemHopMismatch = 0x04,   // Handshake::hop_mismatch()
    kItemSynProxy = 0x08,      // Handshake::syn_proxy()
};

// What a server's row needs of one handshake, gathered in first-seen order
// (for a scan, the order the correlator stored them in) and sorted with the
// key: the walk in server order then reads the items in sequence instead of
// the correlator's records at random. Only rows with evidence go back to
// the records, for the echoed kinds and keys.
struct Item {
    SortKey key;
    uint32_t answer_frame = 0;
    uint8_t verdict = 0;
    uint8_t hops = 0;
    uint8_t bits = 0;

    Item(const SortKey& k, const Handshake& hs) : key(k) {
        verdict = static_cast<uint8_t>(hs.verdict);
        const Facts f = facts_of(hs);
        if (!f.synack) return;
        bits = static_cast<uint8_t>(kItemSynAck | (f.evidence ? kItemEvidence : 0) |
                                    (hs.hop_mismatch() ? kItemHopMismatch : 0) | (hs.syn_proxy() ? kItemSynProxy : 0));
        answer_frame = hs.answer_frame;
        hops = estimated_hops(hs.answer_ttl);
    }
};
static_assert(sizeof(Item) == 32, "two items per cache line");

// Sorts items by key, keeping equal endpoints in position order: a stable
// LSD radix sort over the key's bytes, least significant first, skipping
// the bytes every key shares. A scan of IPv4 servers on one port varies in
// four bytes: four linear passes instead of a comparison sort's log2(n).
void sort_items(std::vector<Item>& items) {
    if (items.size() < 2) return;
    uint64_t hi_diff = 0, lo_diff = 0;
    uint32_t tail_diff = 0;
    for (const Item& it : items) {
        hi_diff |= it.key.hi ^ items[0].key.hi;
        lo_diff |= it.key.lo ^ items[0].key.lo;
        tail_diff |= it.key.tail ^ items[0].key.tail;
    }
    // (word, shift) of each byte, least significant first: tail's 3 bytes,
    // then lo's 8, then hi's 8.
    struct Digit {
        int word;  // 0 tail, 1 lo, 2 hi
        unsigned shift;
    };
    Digit digits[19];
    size_t n_digits = 0;
    for (unsigned b = 0; b < 3; ++b)
        if ((tail_diff >> (8 * b)) & 0xff) digits[n_digits++] = Digit{0, 8 * b};
    for (unsigned b = 0; b < 8; ++b)
        if ((lo_diff >> (8 * b)) & 0xff) digits[n_digits++] = Digit{1, 8 * b};
    for (unsigned b = 0; b < 8; ++b)
        if ((hi_diff >> (8 * b)) & 0xff) digits[n_digits++] = Digit{2, 8 * b};
    if (n_digits == 0) return;  // one endpoint: already in position order

    std::vector<Item> other(items.size(), items[0]);
    std::vector<Item>* from = &items;
    std::vector<Item>* to = &other;
    for (size_t d = 0; d < n_digits; ++d) {
        const Digit dg = digits[d];
        auto byte_of = [dg](const Item& it) -> size_t {
            const uint64_t w = dg.word == 0 ? it.key.tail : dg.word == 1 ? it.key.lo : it.key.hi;
            return static_cast<size_t>((w >> dg.shift) & 0xff);
        };
        size_t start[256] = {};
        for (const Item& it : *from) ++start[byte_of(it)];
        size_t sum = 0;
        for (size_t& c : start) {
            const size_t count = c;
            c = sum;
            sum += count;
        }
        for (const Item& it : *from) (*to)[start[byte_of(it)]++] = it;
        std::swap(from, to);
    }
    if (from != &items) items.swap(other);
}

}  // namespace

std::vector<ServerSummary> Registry::summarize(const Correlator& c, bool with_handshakes) const {
    std::vector<ServerSummary> out;
    visit(c, [&out](const ServerSummary& row) { out.push_back(row); }, with_handshakes);
    return out;
}

void Registry::visit(const Correlator& c, const std::function<void(const ServerSummary&)>& fn,
                     bool with_handshakes) const {
    settle();
    std::vector<Item> items;
    items.reserve(order_.size());
    for (uint32_t pos = 0; pos < order_.size(); ++pos) {
        const uint32_t index = order_[pos];
        if (index >= c.handshake_count()) continue;  // a registry from another file
        const Entry& e = by_handshake_[index];
        items.emplace_back(SortKey(e.address, e.port, pos), c.handshake(index));
    }
    sort_items(items);  // items are in position order: equal endpoints stay so

    ServerSummary row;
    auto emit = [&] {
        if (row.synacks == 0) row.min_hops = 0;
        std::sort(row.echoed_keys.begin(), row.echoed_keys.end());
        fn(row);
    };
    for (size_t k = 0; k < items.size(); ++k) {
        const Item& it = items[k];
        if (k == 0 || !it.key.same_server(items[k - 1].key)) {
            if (k > 0) emit();
            row = ServerSummary{};
            row.address = it.key.address();
            row.port = it.key.port();
        }
        if (with_handshakes) row.handshake_indices.push_back(order_[it.key.position]);

        ++row.handshakes;
        ++row.verdicts[it.verdict];
        if (!(it.bits & kItemSynAck)) continue;
        ++row.synacks;
        if (row.first_synack_frame == 0 || it.answer_frame < row.first_synack_frame)
            row.first_synack_frame = it.answer_frame;
        row.min_hops = std::min(row.min_hops, it.hops);
        row.max_hops = std::max(row.max_hops, it.hops);
        if (it.bits & kItemHopMismatch) ++row.hop_mismatches;
        if (it.bits & kItemSynProxy) ++row.syn_proxies;
        if (!(it.bits & kItemEvidence)) continue;
        if (row.first_evidence_frame == 0 || it.answer_frame < row.first_evidence_frame)
            row.first_evidence_frame = it.answer_frame;
        const EchoEvidence& ev = c.pair(c.handshake(order_[it.key.position]).pair).evidence;
        for (uint8_t i = 0; i < ev.echoed_count; ++i) row.echoed_kinds.set(ev.echoed_kinds[i]);
        if (ev.mpc_echo) {
            if (ev.synack_mpc.has_key) {
                if (std::find(row.echoed_keys.begin(), row.echoed_keys.end(), ev.synack_mpc.key) ==
                    row.echoed_keys.end())
                    row.echoed_keys.push_back(ev.synack_mpc.key);
            } else {
                row.echoed_keyless = true;
            }
        }
    }
    if (!items.empty()) emit();
}

Totals Registry::totals(const Correlator& c, const std::vector<ServerSummary>& rows, const Registry& seen) {
    Totals t;
    for (const ServerSummary& r : rows) add_row(&t, r);
    finish_totals(&t, c, seen);
    return t;
}

void Registry::add_row(Totals* t, const ServerSummary& r) {
    ++t->servers;
    if (r.suspect()) ++t->suspect_servers;
    t->handshakes += r.handshakes;
    t->synacks += r.synacks;
    t->syn_proxies += r.syn_proxies;
    for (int v = 0; v < kVerdictCount; ++v) t->verdicts[v] += r.verdicts[v];
}

void Registry::finish_totals(Totals* out, const Correlator& c, const Registry& seen) {
    Totals& t = *out;
    t.evictions = c.evictions();
    t.out_of_order_frames = c.out_of_order();
    t.read_filtered_frames = c.filtered_out();
    t.inconsistent_events = seen.inconsistent_events();
    // The handshakes in the rows are those the listener saw a frame of; their
    // option facts are read in index order, i.e. in memory order.
    std::vector<bool> counted(c.handshake_count(), false);
    for (uint32_t index : seen.handshakes())
        if (index < counted.size()) counted[index] = true;
    for (uint32_t index = 0; index < counted.size(); ++index) {
        if (!counted[index]) continue;
        const Facts f = facts_of(c.handshake(index));
        if (f.mpc) {
            ++t.synacks_with_mp_capable;
            if (f.mpc_genuine) ++t.mp_capable_genuine;
            if (f.mpc_echo) ++t.mp_capable_echoed;
        }
        if (f.unknown) {
            ++t.synacks_with_unknown_option;
            if (f.unknown_echo) ++t.unknown_option_echoed;
        }
    }
    // Every frame the analysis gave a record (SYN, SYN+ACK, RST and their
    // copies) of a counted handshake that never reached the listener.
    // Both lists are sorted by frame: one merge walk.
    const std::vector<uint32_t>& frames = seen.frames_seen();
    auto next = frames.begin();
    for (const FrameRecord& r : c.records()) {
        while (next != frames.end() && *next < r.frame) ++next;
        const bool saw = next != frames.end() && *next == r.frame;
        if (r.handshake < counted.size() && counted[r.handshake] && !saw) ++t.hidden_frames;
    }
    for (bool b : counted)
        if (!b) ++t.hidden_handshakes;
}

// ---- RunningTally -------------------------------------------------------

namespace {
enum ContributionFlags : uint8_t {
    kCSynAck = 0x01,
    kCMpc = 0x02,
    kCMpcGenuine = 0x04,
    kCMpcEcho = 0x08,
    kCUnknown = 0x10,
    kCUnknownEcho = 0x20,
};
// How far back a crossing SYN looks for the handshake it turned into a
// simultaneous open (bounded so that a hostile capture stays linear).
constexpr size_t kCrossingLookBack = 65536;
}  // namespace

RunningTally::Contribution RunningTally::contribution_of(const Correlator& c, uint32_t handshake) {
    const Handshake& hs = c.handshake(handshake);
    const Facts f = facts_of(hs);
    Contribution k;
    k.verdict = static_cast<uint8_t>(hs.verdict);
    k.flags = static_cast<uint8_t>((f.synack ? kCSynAck : 0) | (f.mpc ? kCMpc : 0) | (f.mpc_genuine ? kCMpcGenuine : 0) |
                                   (f.mpc_echo ? kCMpcEcho : 0) | (f.unknown ? kCUnknown : 0) |
                                   (f.unknown_echo ? kCUnknownEcho : 0));
    return k;
}

void RunningTally::apply(const Contribution& k, int sign) {
    auto bump = [sign](uint32_t& v) { v = static_cast<uint32_t>(static_cast<int64_t>(v) + sign); };
    bump(counts_.handshakes);
    bump(counts_.verdicts[k.verdict]);
    if (k.flags & kCSynAck) bump(counts_.synacks);
    if (k.flags & kCMpc) bump(counts_.synacks_with_mp_capable);
    if (k.flags & kCMpcGenuine) bump(counts_.mp_capable_genuine);
    if (k.flags & kCMpcEcho) bump(counts_.mp_capable_echoed);
    if (k.flags & kCUnknown) bump(counts_.synacks_with_unknown_option);
    if (k.flags & kCUnknownEcho) bump(counts_.unknown_option_echoed);
    if (is_echo(static_cast<Verdict>(k.verdict))) {
        Server& s = servers_[k.server];
        if (sign > 0 && s.echoes++ == 0) ++counts_.suspect_servers;
        if (sign < 0 && --s.echoes == 0) --counts_.suspect_servers;
    }
}

bool RunningTally::refresh(const Correlator& c, uint32_t handshake) {
    Contribution& old = by_handshake_[handshake];
    Contribution now = contribution_of(c, handshake);
    now.server = old.server;
    if (now.verdict == old.verdict && now.flags == old.flags) return false;
    apply(old, -1);
    apply(now, +1);
    old = now;
    if (now.verdict == static_cast<uint8_t>(Verdict::NoAnswer)) unanswered_.push_back(handshake);
    return true;
}

bool RunningTally::add(const Correlator& c, uint32_t handshake, Role role, const FlowTuple& tuple) {
    if (source_ != &c) {
        clear();
        source_ = &c;
    }
    if (handshake >= c.handshake_count()) return false;
    if (handshake >= by_handshake_.size()) by_handshake_.resize(handshake + 1);
    Contribution& slot = by_handshake_[handshake];
    if (slot.verdict != 0) return refresh(c, handshake);

    Address address;
    uint16_t port;
    server_of(role, tuple, &address, &port);
    auto ins = server_index_.emplace(endpoint_key(address, port), static_cast<uint32_t>(servers_.size()));
    if (ins.second) {
        servers_.push_back(Server{});
        ++counts_.servers;
    }
    Contribution now = contribution_of(c, handshake);
    now.server = ins.first->second;
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
