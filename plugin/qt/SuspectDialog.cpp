#include "SuspectDialog.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QCloseEvent>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSet>
#include <QShortcut>
#include <QStackedWidget>
#include <QTimer>
#include <QTreeView>

#include <cstdio>

#include "PathView.h"
#include "SuspectModel.h"
#include "ui_SuspectDialog.h"

namespace middlebox_qt {

namespace {

// Wireshark titles its dialogs "Wireshark · <Dialog> · <file>".
const QString kMiddleDot = QString::fromUtf8(" \xc2\xb7 ");

// Poll the host this often for resets (file closed, reloaded, another one
// opened) that no draw callback reports.
constexpr int kPollMs = 1000;
// While a file is being read or captured, refresh at most this often.
constexpr qint64 kLiveRefreshMs = 3000;

}  // namespace

// Identifies a server across snapshots.
static QByteArray serverKey(const ServerRow& s) {
    uint8_t k[middlebox::Endpoint::kKeyBytes];
    s.server.key(k);
    return QByteArray(reinterpret_cast<const char*>(k), sizeof k);
}

SuspectDialog::SuspectDialog(Host* host, QWidget* parent)
    : QDialog(parent),
      ui_(new Ui::SuspectDialog),
      host_(host),
      logging_(!qEnvironmentVariableIsEmpty("MIDDLEBOX_QT_LOG")),
      timing_(!qEnvironmentVariableIsEmpty("MIDDLEBOX_QT_TIMING")) {
    ui_->setupUi(this);
    setObjectName(QStringLiteral("MiddleboxSuspectsDialog"));
    setWindowTitle(fileTitle());
    setWindowFlags(windowFlags() | Qt::WindowMinMaxButtonsHint);
    view_ = ui_->view;
    stack_ = ui_->stack;
    empty_label_ = ui_->emptyLabel;
    search_ = ui_->search;
    all_servers_ = ui_->allServers;
    hint_ = ui_->hint;
    buttons_ = ui_->buttons;

    model_ = new SuspectModel(this);
    model_->setPairSource(
        {[this](const ServerRow& sr, std::vector<HandshakeRow>* out) { return host_->pairs(sr, out); },
         [this](const ServerRow& sr, std::string* out) { return host_->targetDiff(sr, out); }});
    proxy_ = new SuspectProxy(this);
    proxy_->setSourceModel(model_);

    view_->setModel(proxy_);
    view_->sortByColumn(SuspectModel::ColEchoes, Qt::DescendingOrder);
    empty_label_->setBackgroundRole(QPalette::Base);  // the view's background, not the dialog's

    // Action buttons are added here, as Wireshark's dialogs do: Designer
    // lays out only a button box's standard buttons.
    goto_button_ = buttons_->addButton(tr("&Go to Packet"), QDialogButtonBox::ActionRole);
    goto_button_->setToolTip(tr("Go to the selected row's SYN+ACK in the packet list (Enter, double-click)"));
    apply_button_ = buttons_->addButton(tr("&Apply as Filter"), QDialogButtonBox::ActionRole);
    apply_button_->setToolTip(
        tr("Show the selected server's echoing SYN+ACKs, or the selected handshake's "
           "connection, in the packet list"));
    filter_all_button_ = buttons_->addButton(tr("Filter A&ll Suspects"), QDialogButtonBox::ActionRole);
    filter_all_button_->setToolTip(tr("Show the echoing SYN+ACKs of every server listed"));
    copy_button_ = buttons_->addButton(tr("C&opy"), QDialogButtonBox::ActionRole);
    auto* copy_menu = new QMenu(copy_button_);
    QAction* copy_csv = copy_menu->addAction(tr("as CSV"));
    QAction* copy_csv_all = copy_menu->addAction(tr("as CSV, with Handshakes"));
    QAction* copy_filter = copy_menu->addAction(tr("Display Filter of the Selection"));
    copy_button_->setMenu(copy_menu);
    save_button_ = buttons_->addButton(tr("Sa&ve As…"), QDialogButtonBox::ActionRole);
    save_button_->setToolTip(tr("Save the table as CSV"));
    refresh_button_ = buttons_->addButton(tr("&Refresh"), QDialogButtonBox::ActionRole);
    refresh_button_->setToolTip(tr("Analyse the whole capture file again (F5)"));
    for (QAbstractButton* b : buttons_->buttons())
        if (auto* pb = qobject_cast<QPushButton*>(b)) {
            pb->setAutoDefault(false);
            pb->setDefault(false);
        }

    connect(view_, &QTreeView::activated, this, &SuspectDialog::activated);
    connect(view_, &QTreeView::expanded, this, [this](const QModelIndex& pi) {
        if (const ServerRow* s = model_->server(proxy_->mapToSource(pi))) expanded_.insert(serverKey(*s));
        for (int c : {SuspectModel::ColAddress, SuspectModel::ColEchoed}) view_->resizeColumnToContents(c);
    });
    connect(view_, &QTreeView::collapsed, this, [this](const QModelIndex& pi) {
        if (const ServerRow* s = model_->server(proxy_->mapToSource(pi))) expanded_.remove(serverKey(*s));
    });
    connect(view_, &QWidget::customContextMenuRequested, this, &SuspectDialog::contextMenu);
    connect(view_->selectionModel(), &QItemSelectionModel::currentChanged, this, &SuspectDialog::updateWidgets);
    connect(search_, &QLineEdit::textChanged, this, [this](const QString& t) {
        proxy_->setSearchText(t);
        updateWidgets();
    });
    connect(all_servers_, &QCheckBox::toggled, this, [this](bool on) {
        if (on && !all_server_rows_) {
            all_server_rows_ = true;
            refresh();
        }
        proxy_->setSuspectsOnly(!on);
        updateWidgets();
        logRows();
    });
    connect(goto_button_, &QPushButton::clicked, this, &SuspectDialog::gotoSelected);
    connect(apply_button_, &QPushButton::clicked, this, [this] { applySelectedFilter(true); });
    connect(filter_all_button_, &QPushButton::clicked, this, [this] { applyAllSuspectsFilter(true); });
    connect(copy_csv, &QAction::triggered, this, [this] { copyCsv(false); });
    connect(copy_csv_all, &QAction::triggered, this, [this] { copyCsv(true); });
    connect(copy_filter, &QAction::triggered, this, [this] {
        const QString f = selectedFilter();
        if (!f.isEmpty()) QApplication::clipboard()->setText(f);
    });
    connect(save_button_, &QPushButton::clicked, this, &SuspectDialog::saveAs);
    connect(refresh_button_, &QPushButton::clicked, this, &SuspectDialog::retap);
    connect(buttons_, &QDialogButtonBox::helpRequested, this, &SuspectDialog::showHelp);
    connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* find = new QShortcut(QKeySequence::Find, this);
    connect(find, &QShortcut::activated, this, [this] {
        search_->setFocus();
        search_->selectAll();
    });
    auto* help = new QShortcut(QKeySequence::HelpContents, this);
    connect(help, &QShortcut::activated, this, &SuspectDialog::showHelp);
    auto* reload = new QShortcut(QKeySequence::Refresh, this);
    connect(reload, &QShortcut::activated, this, &SuspectDialog::retap);
    auto* copy = new QShortcut(QKeySequence::Copy, view_, nullptr, nullptr, Qt::WidgetShortcut);
    connect(copy, &QShortcut::activated, this, [this] { copyCsv(false); });

    refresh_timer_ = new QTimer(this);
    refresh_timer_->setSingleShot(true);
    refresh_timer_->setInterval(100);
    connect(refresh_timer_, &QTimer::timeout, this, [this] {
        // Wireshark draws a listener once after it is registered, whether
        // its packets changed or not: nothing new to read then.
        if (host_->generation() != seen_generation_) refresh();
    });
    poll_timer_ = new QTimer(this);
    poll_timer_->setInterval(kPollMs);
    connect(poll_timer_, &QTimer::timeout, this, &SuspectDialog::poll);

    QPointer<SuspectDialog> self(this);
    listening_ = host_->listen(
        [self] {
            if (self) self->scheduleRefresh();
        },
        &listen_error_);
    if (!listening_) log(QStringLiteral("listen-failed %1").arg(listen_error_));
    refresh();
    poll_timer_->start();
    view_->setFocus();
}

SuspectDialog::~SuspectDialog() {
    if (listening_) host_->unlisten();
    delete host_;
    delete ui_;
}

void SuspectDialog::done(int result) {
    // Escape and Close end here (a close event too, through reject()):
    // a dialog opened with WA_DeleteOnClose goes away, and its listener with it.
    log(QStringLiteral("closed"));
    QDialog::done(result);
    if (testAttribute(Qt::WA_DeleteOnClose)) deleteLater();
}

bool SuspectDialog::showingEmptyText() const { return stack_->currentWidget() == empty_label_; }

QString SuspectDialog::wiresharkTitle(const QString& what) { return tr("Wireshark") + kMiddleDot + what; }

QString SuspectDialog::fileTitle() const {
    const FileInfo info = host_->fileInfo();
    QString title = wiresharkTitle(tr("Suspected Middleboxes"));
    if (!info.path.isEmpty()) title += kMiddleDot + QFileInfo(info.path).fileName();
    return title;
}

void SuspectDialog::log(const QString& line) const {
    if (!logging_) return;
    std::fprintf(stderr, "middlebox-qt: %s\n", line.toLocal8Bit().constData());
    std::fflush(stderr);
}

void SuspectDialog::logRows() const {
    if (!logging_) return;
    const Snapshot& s = model_->snapshot();
    log(QStringLiteral("rows %1 servers %2 suspects %3 handshakes %4 file %5")
            .arg(proxy_->rowCount())
            .arg(s.totals.servers)
            .arg(s.suspects())
            .arg(s.totals.handshakes)
            .arg(host_->fileInfo().path));
}

void SuspectDialog::logLater(const QString& what, int ms) {
    if (!logging_) return;
    QTimer::singleShot(ms, this, [this, what] {
        const FileInfo info = host_->fileInfo();
        log(QStringLiteral("%1 displayed %2 of %3 current %4")
                .arg(what)
                .arg(info.displayed)
                .arg(info.frames)
                .arg(info.current_frame));
    });
}

void SuspectDialog::scheduleRefresh() {
    if (!refresh_timer_->isActive()) refresh_timer_->start();
}

void SuspectDialog::poll() {
    const uint64_t g = host_->generation();
    if (g == seen_generation_) return;
    // A live capture or a long read: the draw callback refreshes, and so
    // does this, but not more often than Wireshark redraws its own taps.
    const FileInfo info = host_->fileInfo();
    if (info.state == FileInfo::Reading && QDateTime::currentMSecsSinceEpoch() - last_refresh_ms_ < kLiveRefreshMs)
        return;
    refresh();
}

void SuspectDialog::refresh() {
    QElapsedTimer clock;
    clock.start();
    seen_generation_ = host_->generation();
    last_refresh_ms_ = QDateTime::currentMSecsSinceEpoch();

    // Keep what the user had open and selected across a reset, also
    // across a file closed and reopened (the keys outlive the rows).
    const QModelIndex cur = currentSourceIndex();
    if (const ServerRow* s = model_->server(cur)) {
        current_server_ = serverKey(*s);
        const HandshakeRow* p = model_->pair(cur);
        current_handshake_ = p != nullptr ? static_cast<qint64>(p->handshake) : -1;
    }

    Snapshot snap;
    have_file_ = host_->snapshot(&snap, all_server_rows_);
    const qint64 snapshot_ms = clock.elapsed();
    // Same servers: updated in place, the view keeps its expanded rows and
    // its selection by itself; otherwise a reset, after which they are
    // restored from their keys.
    const bool reset = model_->setSnapshot(std::move(snap));
    const qint64 model_ms = clock.elapsed() - snapshot_ms;

    if (reset && (!expanded_.isEmpty() || !current_server_.isEmpty())) {
        int found = 0;
        const int wanted = expanded_.size() + (current_server_.isEmpty() ? 0 : 1);
        for (int r = 0; r < proxy_->rowCount() && found < wanted; ++r) {
            const QModelIndex pi = proxy_->index(r, 0);
            const ServerRow* s = model_->server(proxy_->mapToSource(pi));
            if (s == nullptr) continue;
            const QByteArray k = serverKey(*s);
            if (expanded_.contains(k)) {
                ++found;
                if (proxy_->canFetchMore(pi)) proxy_->fetchMore(pi);
                view_->expand(pi);
            }
            if (k != current_server_) continue;
            ++found;
            QModelIndex target = pi;
            if (current_handshake_ >= 0)
                for (int h = 0; h < proxy_->rowCount(pi); ++h) {
                    const QModelIndex ph = proxy_->index(h, 0, pi);
                    const HandshakeRow* p = model_->pair(proxy_->mapToSource(ph));
                    if (p != nullptr && p->handshake == current_handshake_) target = ph;
                }
            view_->selectionModel()->setCurrentIndex(target,
                                                     QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        }
    }
    if (!view_->currentIndex().isValid() && proxy_->rowCount() > 0)
        view_->selectionModel()->setCurrentIndex(proxy_->index(0, 0),
                                                 QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    for (int c = 0; c < SuspectModel::ColumnCount - 1; ++c) view_->resizeColumnToContents(c);
    setWindowTitle(fileTitle());
    updateWidgets();
    logRows();
    if (timing_) {
        const Snapshot& s = model_->snapshot();
        // When the refresh is on screen: the next turn of the event loop,
        // after the paint events it posted.
        const qint64 total_ms = clock.elapsed();
        const qint64 rows = proxy_->rowCount();
        const size_t servers = s.servers.size(), built = model_->pairsBuilt();  // rows built, not totals.servers
        const uint32_t handshakes = s.totals.handshakes;
        QTimer::singleShot(0, this, [=] {
            repaint();
            std::fprintf(stderr,
                         "middlebox-qt: timing refresh %s snapshot %lld ms model %lld ms total %lld ms shown %lld ms "
                         "rows %lld server-rows %zu handshakes %u pairs-built %zu at %lld\n",
                         reset ? "reset" : "in-place", static_cast<long long>(snapshot_ms),
                         static_cast<long long>(model_ms), static_cast<long long>(total_ms),
                         static_cast<long long>(clock.elapsed()), static_cast<long long>(rows), servers, handshakes,
                         built, static_cast<long long>(QDateTime::currentMSecsSinceEpoch()));
            std::fflush(stderr);
        });
    }
}

void SuspectDialog::retap() {
    log(QStringLiteral("retap"));
    if (!host_->retap()) refresh();
}

QString SuspectDialog::emptyText() const {
    const Snapshot& s = model_->snapshot();
    QString head;
    if (!have_file_) {
        head =
            tr("<p><b>No capture file is open.</b> Open one or start a capture: this list fills as its "
               "handshakes are dissected.</p>");
    } else if (s.totals.handshakes == 0) {
        const FileInfo info = host_->fileInfo();
        head = info.state == FileInfo::Reading
                   ? tr("<p><b>No TCP handshake yet.</b> The list fills as SYNs and SYN+ACKs arrive.</p>")
                   : tr("<p><b>No TCP handshake (SYN, SYN+ACK) in this capture.</b></p>");
    } else if (!proxy_->searchText().isEmpty() && (proxy_->suspectsOnly() ? s.suspects() > 0 : s.totals.servers > 0)) {
        return tr("<p><b>No server matches “%1”.</b> Clear the search to see all %2.</p>")
            .arg(proxy_->searchText().toHtmlEscaped())
            .arg(proxy_->suspectsOnly() ? tr("%n suspect(s)", nullptr, static_cast<int>(s.suspects()))
                                        : tr("%n server(s)", nullptr, static_cast<int>(s.totals.servers)));
    } else {
        const middlebox::Totals& t = s.totals;
        head = tr("<p><b>No suspected middleboxes.</b> %1 handshake(s) towards %2 server(s) were checked; %3 "
                  "answered by a SYN+ACK (%4 genuine MPTCP, %5 MP_CAPABLE not returned, %6 plain).</p>")
                   .arg(t.handshakes)
                   .arg(t.servers)
                   .arg(t.synacks)
                   .arg(t.verdicts[static_cast<int>(middlebox::Verdict::MptcpGenuine)])
                   .arg(t.verdicts[static_cast<int>(middlebox::Verdict::MptcpAbsent)])
                   .arg(t.verdicts[static_cast<int>(middlebox::Verdict::Plain)]);
        if (t.hidden_frames)
            head += tr("<p>%1 handshake frame(s) never reached this dialog's listener.</p>").arg(t.hidden_frames);
    }
    return head + whatItLooksFor();
}

void SuspectDialog::updateWidgets() {
    const bool empty = proxy_->rowCount() == 0;
    if (empty) empty_label_->setText(emptyText());
    stack_->setCurrentWidget(empty ? static_cast<QWidget*>(empty_label_) : static_cast<QWidget*>(view_));

    const QModelIndex cur = currentSourceIndex();
    const ServerRow* s = model_->server(cur);
    const HandshakeRow* p = model_->pair(cur);
    const uint32_t frame = p ? p->target_frame() : (s ? s->target_frame() : 0);
    goto_button_->setEnabled(!empty && frame != 0);
    apply_button_->setEnabled(!empty && s != nullptr);
    const std::vector<const ServerRow*> shown = proxy_->shownServers();
    bool any_suspect = false;
    for (const ServerRow* r : shown) any_suspect = any_suspect || r->suspect();
    filter_all_button_->setEnabled(any_suspect);
    copy_button_->setEnabled(!empty);
    save_button_->setEnabled(!empty);

    const Snapshot& snap = model_->snapshot();
    const middlebox::Totals& t = snap.totals;
    QString hint;
    if (have_file_) {
        hint = tr("%1 suspected middlebox(es) among %2 server(s); %3 of %4 handshake(s) echoed the SYN.")
                   .arg(snap.suspects())
                   .arg(t.servers)
                   .arg(middlebox::echo_count(t.verdicts))
                   .arg(t.handshakes);
        if (static_cast<size_t>(proxy_->rowCount()) != snap.suspects() || !proxy_->suspectsOnly())
            hint += QLatin1Char(' ') + tr("Showing %n row(s).", nullptr, proxy_->rowCount());
        if (t.evictions) hint += QLatin1Char(' ') + tr("%1 pending SYN(s) were dropped at the cap.").arg(t.evictions);
        if (t.unreliable())
            hint += QLatin1Char(' ') + tr("The frames this dialog was handed do not match the analysis: "
                                          "press Refresh (F5) to read the file again.");
    }
    if (!listening_) hint += QLatin1Char(' ') + tr("Live updates are off: %1").arg(listen_error_);
    if (!empty) hint += QLatin1Char(' ') + tr("Double-click a row to go to its SYN+ACK.");
    hint_->setText(hint.trimmed());
}

QModelIndex SuspectDialog::currentSourceIndex() const {
    const QModelIndex pi = view_->currentIndex();
    return pi.isValid() ? proxy_->mapToSource(pi) : QModelIndex();
}

QString SuspectDialog::selectedFilter() const {
    const QModelIndex cur = currentSourceIndex();
    const ServerRow* s = model_->server(cur);
    if (s == nullptr) return QString();
    if (const HandshakeRow* p = model_->pair(cur)) return QString::fromStdString(pair_filter(*s, *p));
    return QString::fromStdString(server_filter(*s));
}

QString SuspectDialog::allSuspectsFilter() const {
    return QString::fromStdString(suspects_filter(proxy_->shownServers(), model_->snapshot().suspects()));
}

void SuspectDialog::applySelectedFilter(bool apply) {
    const QString f = selectedFilter();
    if (f.isEmpty()) return;
    log(QStringLiteral("filter %1").arg(f));
    host_->setDisplayFilter(f, apply);
    logLater(QStringLiteral("filtered"), 1500);
}

void SuspectDialog::applyAllSuspectsFilter(bool apply) {
    const QString f = allSuspectsFilter();
    log(QStringLiteral("filter %1").arg(f));
    host_->setDisplayFilter(f, apply);
    logLater(QStringLiteral("filtered"), 1500);
}

void SuspectDialog::activated(const QModelIndex& proxy_index) {
    const uint frame = proxy_index.data(SuspectModel::FrameRole).toUInt();
    if (frame == 0) return;
    log(QStringLiteral("goto %1").arg(frame));
    host_->gotoFrame(frame);
    logLater(QStringLiteral("went"), 1000);
}

void SuspectDialog::gotoSelected() {
    const QModelIndex pi = view_->currentIndex();
    if (pi.isValid()) activated(pi);
}

void SuspectDialog::contextMenu(const QPoint& pos) {
    const QModelIndex pi = view_->indexAt(pos);
    if (!pi.isValid()) return;
    view_->setCurrentIndex(pi);
    QMenu menu(this);
    QAction* go = menu.addAction(tr("Go to SYN+ACK"));
    const HandshakeRow* p = model_->pair(proxy_->mapToSource(pi));
    QAction* go_syn = nullptr;
    if (p != nullptr && p->syn_frame != 0) go_syn = menu.addAction(tr("Go to SYN"));
    menu.addSeparator();
    QAction* apply = menu.addAction(tr("Apply as Filter"));
    QAction* prepare = menu.addAction(tr("Prepare as Filter"));
    QAction* apply_all = menu.addAction(tr("Apply as Filter: All Suspects"));
    apply_all->setEnabled(filter_all_button_->isEnabled());
    menu.addSeparator();
    QAction* copy_filter = menu.addAction(tr("Copy Display Filter"));
    QAction* copy = menu.addAction(tr("Copy Table as CSV"));
    const QModelIndex si = proxy_->mapToSource(pi);
    const ServerRow* server = model_->server(si.parent().isValid() ? si.parent() : si);
    QAction* path = nullptr;
    if (server != nullptr) {
        menu.addSeparator();
        path = menu.addAction(tr("Path View…"));
    }
    QAction* chosen = menu.exec(view_->viewport()->mapToGlobal(pos));
    if (chosen != nullptr && chosen == path) show_path_view(host_, *server, this);
    if (chosen == go)
        gotoSelected();
    else if (chosen != nullptr && chosen == go_syn)
        host_->gotoFrame(p->syn_frame);
    else if (chosen == apply)
        applySelectedFilter(true);
    else if (chosen == prepare)
        applySelectedFilter(false);
    else if (chosen == apply_all)
        applyAllSuspectsFilter(true);
    else if (chosen == copy_filter)
        QApplication::clipboard()->setText(selectedFilter());
    else if (chosen == copy)
        copyCsv(false);
}

}  // namespace middlebox_qt
