// Flag sets are scoped enums named for their owner (HandshakeFact,
// PendingState, ...) kept in the plain byte of the record they describe:
// bits() is a flag's value in that byte.
#pragma once

#include <type_traits>

namespace middlebox {

template <typename E>
constexpr std::underlying_type_t<E> bits(E e) {
    static_assert(std::is_enum_v<E>, "a flag enum");
    return static_cast<std::underlying_type_t<E>>(e);
}

}  // namespace middlebox
