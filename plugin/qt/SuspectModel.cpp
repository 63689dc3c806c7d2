#include "SuspectModel.h"

#include <QBrush>
#include <QByteArray>
#include <QFont>
#include <QPalette>

#include <algorithm>
#include <cstring>

#include "middlebox/Describe.h"

namespace middlebox_qt {

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

// Sorts byte by byte in the endpoints' order (middlebox::Endpoint).
QByteArray addressKey(const middlebox::Address& a, uint16_t port) {
    uint8_t k[middlebox::Endpoint::kKeyBytes];
    middlebox::Endpoint{a, port}.key(k);
    return QByteArray(reinterpret_cast<const char*>(k), sizeof k);
}

QVariant num(qulonglong v) { return QVariant::fromValue<qulonglong>(v); }
QVariant frameText(uint32_t f) { return f ? QVariant(QString::number(f)) : QVariant(); }

}  // namespace

SuspectModel::SuspectModel(QObject* parent) : QAbstractItemModel(parent) {}

namespace {
bool sameServer(const ServerRow& a, const ServerRow& b) { return a.server == b.server; }
bool sameValues(const ServerRow& a, const ServerRow& b) {
    return a.handshakes == b.handshakes && a.synacks == b.synacks &&
           std::equal(std::begin(a.verdicts), std::end(a.verdicts), std::begin(b.verdicts)) && a.echoed == b.echoed &&
           a.min_hops == b.min_hops && a.max_hops == b.max_hops && a.hop_mismatches == b.hop_mismatches &&
           a.syn_proxies == b.syn_proxies && a.first_synack_frame == b.first_synack_frame &&
           a.target_handshake == b.target_handshake && a.evidence_frames == b.evidence_frames &&
           a.handshake_indices == b.handshake_indices;
}
bool isPrefix(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
    return a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin());
}
}  // namespace

bool SuspectModel::setSnapshot(Snapshot snapshot) {
    std::vector<ServerRow>& now = snapshot_.servers;
    std::vector<ServerRow>& next = snapshot.servers;
    bool in_place = !now.empty() && now.size() == next.size();
    for (size_t i = 0; in_place && i < now.size(); ++i)
        in_place = sameServer(now[i], next[i]) && isPrefix(now[i].handshake_indices, next[i].handshake_indices);
    if (!in_place) {
        beginResetModel();
        snapshot_ = std::move(snapshot);
        children_.clear();
        diffs_.clear();
        pairs_built_ = 0;
        endResetModel();
        return true;
    }
    snapshot_.totals = snapshot.totals;
    const int last = ColumnCount - 1;
    for (size_t i = 0; i < now.size(); ++i) {
        const int row = static_cast<int>(i);
        const bool changed = !sameValues(now[i], next[i]);
        const bool built = children_.count(static_cast<uint32_t>(i)) != 0;
        if (!changed && !built) continue;
        const QModelIndex parent = index(row, 0);
        const int before = static_cast<int>(now[i].handshake_indices.size());
        const int after = static_cast<int>(next[i].handshake_indices.size());
        // Built children are built again (a handshake's row can change
        // without its server's: a SYN copy, a late SYN+ACK); others wait
        // until they are asked for.
        if (changed) {
            diffs_.erase(static_cast<uint32_t>(i));
            if (after > before) beginInsertRows(parent, before, after - 1);
            now[i] = std::move(next[i]);
            if (built) children_[static_cast<uint32_t>(i)] = buildChildren(now[i]);
            if (after > before) endInsertRows();
            Q_EMIT dataChanged(parent, index(row, last));
        } else {
            children_[static_cast<uint32_t>(i)] = buildChildren(now[i]);
        }
        if (built && before > 0) Q_EMIT dataChanged(index(0, 0, parent), index(before - 1, last, parent));
    }
    return false;
}

std::vector<HandshakeRow> SuspectModel::buildChildren(const ServerRow& s) const {
    std::vector<HandshakeRow> out;
    if (source_.pairs) source_.pairs(s, &out);
    // Exactly one row per handshake, whatever the source could build.
    out.resize(s.handshake_indices.size());
    for (size_t i = 0; i < out.size(); ++i) out[i].handshake = s.handshake_indices[i];
    pairs_built_ += out.size();
    return out;
}

const std::vector<HandshakeRow>& SuspectModel::children(size_t server_row) const {
    const uint32_t key = static_cast<uint32_t>(server_row);
    auto it = children_.find(key);
    if (it == children_.end()) it = children_.emplace(key, buildChildren(snapshot_.servers[server_row])).first;
    return it->second;
}

