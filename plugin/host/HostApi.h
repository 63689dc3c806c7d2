/*
 * The C interface between the middlebox plugin (middlebox.so, no Qt) and
 * its dialog library (middlebox/middlebox-qt.so, Qt Widgets), which only the
 * Wireshark GUI loads, with dlopen(), when the menu entry fires.
 *
 * The plugin owns everything that touches libwireshark: the tap listener,
 * the registry it feeds, the display filter and the packet list. The dialog
 * library owns the window. It reads the analysis through with_state(),
 * which hands it the plugin's Correlator and Registry for the length of one
 * call: both are built from the same headers in the same build, and
 * the sizes in middlebox_layout below let it refuse a library from another build.
 *
 * Everything runs on the GUI thread.
 */
#ifndef MIDDLEBOX_HOST_API_H
#define MIDDLEBOX_HOST_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bump on any change of the structs or of a function's meaning. */
#define MIDDLEBOX_HOST_API_VERSION 3u

/* The dialog library's entry point, looked up with dlsym(). */
#define MIDDLEBOX_QT_OPEN_SYMBOL "middlebox_qt_open"
/* Its file, in a subfolder of the plugin's folder (a shared library that
 * is not a plugin must not sit in plugins/<x.y>/epan itself). */
#define MIDDLEBOX_QT_SUBDIR "middlebox"
#define MIDDLEBOX_QT_FILE "middlebox-qt.so"

enum middlebox_file_state {
    MIDDLEBOX_FILE_NONE = 0,    /* no capture file */
    MIDDLEBOX_FILE_READING = 1, /* being read, or a live capture */
    MIDDLEBOX_FILE_ABORTED = 2, /* read stopped by the user */
    MIDDLEBOX_FILE_DONE = 3,    /* read completely */
};

struct middlebox_file_info {
    int state;                 /* enum middlebox_file_state */
    uint32_t frames;           /* frames in the file */
    uint32_t displayed;        /* frames passing the display filter; 0 when unknown */
    uint32_t current_frame;    /* selected frame; 0: none */
    char name[512];            /* file path, "" when none */
    char display_filter[1024]; /* the applied display filter, "" when none */
};

/* Sizes of the C++ types shared through with_state(): a mismatch means
 * the plugin and the dialog library come from different builds. */
struct middlebox_layout {
    uint32_t correlator, registry, handshake, pair, summary, totals;
};

/* Called by with_state() with the live analysis of the open file.
 * `correlator` is a const middlebox::Correlator*, `registry` a const
 * middlebox::Registry*; neither outlives the call. */
typedef void (*middlebox_state_visitor)(void* ctx, const void* correlator, const void* registry);

struct middlebox_host_api {
    uint32_t version; /* MIDDLEBOX_HOST_API_VERSION */
    struct middlebox_layout layout;

    /* Registers the dialog's tap listener on the "middlebox" tap (at most
     * one; a second call replaces the callback). `changed` is called from
     * the listener's draw callback and whenever the analysis is reset (a
     * file is closed, reloaded or another one opened). Returns NULL, or an
     * error message that stays valid until the next call. */
    const char* (*listen)(void (*changed)(void* ctx), void* ctx);
    void (*unlisten)(void);

    /* Bumped by every tap event and every reset: cheap change detection. */
    uint64_t (*generation)(void);

    /* Calls visit() when a capture file's analysis exists; returns 0 and
     * does not call it otherwise. */
    int (*with_state)(middlebox_state_visitor visit, void* ctx);

    /* When the open file has been read completely: hands the listener every
     * frame of every handshake of the analysis, as a retap without a filter
     * would, and calls `changed`; returns 1. Returns 0 (and does nothing)
     * while a file is being read, or without a listener or an analysis:
     * then the taps must run over the file again. */
    int (*seed)(void);

    void (*file_info)(struct middlebox_file_info* out);
    void (*goto_frame)(uint32_t frame);
    /* apply != 0: apply the filter; 0: only put it in the filter bar. */
    void (*set_display_filter)(const char* filter, int apply);

    /* Plugin version string, for the dialog's Help text. */
    const char* plugin_version;
};

/* Returns 0 on success, or non-zero with a message in `error` (size n). */
typedef int (*middlebox_qt_open_fn)(const struct middlebox_host_api* host, char* error, size_t n);

#ifdef __cplusplus
}

#include "middlebox/Correlator.h"
#include "middlebox/Registry.h"

inline middlebox_layout middlebox_expected_layout() {
    return middlebox_layout{sizeof(middlebox::Correlator),    sizeof(middlebox::Registry),
                            sizeof(middlebox::Handshake),     sizeof(middlebox::PairedOptions),
                            sizeof(middlebox::ServerSummary), sizeof(middlebox::Totals)};
}

inline bool middlebox_layout_matches(const middlebox_layout& a, const middlebox_layout& b) {
    return a.correlator == b.correlator && a.registry == b.registry && a.handshake == b.handshake && a.pair == b.pair &&
           a.summary == b.summary && a.totals == b.totals;
}
#endif

#endif /* MIDDLEBOX_HOST_API_H */
