// The Path view of one server: its probes hop by hop, what each
// router's quote showed, the answers and the copies seen further along the
// path, as -z middlebox,path lists them (middlebox::path_sweeps and its
// spellings); activating a row goes to its frame.
#pragma once

#include <QDialog>

#include <cstdint>
#include <functional>
#include <vector>

#include "middlebox/PathReport.h"

class QTreeWidget;
class QTreeWidgetItem;

namespace middlebox_qt {

class Host;
struct ServerRow;

class PathView : public QDialog {
    Q_OBJECT
public:
    enum Column { HopColumn, FrameColumn, WhatColumn, ColumnCount };
    // The frame a row goes to, under this role of its Frame column.
    static constexpr int kFrameRole = Qt::UserRole + 1;

    PathView(const QString& server, const std::vector<middlebox::PathSweep>& sweeps,
             std::function<void(uint32_t)> goto_frame, QWidget* parent = nullptr);

    QTreeWidget* tree() const { return tree_; }

private Q_SLOTS:
    void activated(QTreeWidgetItem* item);

private:
    QTreeWidget* tree_;
    std::function<void(uint32_t)> goto_frame_;
};

// Opens (non-modal) the Path view of `server` from the host's analysis;
// false when the host has none.
bool show_path_view(Host* host, const ServerRow& row, QWidget* parent);

}  // namespace middlebox_qt