const QString& SuspectModel::targetDiff(size_t server_row) const {
    const uint32_t key = static_cast<uint32_t>(server_row);
    auto it = diffs_.find(key);
    if (it != diffs_.end()) return it->second;
    const ServerRow& s = snapshot_.servers[server_row];
    std::string diff;
    // Already built children hold it.
    auto ch = children_.find(key);
    if (ch != children_.end()) {
        for (const HandshakeRow& p : ch->second)
            if (p.handshake == s.target_handshake && s.target_handshake != ServerRow::kNoHandshake) diff = p.diff;
    } else if (source_.target_diff) {
        source_.target_diff(s, &diff);
    }
    return diffs_.emplace(key, QString::fromStdString(diff)).first->second;
}

bool SuspectModel::hasChildren(const QModelIndex& parent) const {
    if (!parent.isValid()) return !snapshot_.servers.empty();
    if (parent.internalId() != 0) return false;
    const size_t srow = static_cast<size_t>(parent.row());
    return srow < snapshot_.servers.size() && !snapshot_.servers[srow].handshake_indices.empty();
}

bool SuspectModel::canFetchMore(const QModelIndex& parent) const {
    // True for a server whose children are not built: a proxy then answers
    // hasChildren() without mapping (and sorting, i.e. building) them.
    if (!parent.isValid() || parent.internalId() != 0) return false;
    const size_t srow = static_cast<size_t>(parent.row());
    return srow < snapshot_.servers.size() && !snapshot_.servers[srow].handshake_indices.empty() &&
           !childrenBuilt(parent.row());
}

void SuspectModel::fetchMore(const QModelIndex& parent) {
    if (!canFetchMore(parent)) return;
    children(static_cast<size_t>(parent.row()));
    // The row count never changed (it is the handshake count): only the
    // children's values are new.
    const int n = rowCount(parent);
    if (n > 0) Q_EMIT dataChanged(index(0, 0, parent), index(n - 1, ColumnCount - 1, parent));
}

bool SuspectModel::childrenContain(int server_row, const QString& text) const {
    if (server_row < 0 || static_cast<size_t>(server_row) >= snapshot_.servers.size()) return false;
    const ServerRow& s = snapshot_.servers[static_cast<size_t>(server_row)];
    if (s.handshake_indices.empty()) return false;
    std::vector<HandshakeRow> temp;
    const std::vector<HandshakeRow>* rows = nullptr;
    auto it = children_.find(static_cast<uint32_t>(server_row));
    if (it != children_.end()) {
        rows = &it->second;
    } else {
        const size_t before = pairs_built_;
        temp = buildChildren(s);
        pairs_built_ = before;  // not kept
        rows = &temp;
    }
    for (const HandshakeRow& p : *rows)
        for (int c = 0; c < ColumnCount; ++c)
            if (pairData(s, p, c, Qt::DisplayRole).toString().contains(text, Qt::CaseInsensitive)) return true;
    return false;
}

const ServerRow* SuspectModel::server(const QModelIndex& index) const {
    if (!index.isValid() || index.model() != this) return nullptr;
    const quintptr id = index.internalId();
    const size_t row = id == 0 ? static_cast<size_t>(index.row()) : static_cast<size_t>(id - 1);
    return row < snapshot_.servers.size() ? &snapshot_.servers[row] : nullptr;
}

const HandshakeRow* SuspectModel::pair(const QModelIndex& index) const {
    if (!index.isValid() || index.model() != this || index.internalId() == 0) return nullptr;
    const size_t srow = static_cast<size_t>(index.internalId() - 1);
    if (srow >= snapshot_.servers.size()) return nullptr;
    const size_t row = static_cast<size_t>(index.row());
    if (row >= snapshot_.servers[srow].handshake_indices.size()) return nullptr;
    return &children(srow)[row];
}

QString SuspectModel::columnTitle(int column) {
    switch (column) {
        case ColAddress: return tr("Address");
        case ColPort: return tr("Port");
        case ColHandshakes: return tr("Handshakes");
        case ColEchoes: return tr("Echoes");
        case ColVerdicts: return tr("Verdicts");
        case ColEchoed: return tr("Echoed");
        case ColHops: return tr("Hops");
        case ColSyn: return tr("SYN");
        case ColSynAck: return tr("SYN+ACK");
        case ColEvidence: return tr("Evidence Frames");
        case ColDiff: return tr("Options vs SYN");
        default: return QString();
    }
}

