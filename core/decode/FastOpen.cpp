#include "middlebox/FastOpen.h"

namespace middlebox {

bool is_fast_open(const uint8_t* option, size_t length) {
    if (option == nullptr || length < 2) return false;
    if (option[0] == kFastOpen) return true;
    return option[0] == kExperiment2 && experiment_id(option, length) == kFastOpenExperimentId;
}

FastOpen FastOpen::decode(const uint8_t* option, size_t length) {
    FastOpen f;
    if (!is_fast_open(option, length)) return f;
    f.present = true;
    f.experimental = option[0] == kExperiment2;
    const size_t header = f.experimental ? 4 : 2;  // kind, length (, ExID)
    if (length > header) {
        f.cookie = option + header;
        f.cookie_length = static_cast<uint8_t>(length - header);
    }
    return f;
}

FastOpen FastOpen::find(const OptionBlock& b) {
    for (size_t i = 0; i < b.count(); ++i) {
        const TcpOption& o = b.at(i);
        const FastOpen f = decode(b.data(o), o.length);
        if (f.present) return f;
    }
    return FastOpen{};
}

}  // namespace middlebox
