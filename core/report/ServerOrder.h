// The order of the report's rows: servers by (family, address bytes,
// port), each server's handshakes in first-seen order. Internal to the core
// (Registry::visit).
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "middlebox/Correlator.h"
#include "middlebox/Registry.h"
#include "middlebox/Segment.h"

namespace middlebox::detail {

// A server endpoint as three integers whose bytes, most significant first,
// are its Endpoint::key() (so they sort in the endpoints' order): sorted
// (sort_items), a scan's million servers need no string or tree node per
// server. The endpoint reads back from it; `position` is the handshake's
// first-seen rank.
struct SortKey {
    uint64_t hi = 0, lo = 0;
    uint32_t tail = 0;  // last address byte, port
    uint32_t position = 0;

    SortKey(const Endpoint& e, uint32_t pos) : position(pos) {
        uint8_t b[Endpoint::kKeyBytes];
        e.key(b);
        for (int i = 0; i < 8; ++i) hi = (hi << 8) | b[i];
        for (int i = 8; i < 16; ++i) lo = (lo << 8) | b[i];
        tail = (uint32_t{b[16]} << 16) | (uint32_t{b[17]} << 8) | b[18];
    }
    Endpoint endpoint() const {
        Endpoint e;
        Address& a = e.address;
        a.family = static_cast<uint8_t>(hi >> 56);
        for (int i = 0; i < 7; ++i) a.bytes[i] = static_cast<uint8_t>(hi >> (48 - 8 * i));
        for (int i = 0; i < 8; ++i) a.bytes[7 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
        a.bytes[15] = static_cast<uint8_t>(tail >> 16);
        e.port = static_cast<uint16_t>(tail & 0xffff);
        return e;
    }
    bool same_server(const SortKey& o) const { return hi == o.hi && lo == o.lo && tail == o.tail; }
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
    uint8_t facts = 0;  // HandshakeFacts
    uint8_t path = 0;   // PathBits

    enum PathBits : uint8_t {
        kHopMismatch = 0x01,  // Handshake::hop_mismatch()
        kSynProxy = 0x02,     // Handshake::syn_proxy()
    };
    Item(const SortKey& k, uint32_t frame, uint8_t v, uint8_t h, uint8_t f, uint8_t p)
        : key(k), answer_frame(frame), verdict(v), hops(h), facts(f), path(p) {}
};
static_assert(sizeof(Item) == 32, "two items per cache line");

// Sorts items by key, keeping equal endpoints in position order.
void sort_items(std::vector<Item>& items);

// What a row needs of handshake `index` (`position`: its first-seen rank).
Item item_of(const Correlator& c, uint32_t index, uint32_t position);
// One handshake's counts, hops and frames folded into its server's row;
// what its SYN+ACK copied goes in with add_evidence().
void add_item(ServerSummary& row, const Item& it);
// What a SYN+ACK answering in frame `answer_frame` copied (the handshake
// has bits(HandshakeFact::Evidence)).
void add_evidence(ServerSummary& row, const EchoEvidence& ev, uint32_t answer_frame);
// The row as written: keys sorted, no hops without a SYN+ACK.
void finish_row(ServerSummary& row);

}  // namespace middlebox::detail