QModelIndex SuspectModel::index(int row, int column, const QModelIndex& parent) const {
    if (row < 0 || column < 0 || column >= ColumnCount) return QModelIndex();
    if (!parent.isValid()) {
        if (static_cast<size_t>(row) >= snapshot_.servers.size()) return QModelIndex();
        return createIndex(row, column, quintptr(0));
    }
    if (parent.internalId() != 0) return QModelIndex();  // handshakes have no children
    const size_t srow = static_cast<size_t>(parent.row());
    if (srow >= snapshot_.servers.size() ||
        static_cast<size_t>(row) >= snapshot_.servers[srow].handshake_indices.size())
        return QModelIndex();
    return createIndex(row, column, quintptr(srow + 1));
}

QModelIndex SuspectModel::parent(const QModelIndex& child) const {
    if (!child.isValid() || child.internalId() == 0) return QModelIndex();
    return createIndex(static_cast<int>(child.internalId() - 1), 0, quintptr(0));
}

int SuspectModel::rowCount(const QModelIndex& parent) const {
    if (!parent.isValid()) return static_cast<int>(snapshot_.servers.size());
    if (parent.column() != 0 || parent.internalId() != 0) return 0;
    const size_t srow = static_cast<size_t>(parent.row());
    return srow < snapshot_.servers.size() ? static_cast<int>(snapshot_.servers[srow].handshake_indices.size()) : 0;
}

int SuspectModel::columnCount(const QModelIndex&) const { return ColumnCount; }

QVariant SuspectModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return QVariant();
    if (role == Qt::DisplayRole) return columnTitle(section);
    if (role == Qt::ToolTipRole) {
        switch (section) {
            case ColAddress: return tr("Server address (the SYNs' destination); under it, each client");
            case ColPort: return tr("Server port; under it, each client's port");
            case ColHandshakes: return tr("Handshakes (distinct SYNs) towards this server");
            case ColEchoes: return tr("Handshakes whose SYN+ACK echoed the SYN (mptcp-echo + option-echo + flag-echo)");
            case ColVerdicts: return tr("Handshakes per verdict (middlebox.verdict)");
            case ColEchoed:
                return tr("What came back from the SYN: MP_CAPABLE keys and option kinds copied byte for byte");
            case ColHops:
                return tr(
                    "Estimated hops of the SYN+ACKs (from their TTL); * marks a TTL that differs from "
                    "the server's data (a box such as a SYN proxy may have answered)");
            case ColSyn: return tr("Frame of the SYN the answer was paired with");
            case ColSynAck:
                return tr(
                    "Frame of the SYN+ACK (or RST); for a server, its first echoing SYN+ACK. "
                    "Double-click to go there.");
            case ColEvidence: return tr("SYN+ACK frames that prove an echo");
            case ColDiff:
                return tr(
                    "The SYN+ACK's options set against the SYN's: +added -removed ~changed "
                    "=returned unchanged");
            default: break;
        }
    }
    return QVariant();
}

QVariant SuspectModel::data(const QModelIndex& index, int role) const {
    const ServerRow* s = server(index);
    if (s == nullptr) return QVariant();
    if (index.internalId() == 0) return serverData(static_cast<size_t>(index.row()), *s, index.column(), role);
    const HandshakeRow* p = pair(index);
    return p != nullptr ? pairData(*s, *p, index.column(), role) : QVariant();
}

