#include "PathView.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "Snapshot.h"
#include "SuspectDialog.h"
#include "middlebox/Describe.h"

namespace middlebox_qt {

using namespace middlebox;

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

QTreeWidgetItem* add_row(QTreeWidgetItem* parent, const QString& hop, uint32_t frame, const std::string& what) {
    auto* item = new QTreeWidgetItem(parent);
    item->setText(PathView::HopColumn, hop);
    if (frame != 0) {
        item->setText(PathView::FrameColumn, QString::number(frame));
        item->setData(PathView::FrameColumn, PathView::kFrameRole, frame);
    }
    item->setText(PathView::WhatColumn, q(what));
    return item;
}

}  // namespace

PathView::PathView(const QString& server, const std::vector<PathSweep>& sweeps,
                   std::function<void(uint32_t)> goto_frame, QWidget* parent)
    : QDialog(parent), tree_(new QTreeWidget(this)), goto_frame_(std::move(goto_frame)) {
    setWindowTitle(tr("Path to %1").arg(server));
    setAttribute(Qt::WA_DeleteOnClose);
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(
        tr("Each SYN sent to %1, in sweeps of rising TTL (the hop is the SYN's TTL as captured): what the router "
           "whose ICMP error quotes it received, against what was sent (= unchanged, -removed, +added, ~rewritten, "
           "* first hop of the change; a partial quote says nothing about the options), the answer, and the copies "
           "of the segment seen further along the path. Double-click a row to go to its frame.")
            .arg(server),
        this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    tree_->setColumnCount(ColumnCount);
    tree_->setHeaderLabels({tr("Hop"), tr("Frame"), tr("Seen")});
    tree_->setRootIsDecorated(true);
    tree_->setUniformRowHeights(true);
    for (const PathSweep& s : sweeps) {
        auto* top = new QTreeWidgetItem(tree_);
        top->setText(WhatColumn, q(path_sweep_text(s)));
        top->setFirstColumnSpanned(true);
        for (const PathProbe& p : s.probes) {
            QTreeWidgetItem* probe = add_row(top, QString::number(p.hop), p.syn_frame, "SYN");
            for (const PathQuote& quote : p.quotes) add_row(probe, QString(), quote.frame, path_quote_text(quote));
            if (const std::string a = path_answer_text(p); !a.empty()) add_row(probe, QString(), p.answer_frame, a);
            for (const PathCopy& c : p.copies) add_row(probe, QString(), c.frame, path_copy_text(c));
        }
        for (const PathChange& c : s.changes) add_row(top, QString(), c.frame, "first seen: " + path_change_text(c));
    }
    tree_->expandAll();
    tree_->header()->setSectionResizeMode(WhatColumn, QHeaderView::Stretch);
    tree_->resizeColumnToContents(HopColumn);
    tree_->resizeColumnToContents(FrameColumn);
    layout->addWidget(tree_);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(tree_, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item, int) { activated(item); });
    resize(900, 480);
}

void PathView::activated(QTreeWidgetItem* item) {
    const uint32_t frame = item != nullptr ? item->data(FrameColumn, kFrameRole).toUInt() : 0;
    if (frame != 0 && goto_frame_) goto_frame_(frame);
}

bool show_path_view(Host* host, const ServerRow& row, QWidget* parent) {
    std::vector<PathSweep> sweeps;
    if (!host->path(row, &sweeps)) return false;
    auto* view = new PathView(
        q(endpoint_text(row.server.address, row.server.port)), sweeps,
        [host](uint32_t frame) { host->gotoFrame(frame); }, parent);
    view->show();
    return true;
}

}  // namespace middlebox_qt
