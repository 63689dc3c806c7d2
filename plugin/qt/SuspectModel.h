// The Suspected Middleboxes table: one row per server endpoint, its
// handshakes as child rows, and the proxy that sorts and filters it.
#pragma once

#include <QAbstractItemModel>
#include <QSortFilterProxyModel>
#include <QString>
#include <QStringList>

#include "Snapshot.h"

namespace middlebox_qt {

class SuspectModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column {
        ColAddress,
        ColPort,
        ColHandshakes,
        ColEchoes,
        ColVerdicts,
        ColEchoed,
        ColHops,
        ColSyn,
        ColSynAck,
        ColEvidence,
        ColDiff,
        ColumnCount
    };
    // Typed values for sorting: numbers as qulonglong, addresses as bytes.
    static constexpr int SortRole = Qt::UserRole + 1;
    // The frame a double-click goes to (uint, 0: none).
    static constexpr int FrameRole = Qt::UserRole + 2;

    explicit SuspectModel(QObject* parent = nullptr);

    void setSnapshot(Snapshot snapshot);
    const Snapshot& snapshot() const { return snapshot_; }

    // The server of a row (top-level or child) and the pair of a child row.
    const ServerRow* server(const QModelIndex& index) const;
    const PairRow* pair(const QModelIndex& index) const;
    QModelIndex indexOfServer(const middlebox::Address& a, uint16_t port) const;

    static QString columnTitle(int column);

    QModelIndex index(int row, int column, const QModelIndex& parent = QModelIndex()) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVariant serverData(const ServerRow& s, int column, int role) const;
    QVariant pairData(const ServerRow& s, const PairRow& p, int column, int role) const;

    Snapshot snapshot_;
};

// Sorts by SortRole and filters server rows by search text (matched against
// every column of the server and of its handshakes, case-insensitive) and
// optionally hides servers without an echo. Handshakes follow their server.
class SuspectProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit SuspectProxy(QObject* parent = nullptr);

    void setSearchText(const QString& text);
    QString searchText() const { return search_; }
    void setSuspectsOnly(bool on);
    bool suspectsOnly() const { return suspects_only_; }

    // Servers passing the filter, in view order.
    std::vector<const ServerRow*> shownServers() const;

protected:
    bool filterAcceptsRow(int source_row, const QModelIndex& source_parent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    QString search_;
    bool suspects_only_ = true;
};

// The rows of `model` (a SuspectProxy or SuspectModel) in view order as CSV:
// a header line, one line per server, and with `with_handshakes` a line per
// handshake under its server (the Address and Port columns then hold the
// client's, and a leading "Row" column says "server" or "handshake").
QString tableCsv(const QAbstractItemModel* model, bool with_handshakes);

}  // namespace middlebox_qt
