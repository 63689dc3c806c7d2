// Statistics › Middlebox Detection › Suspected Middleboxes…
//
// The plugin itself never links Qt (tshark loads every plugin). The menu
// entry dlopen()s the dialog library from a subfolder of the plugin's
// folder the first time it fires, and hands it the C interface of
// plugin/host/HostApi.h: a tap listener on the "middlebox" tap feeding a
// Registry, the plugin's Correlator, and Wireshark's plugin_if calls.
#include "Menu.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <cfile.h>
#include <epan/packet.h>
#include <epan/plugin_if.h>
#include <epan/tap.h>
#include <wsutil/report_message.h>

#include "Analysis.h"
#include "Fields.h"
#include "HostApi.h"
#include "TapEvent.h"
#include "middlebox/Registry.h"

namespace middlebox_ws {

namespace {

// The dialog's listener. One at a time: there is one dialog.
struct Listener {
    middlebox::Registry registry;
    uint32_t last_frame = 0;
    uint64_t generation = 1;
    bool registered = false;
    void (*changed)(void*) = nullptr;
    void* ctx = nullptr;
    std::string error;
};

Listener listener;

void clear_listener_state() {
    listener.registry.clear();
    listener.last_frame = 0;
    ++listener.generation;
}

void notify() {
    if (listener.registered && listener.changed != nullptr) listener.changed(listener.ctx);
}

// A new file, a reload, a redissection: the correlator starts over, and the
// registry's handshake numbers would point into the old one.
void file_init() {
    clear_listener_state();
    notify();
}
void file_cleanup() {
    clear_listener_state();
    notify();
}

void tap_reset(void*) { clear_listener_state(); }

tap_packet_status tap_packet(void*, packet_info* pinfo, epan_dissect_t*, const void* data, tap_flags_t) {
    const auto* ev = static_cast<const TapEvent*>(data);
    // Only events of the file's current analysis: the registry's handshake
    // numbers index into it.
    if (ev == nullptr || ev->correlator != correlator()) return TAP_PACKET_DONT_REDRAW;
    // Taps deliver frames in order; an earlier frame means a new pass that
    // did not reset the listeners first.
    if (pinfo->num < listener.last_frame) clear_listener_state();
    listener.last_frame = pinfo->num;
    listener.registry.add(ev->handshake, pinfo->num);
    ++listener.generation;
    return TAP_PACKET_REDRAW;
}

void tap_draw(void*) { notify(); }

// --- the C interface -------------------------------------------------------

const char* api_listen(void (*changed)(void*), void* ctx) {
    listener.changed = changed;
    listener.ctx = ctx;
    if (listener.registered) return nullptr;
    // No protocol tree needed: the post-dissector reads the frame's bytes.
    GString* err = register_tap_listener(kTapName, &listener, nullptr, TL_REQUIRES_NOTHING, tap_reset, tap_packet,
                                         tap_draw, nullptr);
    if (err != nullptr) {
        listener.error = err->str;
        g_string_free(err, TRUE);
        listener.changed = nullptr;
        return listener.error.c_str();
    }
    listener.registered = true;
    clear_listener_state();
    return nullptr;
}

void api_unlisten() {
    if (!listener.registered) return;
    listener.registered = false;
    listener.changed = nullptr;
    listener.ctx = nullptr;
    remove_tap_listener(&listener);
    clear_listener_state();
}

uint64_t api_generation() { return listener.generation; }

// The listener has no filter: what a retap would hand it is every record
// of the analysis, in frame order. Reading them takes well under a second
// for a million handshakes; a retap dissects the whole file again.
int api_seed() {
    const middlebox::Correlator* c = correlator();
    ws_info_t* info = nullptr;
    plugin_if_get_ws_info(&info);
    if (!listener.registered || c == nullptr || info == nullptr || info->cf_state != FILE_READ_DONE) return 0;
    clear_listener_state();
    for (const middlebox::FrameRecord& r : c->records()) listener.registry.add(r.handshake, r.frame);
    listener.last_frame = c->last_frame();
    notify();
    return 1;
}

int api_with_state(middlebox_state_visitor visit, void* ctx) {
    const middlebox::Correlator* c = correlator();
    if (c == nullptr) return 0;
    visit(ctx, c, &listener.registry);
    return 1;
}

void* read_capture_file(capture_file* cf, void* user_data) {
    auto* out = static_cast<middlebox_file_info*>(user_data);
    if (cf == nullptr) return nullptr;
    out->displayed = cf->displayed_count;
    if (out->frames == 0) out->frames = cf->count;
    if (cf->dfilter != nullptr) std::snprintf(out->display_filter, sizeof out->display_filter, "%s", cf->dfilter);
    return out;
}

void api_file_info(middlebox_file_info* out) {
    std::memset(out, 0, sizeof *out);
    ws_info_t* info = nullptr;
    plugin_if_get_ws_info(&info);
    if (info == nullptr) return;
    switch (info->cf_state) {
        case FILE_READ_IN_PROGRESS: out->state = MIDDLEBOX_FILE_READING; break;
        case FILE_READ_ABORTED: out->state = MIDDLEBOX_FILE_ABORTED; break;
        case FILE_READ_DONE: out->state = MIDDLEBOX_FILE_DONE; break;
        default: out->state = MIDDLEBOX_FILE_NONE; break;
    }
    out->frames = info->cf_count;
    out->current_frame = info->cf_framenr;
    if (info->cf_filename != nullptr) std::snprintf(out->name, sizeof out->name, "%s", info->cf_filename);
    if (out->state != MIDDLEBOX_FILE_NONE) plugin_if_get_capture_file(read_capture_file, out);
}

void api_goto_frame(uint32_t frame) { plugin_if_goto_frame(frame); }

void api_set_display_filter(const char* filter, int apply) { plugin_if_apply_filter(filter, apply ? TRUE : FALSE); }

const middlebox_host_api host_api = {
    MIDDLEBOX_HOST_API_VERSION,
    middlebox_expected_layout(),
    api_listen,
    api_unlisten,
    api_generation,
    api_with_state,
    api_seed,
    api_file_info,
    api_goto_frame,
    api_set_display_filter,
    MIDDLEBOX_VERSION,
};

// --- loading the dialog library --------------------------------------------

// <folder of middlebox.so>/middlebox/middlebox-qt.so, trying the folder of
// the path it was loaded by (a symlink in a personal plugin folder) and of
// its real path.
std::string dialog_library_path(std::string* tried) {
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&register_menu), &info) == 0 || info.dli_fname == nullptr) return {};
    std::string candidates[2];
    candidates[0] = info.dli_fname;
    if (char* real = realpath(info.dli_fname, nullptr)) {
        candidates[1] = real;
        free(real);
    }
    for (const std::string& so : candidates) {
        if (so.empty()) continue;
        const size_t slash = so.rfind('/');
        const std::string dir = slash == std::string::npos ? "." : so.substr(0, slash);
        const std::string path = dir + "/" MIDDLEBOX_QT_SUBDIR "/" MIDDLEBOX_QT_FILE;
        if (!tried->empty()) *tried += ", ";
        *tried += path;
        if (access(path.c_str(), R_OK) == 0) return path;
    }
    return {};
}

