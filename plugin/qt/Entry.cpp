// The dialog library's entry point: middlebox_qt_open(), called by the
// plugin (Menu.cpp) when the menu entry fires. Adapts the plugin's C
// interface to the dialog's Host and finds what it needs of the Wireshark
// main window through Qt's meta-objects, since the plugin API has no retap.
#include <QApplication>
#include <QMainWindow>
#include <QMetaMethod>
#include <QMetaObject>
#include <QPointer>
#include <QWidget>

#include <cstdio>

#include "HostApi.h"
#include "Snapshot.h"
#include "SuspectDialog.h"

namespace middlebox_qt {
namespace {

QPointer<SuspectDialog> g_dialog;

QMainWindow* mainWindow() {
    // The gui_object the menu callback gets is not the main window: look
    // for it among the top-level widgets (Wireshark 4.0: WiresharkMainWindow).
    QMainWindow* any = nullptr;
    for (QWidget* w : QApplication::topLevelWidgets()) {
        auto* mw = qobject_cast<QMainWindow*>(w);
        if (mw == nullptr) continue;
        if (QByteArray(mw->metaObject()->className()).contains("MainWindow") && mw->isVisible()) return mw;
        if (any == nullptr) any = mw;
    }
    return any;
}

class CHost : public Host {
public:
    explicit CHost(const middlebox_host_api* api) : api_(api) {}
    ~CHost() override = default;

    bool snapshot(Snapshot* out, bool all_servers) override {
        struct Ctx {
            Snapshot* out;
            bool all_servers;
        } ctx{out, all_servers};
        return api_->with_state(
                   [](void* p, const void* correlator, const void* registry) {
                       auto* x = static_cast<Ctx*>(p);
                       *x->out = build_snapshot(*static_cast<const middlebox::Correlator*>(correlator),
                                                *static_cast<const middlebox::Registry*>(registry), x->all_servers);
                   },
                   &ctx) != 0;
    }

    bool pairs(const ServerRow& server, std::vector<HandshakeRow>* out) override {
        struct Ctx {
            const ServerRow* server;
            std::vector<HandshakeRow>* out;
        } ctx{&server, out};
        return api_->with_state(
                   [](void* p, const void* correlator, const void*) {
                       auto* x = static_cast<Ctx*>(p);
                       *x->out =
                           build_handshake_rows(*static_cast<const middlebox::Correlator*>(correlator), *x->server);
                   },
                   &ctx) != 0;
    }

    bool targetDiff(const ServerRow& server, std::string* out) override {
        struct Ctx {
            const ServerRow* server;
            std::string* out;
        } ctx{&server, out};
        return api_->with_state(
                   [](void* p, const void* correlator, const void*) {
                       auto* x = static_cast<Ctx*>(p);
                       *x->out = target_diff(*static_cast<const middlebox::Correlator*>(correlator), *x->server);
                   },
                   &ctx) != 0;
    }

    bool path(const ServerRow& server, std::vector<middlebox::PathSweep>* out) override {
        struct Ctx {
            const ServerRow* server;
            std::vector<middlebox::PathSweep>* out;
        } ctx{&server, out};
        return api_->with_state(
                   [](void* p, const void* correlator, const void* registry) {
                       auto* x = static_cast<Ctx*>(p);
                       x->out->clear();
                       for (middlebox::PathSweep& s :
                            middlebox::path_sweeps(*static_cast<const middlebox::Correlator*>(correlator),
                                                   *static_cast<const middlebox::Registry*>(registry)))
                           if (s.server == x->server->server) x->out->push_back(std::move(s));
                   },
                   &ctx) != 0;
    }

    uint64_t generation() override { return api_->generation(); }