QVariant SuspectModel::serverData(size_t row, const ServerRow& s, int column, int role) const {
    if (role == FrameRole) return static_cast<uint>(s.target_frame());
    if (role == Qt::TextAlignmentRole) {
        switch (column) {
            case ColPort:
            case ColHandshakes:
            case ColEchoes:
            case ColSynAck: return static_cast<int>(Qt::AlignRight | Qt::AlignVCenter);
            default: return QVariant();
        }
    }
    if (role == Qt::FontRole && column == ColEchoes && s.suspect()) {
        QFont f;
        f.setBold(true);
        return f;
    }
    if (role == SortRole) {
        switch (column) {
            // The snapshot's order is the address order: rows sort by number,
            // not by a key built for each comparison.
            case ColAddress: return num(row);
            case ColPort: return num(s.server.port);
            case ColHandshakes: return num(s.handshakes);
            case ColEchoes: return num(s.echoes());
            case ColHops: return num(s.min_hops < 0 ? 0x10000 : s.min_hops * 256 + s.max_hops);
            case ColSyn: return num(0);
            case ColSynAck: return num(s.target_frame());
            case ColEvidence: return num(s.evidence_frames.empty() ? 0xffffffffu : s.evidence_frames.front());
            default: break;
        }
        role = Qt::DisplayRole;  // text columns sort by their text
    }
    if (role == Qt::ToolTipRole) {
        QString tip = tr("%1: %2 handshake(s), %3 answered by SYN+ACK")
                          .arg(qs(middlebox::endpoint_text(s.server.address, s.server.port)))
                          .arg(s.handshakes)
                          .arg(s.synacks);
        if (s.suspect()) tip += tr("\n%1 echoed the SYN: %2").arg(s.echoes()).arg(qs(s.echoed));
        if (s.hop_mismatches)
            tip += tr("\n%1 SYN+ACK(s) came from another distance than the server's data").arg(s.hop_mismatches);
        if (s.syn_proxies)
            tip += tr("\n%1 SYN+ACK(s) came from a box that answered for the server (a SYN proxy): their options "
                      "are the box's, what the server supports is unknown")
                       .arg(s.syn_proxies);
        tip += tr("\nDouble-click: go to frame %1").arg(s.target_frame());
        return tip;
    }
    if (role != Qt::DisplayRole) return QVariant();
    switch (column) {
        case ColAddress: return qs(middlebox::address_text(s.server.address));
        case ColPort: return QString::number(s.server.port);
        case ColHandshakes: return QString::number(s.handshakes);
        case ColEchoes: return QString::number(s.echoes());
        case ColVerdicts: return qs(middlebox::verdict_list(s.verdicts));
        case ColEchoed: return qs(s.echoed);
        case ColHops: return qs(s.hops_text()) + (s.hop_mismatches ? QStringLiteral(" *") : QString());
        case ColSyn: return QVariant();
        case ColSynAck: return frameText(s.target_frame());
        case ColEvidence: return qs(s.evidence_text());
        case ColDiff: {
            const QString& diff = targetDiff(row);
            return diff.isEmpty() ? QVariant() : QVariant(diff);
        }
        default: return QVariant();
    }
}

QVariant SuspectModel::pairData(const ServerRow&, const HandshakeRow& p, int column, int role) const {
    if (role == FrameRole) return static_cast<uint>(p.target_frame());
    if (role == Qt::TextAlignmentRole) {
        switch (column) {
            case ColPort:
            case ColSyn:
            case ColSynAck: return static_cast<int>(Qt::AlignRight | Qt::AlignVCenter);
            default: return QVariant();
        }
    }
    if (role == Qt::ForegroundRole && !middlebox::is_echo(p.verdict))
        return QBrush(QPalette().color(QPalette::Disabled, QPalette::Text));
    if (role == SortRole) {
        switch (column) {
            case ColAddress: return p.client_known ? addressKey(p.client, p.client_port) : QByteArray();
            case ColPort: return num(p.client_port);
            case ColHandshakes:
            case ColEchoes: return num(middlebox::is_echo(p.verdict) ? 1 : 0);
            case ColHops: return num(p.hops < 0 ? 0x10000 : p.hops);
            case ColSyn: return num(p.syn_frame);
            case ColSynAck:
            case ColEvidence: return num(p.answer_frame);
            default: break;
        }
        role = Qt::DisplayRole;
    }
    if (role == Qt::ToolTipRole) {
        QString tip = tr("Handshake %1: %2").arg(p.handshake).arg(middlebox::verdict_name(p.verdict));
        if (p.against_probe)
            tip += tr("\nNo SYN in the capture: compared against the probe template (preference "
                      "middlebox.probe_options): %1")
                       .arg(qs(p.syn_options));
        else if (!p.syn_options.empty())
            tip += tr("\nSYN options (frame %1): %2").arg(p.syn_frame).arg(qs(p.syn_options));
        if (!p.synack_options.empty())
            tip += tr("\nSYN+ACK options (frame %1): %2").arg(p.answer_frame).arg(qs(p.synack_options));
        if (!p.diff.empty()) tip += tr("\nAgainst the SYN: %1").arg(qs(p.diff));
        if (p.syn_copies > 1) tip += tr("\nThe SYN was sent %1 times").arg(p.syn_copies);
        if (p.syn_proxy)
            tip +=
                tr("\nThe SYN+ACK came from a box that answered for the server (a SYN proxy): its options are the "
                   "box's");
        else if (p.hop_mismatch)
            tip += tr("\nThe SYN+ACK came from another distance than the server's data");
        if (p.target_frame()) tip += tr("\nDouble-click: go to frame %1").arg(p.target_frame());
        return tip;
    }
    if (role != Qt::DisplayRole) return QVariant();
    switch (column) {
        case ColAddress: return p.client_known ? qs(p.client_text) : tr("(client not seen)");
        case ColPort: return p.client_known ? QVariant(QString::number(p.client_port)) : QVariant();
        case ColVerdicts: return QString::fromLatin1(middlebox::verdict_name(p.verdict));
        case ColEchoed: return qs(p.echoed);
        case ColHops:
            if (p.hops < 0) return QVariant();
            return QString::number(p.hops) + (p.hop_mismatch ? QStringLiteral(" *") : QString());
        case ColSyn: return p.against_probe ? QVariant(tr("probe")) : frameText(p.syn_frame);
        case ColSynAck:
            if (p.answer_frame == 0) return QVariant();
            return p.answer_is_synack ? QString::number(p.answer_frame) : tr("RST %1").arg(p.answer_frame);
        case ColDiff: return qs(p.diff);
        default: return QVariant();
    }
}