middlebox_qt_open_fn load_dialog_library(std::string* error) {
    static middlebox_qt_open_fn open_fn = nullptr;
    if (open_fn != nullptr) return open_fn;
    std::string tried;
    const std::string path = dialog_library_path(&tried);
    if (path.empty()) {
        *error =
            "The dialog library was not found (looked for " + tried + "). Install it with scripts/install-plugin.sh.";
        return nullptr;
    }
    // Never closed: Qt keeps pointers into it (meta-objects, widgets).
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* e = dlerror();
        *error = "Could not load " + path + ": " + (e ? e : "unknown error");
        return nullptr;
    }
    open_fn = reinterpret_cast<middlebox_qt_open_fn>(dlsym(handle, MIDDLEBOX_QT_OPEN_SYMBOL));
    if (open_fn == nullptr) *error = path + " has no " MIDDLEBOX_QT_OPEN_SYMBOL " entry point.";
    return open_fn;
}

void open_dialog(ext_menubar_gui_type gui_type, gpointer, gpointer) {
    if (gui_type != EXT_MENUBAR_QT_GUI) return;
    std::string error;
    middlebox_qt_open_fn open_fn = load_dialog_library(&error);
    char message[512] = "";
    if (open_fn != nullptr && open_fn(&host_api, message, sizeof message) == 0) return;
    if (open_fn != nullptr) error = message;
    report_failure("Suspected Middleboxes: %s", error.c_str());
}

}  // namespace

void register_menu() {
    register_init_routine(file_init);
    register_cleanup_routine(file_cleanup);
    // A submenu of Statistics (the GUI looks the parent up by the name of
    // its QMenu, "menuStatistics"), or a top-level menu if not found. Its
    // label differs from the protocol's name and from the report's
    // "Middlebox Verdicts" entry. Keyboard: Alt+S, M, S (no other Statistics
    // entry uses M as its mnemonic).
    ext_menu_t* menu = ext_menubar_register_menu(fields.proto, "&Middlebox Detection", TRUE);
    ext_menubar_set_parentmenu(menu, "Statistics");
    ext_menubar_add_entry(menu, "&Suspected Middleboxes\xe2\x80\xa6",
                          "Servers whose SYN+ACK echoed the client's TCP options, with the evidence", open_dialog,
                          nullptr);
}

}  // namespace middlebox_ws
