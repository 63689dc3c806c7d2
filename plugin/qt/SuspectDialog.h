// Statistics › Middlebox Detection › Suspected Middleboxes…: the dialog.
//
// It talks to Wireshark only through a Host (the plugin's C interface in the
// GUI, a fake in the tests): snapshots of the analysis, the tap listener,
// the display filter and the packet list.
#pragma once

#include <QByteArray>
#include <QDialog>
#include <QPointer>
#include <QSet>
#include <QString>

#include <cstdint>
#include <functional>
#include <string>

#include "Snapshot.h"
#include "middlebox/PathReport.h"

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QMenu;
class QPushButton;
class QStackedWidget;
class QTimer;
class QTreeView;

namespace Ui {
class SuspectDialog;  // SuspectDialog.ui
}

namespace middlebox_qt {

class SuspectModel;
class SuspectProxy;

struct FileInfo {
    enum State { None, Reading, Aborted, Done } state = None;
    uint32_t frames = 0;
    uint32_t displayed = 0;
    uint32_t current_frame = 0;
    QString path;
};

class Host {
public:
    virtual ~Host() = default;
    // build_snapshot() of the live analysis: the suspects' rows, or every
    // server's. False when no capture file's analysis exists.
    virtual bool snapshot(Snapshot* out, bool all_servers) = 0;
    // A server's child rows (build_handshake_rows) and its target handshake's diff
    // (target_diff), read from the live analysis when the dialog needs them:
    // a row expanded, a search, a sort by the diff. False without analysis.
    virtual bool pairs(const ServerRow& server, std::vector<HandshakeRow>* out) = 0;
    virtual bool targetDiff(const ServerRow& server, std::string* out) = 0;
    // The path report's sweeps towards one server (middlebox::path_sweeps),
    // for its Path view. False without analysis (or a host without one).
    virtual bool path(const ServerRow& server, std::vector<middlebox::PathSweep>* out) {
        (void)server, (void)out;
        return false;
    }
    virtual uint64_t generation() = 0;
    virtual FileInfo fileInfo() = 0;
    virtual void gotoFrame(uint32_t frame) = 0;
    virtual void setDisplayFilter(const QString& filter, bool apply) = 0;
    // Registers the tap listener; `changed` runs when its draw callback or a
    // reset fires. Returns false with a message on failure.
    virtual bool listen(std::function<void()> changed, QString* error) = 0;
    virtual void unlisten() = 0;
    // Asks Wireshark to run the taps over the whole file again. False when
    // this Wireshark offers no way to.
    virtual bool retap() = 0;
    virtual QString pluginVersion() const { return QString(); }
};

class SuspectDialog : public QDialog {
    Q_OBJECT
public:
    // Takes ownership of `host`.
    explicit SuspectDialog(Host* host, QWidget* parent = nullptr);
    ~SuspectDialog() override;

    // For tests and the GUI test log.
    SuspectModel* model() const { return model_; }
    SuspectProxy* proxy() const { return proxy_; }
    QTreeView* view() const { return view_; }
    QLineEdit* searchEdit() const { return search_; }
    QCheckBox* allServersCheck() const { return all_servers_; }
    QLabel* emptyLabel() const { return empty_label_; }
    QLabel* hintLabel() const { return hint_; }
    QPushButton* applyFilterButton() const { return apply_button_; }
    QPushButton* filterAllButton() const { return filter_all_button_; }
    QPushButton* saveButton() const { return save_button_; }
    QPushButton* refreshButton() const { return refresh_button_; }
    bool showingEmptyText() const;

    // The filter the "Apply as Filter" button would use for the current row;
    // empty without a selection.
    QString selectedFilter() const;
    // The filter the "Filter All Suspects" button uses (the servers shown).
    QString allSuspectsFilter() const;
    // CSV of the table as shown (sort and search applied).
    QString csv(bool with_handshakes = false) const;
    bool saveCsv(const QString& path, bool with_handshakes, QString* error = nullptr) const;

public Q_SLOTS:
    // Reads a new snapshot from the host now.
    void refresh();
    // Asks Wireshark to retap; the listener's callbacks then refresh.
    void retap();
    void applySelectedFilter(bool apply = true);
    void applyAllSuspectsFilter(bool apply = true);
    void gotoSelected();
    void copyCsv(bool with_handshakes = false);
    void saveAs();
    void showHelp();

protected:
    void done(int result) override;

private Q_SLOTS:
    void activated(const QModelIndex& index);
    void scheduleRefresh();
    void poll();
    void contextMenu(const QPoint& pos);
    void updateWidgets();

private:
    void log(const QString& line) const;
    // "rows N servers N suspects N handshakes N file F": what is shown.
    void logRows() const;
    void logLater(const QString& what, int ms);
    QModelIndex currentSourceIndex() const;
    QString emptyText() const;
    QString fileTitle() const;
    // "Wireshark · `what`", as Wireshark titles its windows.
    static QString wiresharkTitle(const QString& what);

    Ui::SuspectDialog* ui_;
    Host* host_;
    SuspectModel* model_;
    SuspectProxy* proxy_;
    QTreeView* view_;
    QStackedWidget* stack_;
    QLabel* empty_label_;
    QLineEdit* search_;
    QCheckBox* all_servers_;
    QLabel* hint_;
    QDialogButtonBox* buttons_;
    QPushButton* goto_button_;
    QPushButton* apply_button_;
    QPushButton* filter_all_button_;
    QPushButton* copy_button_;
    QPushButton* save_button_;
    QPushButton* refresh_button_;
    QTimer* refresh_timer_;
    QTimer* poll_timer_;
    bool have_file_ = false;
    bool listening_ = false;
    bool logging_ = false;
    bool timing_ = false;  // MIDDLEBOX_QT_TIMING: how long each refresh took
    // Rows for the servers without echoes too: from the first time they are
    // asked to be shown on (built once, then kept up to date like the rest).
    bool all_server_rows_ = false;
    uint64_t seen_generation_ = ~uint64_t(0);
    qint64 last_refresh_ms_ = 0;
    QString listen_error_;
    QSet<QByteArray> expanded_;      // servers the user expanded
    QByteArray current_server_;      // the server of the current row
    qint64 current_handshake_ = -1;  // and its handshake, for a child row
};

// Text shared by the empty view and Help: what the dialog looks for.
QString whatItLooksFor();

}  // namespace middlebox_qt
