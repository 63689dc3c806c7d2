// The Suspected Middleboxes table: one row per server endpoint, its
// handshakes as child rows, and the proxy that sorts and filters it.
#pragma once

#include <QAbstractItemModel>
#include <QSortFilterProxyModel>
#include <QString>
#include <QStringList>

#include <functional>
#include <unordered_map>
#include <vector>

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
    // Typed values for sorting: numbers as qulonglong; a server's address as
    // its row (the snapshot is in address order), a client's as bytes.
    static constexpr int SortRole = Qt::UserRole + 1;
    // The frame a double-click goes to (uint, 0: none).
    static constexpr int FrameRole = Qt::UserRole + 2;

    // Builds a server's child rows, or the diff of its target handshake,
    // from the live analysis (the host's); false when there is none.
    struct PairSource {
        std::function<bool(const ServerRow&, std::vector<HandshakeRow>*)> pairs;
        std::function<bool(const ServerRow&, std::string*)> target_diff;
    };

    explicit SuspectModel(QObject* parent = nullptr);

    void setPairSource(PairSource source) { source_ = std::move(source); }
    // Takes the new rows. When the servers are the same ones, in the same
    // order (a refresh after tap events that added no server), the rows are
    // updated in place: dataChanged for the rows that changed, their new
    // handshakes inserted, no reset (expansion and selection stay), and only
    // the children already built are built again. Otherwise the model is
    // reset. Returns true when it was reset.
    bool setSnapshot(Snapshot snapshot);
    const Snapshot& snapshot() const { return snapshot_; }

    // Child rows are built (HandshakeRow, option diff and texts) only for a
    // server whose children are asked for: fetchMore() (the view calls it
    // when a row is expanded) or the data of a child row.
    bool childrenBuilt(int server_row) const { return children_.count(static_cast<uint32_t>(server_row)) != 0; }
    // PairRows built since the last reset (for tests and the timing log).
    size_t pairsBuilt() const { return pairs_built_; }
    size_t serversWithChildren() const { return children_.size(); }
    // True when a handshake of the server has `text` (case-insensitive) in
    // one of its columns. Children not built are built for the test and
    // dropped, not kept.
    bool childrenContain(int server_row, const QString& text) const;

    // The server of a row (top-level or child) and the pair of a child row.
    const ServerRow* server(const QModelIndex& index) const;
    const HandshakeRow* pair(const QModelIndex& index) const;

    static QString columnTitle(int column);

    QModelIndex index(int row, int column, const QModelIndex& parent = QModelIndex()) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool hasChildren(const QModelIndex& parent = QModelIndex()) const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;

private:
    QVariant serverData(size_t row, const ServerRow& s, int column, int role) const;
    QVariant pairData(const ServerRow& s, const HandshakeRow& p, int column, int role) const;
    std::vector<HandshakeRow> buildChildren(const ServerRow& s) const;
    const std::vector<HandshakeRow>& children(size_t server_row) const;
    const QString& targetDiff(size_t server_row) const;

    Snapshot snapshot_;
    PairSource source_;
    // Built child rows and server diffs, by server row; cleared on reset.
    mutable std::unordered_map<uint32_t, std::vector<HandshakeRow>> children_;
    mutable std::unordered_map<uint32_t, QString> diffs_;
    mutable size_t pairs_built_ = 0;
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
