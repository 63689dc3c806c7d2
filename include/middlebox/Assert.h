// MIDDLEBOX_ASSERT: the contracts the comments state (which accessors a
// streaming correlator still answers, an index in range), checked in Debug,
// sanitizer and fuzz builds (MIDDLEBOX_CHECKS, set by CMakeLists.txt) and
// compiled out in Release and RelWithDebInfo, so that the plugin's cost per
// packet does not change. A failed check names itself and aborts.
#pragma once

#if MIDDLEBOX_CHECKS
#include <cstdio>
#include <cstdlib>
#define MIDDLEBOX_ASSERT(cond)                                                               \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            std::fprintf(stderr, "%s:%d: contract broken: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                    \
        }                                                                                    \
    } while (0)
#else
#define MIDDLEBOX_ASSERT(cond) ((void)0)
#endif