    FileInfo fileInfo() override {
        middlebox_file_info fi{};
        api_->file_info(&fi);
        FileInfo out;
        switch (fi.state) {
            case MIDDLEBOX_FILE_READING: out.state = FileInfo::Reading; break;
            case MIDDLEBOX_FILE_ABORTED: out.state = FileInfo::Aborted; break;
            case MIDDLEBOX_FILE_DONE: out.state = FileInfo::Done; break;
            default: out.state = FileInfo::None; break;
        }
        out.frames = fi.frames;
        out.displayed = fi.displayed;
        out.current_frame = fi.current_frame;
        fi.name[sizeof fi.name - 1] = '\0';
        out.path = QString::fromLocal8Bit(fi.name);
        return out;
    }

    void gotoFrame(uint32_t frame) override { api_->goto_frame(frame); }

    void setDisplayFilter(const QString& filter, bool apply) override {
        api_->set_display_filter(filter.toUtf8().constData(), apply ? 1 : 0);
    }

    bool listen(std::function<void()> changed, QString* error) override {
        changed_ = std::move(changed);
        const char* err = api_->listen([](void* self) { static_cast<CHost*>(self)->changed_(); }, this);
        if (err != nullptr) {
            if (error) *error = QString::fromUtf8(err);
            return false;
        }
        return true;
    }

    void unlisten() override { api_->unlisten(); }

    bool retap() override {
        // Wireshark 4.0 keeps its CaptureFile object (whose retapPackets()
        // slot its statistics dialogs use) out of reach. Re-applying the
        // current display filter with force=true runs every tap over the
        // file again (cf_filter_packets -> rescan_packets resets the tap
        // listeners, then dissects each frame with taps) without
        // redissecting. Failing that, redissect.
        QMainWindow* mw = mainWindow();
        if (mw == nullptr) return false;
        const QMetaObject* mo = mw->metaObject();
        if (mo->indexOfSlot("filterPackets(QString,bool)") >= 0) {
            middlebox_file_info fi{};
            api_->file_info(&fi);
            fi.display_filter[sizeof fi.display_filter - 1] = '\0';
            return QMetaObject::invokeMethod(mw, "filterPackets", Qt::QueuedConnection,
                                             Q_ARG(QString, QString::fromUtf8(fi.display_filter)), Q_ARG(bool, true));
        }
        if (mo->indexOfSlot("redissectPackets()") >= 0)
            return QMetaObject::invokeMethod(mw, "redissectPackets", Qt::QueuedConnection);
        return false;
    }

    QString pluginVersion() const override { return QString::fromUtf8(api_->plugin_version); }

private:
    const middlebox_host_api* api_;
    std::function<void()> changed_;
};

}  // namespace
}  // namespace middlebox_qt

extern "C" __attribute__((visibility("default"))) int middlebox_qt_open(const middlebox_host_api* api, char* error,
                                                                        size_t n) {
    using namespace middlebox_qt;
    auto fail = [error, n](const char* msg) {
        if (error != nullptr && n > 0) std::snprintf(error, n, "%s", msg);
        return 1;
    };
    if (api == nullptr || api->version != MIDDLEBOX_HOST_API_VERSION)
        return fail("the dialog library and the middlebox plugin come from different versions; reinstall both");
    if (!middlebox_layout_matches(api->layout, middlebox_expected_layout()))
        return fail("the dialog library and the middlebox plugin come from different builds; reinstall both");
    if (qApp == nullptr || qobject_cast<QApplication*>(qApp) == nullptr)
        return fail("no Qt Widgets application is running");

    if (g_dialog) {
        g_dialog->showNormal();
        g_dialog->raise();
        g_dialog->activateWindow();
        return 0;
    }
    auto* dialog = new SuspectDialog(new CHost(api), mainWindow());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowFlags(Qt::Window | Qt::WindowMinMaxButtonsHint | Qt::WindowCloseButtonHint);
    g_dialog = dialog;
    dialog->show();
    // Listening starts now. A file read completely is handed over from the
    // analysis at once; otherwise the taps must run over the file again for
    // the packets read before, as Wireshark's own statistics dialogs do.
    if (api->file_info) {
        middlebox_file_info fi{};
        api->file_info(&fi);
        if (fi.state != MIDDLEBOX_FILE_NONE && !api->seed()) dialog->retap();
    }
    return 0;
}
