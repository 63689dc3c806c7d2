#include "middlebox/OptionDiff.h"

#include <algorithm>

#include "decode/ByteOrder.h"
#include "middlebox/Describe.h"
#include "middlebox/FastOpen.h"
#include "middlebox/Mptcp.h"

namespace middlebox {

using detail::be32;

std::string describe_option(const OptionBlock& b, const TcpOption& o) {
    const uint8_t* p = b.data(o);
    std::string name = option_name(o.kind, p, o.length);
    switch (o.kind) {
        case kMss:
            if (o.length == 4) return name + " " + std::to_string((p[2] << 8) | p[3]);
            break;
        case kWindowScale:
            if (o.length == 3) return name + " " + std::to_string(p[2]);
            break;
        case kSackPermitted: return name;
        case kTimestamp:
            if (o.length == 10) return name + " " + std::to_string(be32(p + 2)) + "/" + std::to_string(be32(p + 6));
            break;
        case kMptcp: {
            const MpCapable m = MpCapable::decode(p, o.length);
            if (m.present)
                return name + " v" + std::to_string(m.version) + (m.has_key ? " key " + key_text(m.key) : " no key");
            break;
        }
        case kFastOpen:
        case kExperiment2: {
            const FastOpen f = FastOpen::decode(p, o.length);
            if (f.present) return name + (f.request() ? " request" : " cookie " + hex_text(f.cookie, f.cookie_length));
            break;
        }
        default: break;
    }
    return o.length > 2 ? name + " " + hex_text(p + 2, o.length - 2u) : name;
}

std::vector<std::string> option_diff_items(const OptionBlock* syn, const OptionBlock& synack) {
    std::vector<std::string> out;
    for (size_t i = 0; i < synack.count(); ++i) {
        const TcpOption& o = synack.at(i);
        if (syn == nullptr) {
            out.push_back(describe_option(synack, o));
            continue;
        }
        if (synack.has_identical(*syn, o)) {
            out.push_back("=" + describe_option(synack, o));
        } else if (const TcpOption* before = syn->counterpart(synack, o)) {
            std::string was = describe_option(*syn, *before);
            std::string now = describe_option(synack, o);
            // "~MSS 1460->1380": keep the name once.
            const std::string name = option_name(o.kind, synack.data(o), o.length);
            if (was.compare(0, name.size(), name) == 0 && now.compare(0, name.size(), name) == 0)
                out.push_back("~" + name + was.substr(name.size()) + " ->" + now.substr(name.size()));
            else
                out.push_back("~" + was + " -> " + now);
        } else {
            out.push_back("+" + describe_option(synack, o));
        }
    }
    if (syn != nullptr)
        for (size_t i = 0; i < syn->count(); ++i) {
            const TcpOption& o = syn->at(i);
            if (synack.counterpart(*syn, o) == nullptr)
                out.push_back("-" + option_name(o.kind, syn->data(o), o.length));
        }
    return out;
}

std::vector<std::string> changed_items(const OptionBlock& before, const OptionBlock& after) {
    std::vector<std::string> items = option_diff_items(&before, after);
    items.erase(std::remove_if(items.begin(), items.end(), [](const std::string& i) { return i[0] == '='; }),
                items.end());
    return items;
}

std::string changes_text(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items) out += (out.empty() ? "" : " ") + item;
    return out.empty() ? "=" : out;
}

std::string option_diff(const OptionBlock* syn, const OptionBlock& synack) {
    if (!synack.ok()) return std::string("(SYN+ACK options ") + status_name(synack.status()) + ")";
    if (syn != nullptr && !syn->ok()) return std::string("(SYN options ") + status_name(syn->status()) + ")";
    std::string out;
    for (const std::string& item : option_diff_items(syn, synack)) {
        if (!out.empty()) out += ' ';
        out += item;
    }
    if (syn == nullptr) out = "(no SYN) " + out;
    return out.empty() ? "(no options)" : out;
}

std::string StoredOptions::diff(const StoredOptions* before) const {
    if (before == nullptr) return option_diff(nullptr, block());
    const OptionBlock b = before->block();
    return option_diff(&b, block());
}

}  // namespace middlebox