// ---------------------------------------------------------------------------

SuspectProxy::SuspectProxy(QObject* parent) : QSortFilterProxyModel(parent) {
    setSortRole(SuspectModel::SortRole);
    setDynamicSortFilter(true);
}

void SuspectProxy::setSearchText(const QString& text) {
    const QString t = text.trimmed();
    if (t == search_) return;
    search_ = t;
    invalidateFilter();
}

void SuspectProxy::setSuspectsOnly(bool on) {
    if (on == suspects_only_) return;
    suspects_only_ = on;
    invalidateFilter();
}

std::vector<const ServerRow*> SuspectProxy::shownServers() const {
    std::vector<const ServerRow*> out;
    auto* m = qobject_cast<const SuspectModel*>(sourceModel());
    if (m == nullptr) return out;
    for (int r = 0; r < rowCount(); ++r)
        if (const ServerRow* s = m->server(mapToSource(index(r, 0)))) out.push_back(s);
    return out;
}

bool SuspectProxy::filterAcceptsRow(int source_row, const QModelIndex& source_parent) const {
    if (source_parent.isValid()) return true;  // a handshake follows its server
    auto* m = qobject_cast<const SuspectModel*>(sourceModel());
    if (m == nullptr) return true;
    const QModelIndex si = m->index(source_row, 0);
    const ServerRow* s = m->server(si);
    if (s == nullptr) return false;
    if (suspects_only_ && !s->suspect()) return false;
    if (search_.isEmpty()) return true;
    auto matches = [this, m](const QModelIndex& row_index) {
        for (int c = 0; c < SuspectModel::ColumnCount; ++c) {
            const QString text = m->data(row_index.sibling(row_index.row(), c), Qt::DisplayRole).toString();
            if (text.contains(search_, Qt::CaseInsensitive)) return true;
        }
        return false;
    };
    if (matches(si)) return true;
    return m->childrenContain(source_row, search_);  // builds no child row it keeps
}

namespace {
// <0, 0, >0 on typed sort values: bytes (addresses), numbers, else text.
int compareSortValues(const QVariant& l, const QVariant& r) {
    if (l.userType() == QMetaType::QByteArray && r.userType() == QMetaType::QByteArray) {
        const QByteArray a = l.toByteArray(), b = r.toByteArray();
        const int n = std::memcmp(a.constData(), b.constData(), static_cast<size_t>(std::min(a.size(), b.size())));
        return n != 0 ? n : a.size() - b.size();
    }
    if (l.userType() == QMetaType::ULongLong && r.userType() == QMetaType::ULongLong) {
        const qulonglong a = l.toULongLong(), b = r.toULongLong();
        return a < b ? -1 : (a > b ? 1 : 0);
    }
    return QString::localeAwareCompare(l.toString(), r.toString());
}
}  // namespace

bool SuspectProxy::lessThan(const QModelIndex& left, const QModelIndex& right) const {
    const int c = compareSortValues(left.data(SuspectModel::SortRole), right.data(SuspectModel::SortRole));
    if (c != 0) return c < 0;
    // Ties: handshakes stay in frame order whichever way the view sorts;
    // servers (say, one echo each) go in address order, so that rows do not
    // jump around between refreshes.
    if (left.parent().isValid())
        return sortOrder() == Qt::DescendingOrder ? left.row() > right.row() : left.row() < right.row();
    if (left.column() == SuspectModel::ColAddress) return false;
    // A server's address sorts by its row (SuspectModel::serverData): after
    // Show servers without echoes, a million ties to break.
    return sortOrder() == Qt::DescendingOrder ? left.row() > right.row()
                                              : left.row() < right.row();  // ascending addresses either way
}

}  // namespace middlebox_qt
