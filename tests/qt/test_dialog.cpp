// QTest of the Suspected Middleboxes dialog: its snapshot, model, proxy
// (sorting, search), CSV export, display filters and the dialog itself,
// fed from a real Correlator and Registry built from synthetic segments the
// way the plugin's tap feeds them. Runs with QT_QPA_PLATFORM=offscreen.
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTreeView>
#include <QtTest>

#include <map>
#include <memory>
#include <vector>

#include "../unit/Builders.h"
#include "HostApi.h"
#include "Snapshot.h"
#include "SuspectDialog.h"
#include "SuspectModel.h"
#include "middlebox/Correlator.h"
#include "middlebox/Registry.h"

using namespace middlebox;
using namespace middlebox_qt;
using mbtest::Bytes;

namespace {

const uint16_t S = kSyn, SA = kSyn | kAck, A = kAck, RA = kRst | kAck;

Address v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    const uint8_t x[4] = {a, b, c, d};
    return Address::v4(x);
}
Address v6(std::initializer_list<uint8_t> tail) {  // 2001:db8::<tail>
    uint8_t x[16] = {0x20, 0x01, 0x0d, 0xb8};
    size_t i = 16 - tail.size();
    for (uint8_t t : tail) x[i++] = t;
    return Address::v6(x);
}

const Address kClient = v4(192, 0, 2, 10);
const Address kClient2 = v4(192, 0, 2, 11);
const Address kEchoV0 = v4(198, 51, 100, 1);   // echoes MP_CAPABLE keys: 2 handshakes
const Address kKind222 = v4(198, 51, 100, 2);  // echoes option kind 222
const Address kGenuine = v4(198, 51, 100, 3);  // genuine MPTCP
const Address kSilent = v4(198, 51, 100, 4);   // never answers
const Address kClient6 = v6({0x10});
const Address kEchoV1 = v6({0x01});  // 2001:db8::1, returns the keyless v1 SYN form

// The capture as the tap would see it: a Correlator fed every segment, a
// Registry fed every record.
struct Capture {
    Correlator c{1000};
    Registry reg;
    std::vector<std::unique_ptr<Bytes>> keep;
    uint32_t frame = 0;

    uint32_t feed(const Address& src, uint16_t sport, const Address& dst, uint16_t dport, uint16_t flags, uint32_t seq,
                  uint32_t ack, Bytes opts, uint8_t ttl = 64) {
        keep.push_back(std::make_unique<Bytes>(std::move(opts)));
        Segment s;
        s.frame = ++frame;
        s.tuple.src = src;
        s.tuple.dst = dst;
        s.tuple.src_port = sport;
        s.tuple.dst_port = dport;
        s.flags = flags;
        s.seq = seq;
        s.ack = ack;
        s.ttl = ttl;
        s.options = keep.back()->data();
        s.options_captured = s.options_declared = static_cast<uint8_t>(keep.back()->size());
        if (const FrameRecord* r = c.observe(s)) reg.add(r->handshake, r->frame);
        return s.frame;
    }

    // Frames: 1-2 v0 echo (kEchoV0:80), 3 ack, 4-5 v0 echo from a second
    // client, 6-7 kind 222 echo (kKind222:443), 8-9 genuine (kGenuine:80),
    // 10 unanswered SYN (kSilent:25), 11-12 v1 keyless echo over IPv6.
    void scenario() {
        feed(kClient, 40000, kEchoV0, 80, S, 1000, 0, mbtest::mpc_key(0, 0x099c0e6b50c00000ull));
        feed(kEchoV0, 80, kClient, 40000, SA, 5000, 1001, mbtest::mpc_key(0, 0x099c0e6b50c00000ull), 46);
        feed(kClient, 40000, kEchoV0, 80, A, 1001, 5001, {});
        feed(kClient2, 40001, kEchoV0, 80, S, 2000, 0, mbtest::mpc_key(0, 0x1111));
        feed(kEchoV0, 80, kClient2, 40001, SA, 6000, 2001, mbtest::mpc_key(0, 0x1111), 47);
        feed(kClient, 40002, kKind222, 443, S, 3000, 0, mbtest::cat({mbtest::mss(1460), mbtest::kind222()}));
        feed(kKind222, 443, kClient, 40002, SA, 7000, 3001, mbtest::cat({mbtest::mss(1380), mbtest::kind222()}), 111);
        feed(kClient, 40003, kGenuine, 80, S, 4000, 0, mbtest::mpc_key(0, 0x2222));
        feed(kGenuine, 80, kClient, 40003, SA, 8000, 4001, mbtest::cat({mbtest::mss(1380), mbtest::mpc_key(0, 0x3333)}),
             57);
        feed(kClient, 40004, kSilent, 25, S, 9000, 0, mbtest::mss(1460));
        feed(kClient6, 50000, kEchoV1, 80, S, 11000, 0, mbtest::pad4(mbtest::mpc_v1_syn()));
        feed(kEchoV1, 80, kClient6, 50000, SA, 12000, 11001, mbtest::pad4(mbtest::mpc_v1_syn()), 52);
    }

    Snapshot snapshot(bool all_servers = true) const { return build_snapshot(c, reg, all_servers); }
};

// A model that builds its child rows from `cap`, as the dialog's does from
// the host; counts what it was asked to build.
struct Source {
    const Capture* cap;
    int pair_calls = 0, diff_calls = 0;
    SuspectModel::PairSource get() {
        return {[this](const ServerRow& s, std::vector<HandshakeRow>* out) {
                    ++pair_calls;
                    *out = build_handshake_rows(cap->c, s);
                    return true;
                },
                [this](const ServerRow& s, std::string* out) {
                    ++diff_calls;
                    *out = target_diff(cap->c, s);
                    return true;
                }};
    }
};

void attach(SuspectModel& m, const Capture& cap) {
    m.setPairSource({[&cap](const ServerRow& s, std::vector<HandshakeRow>* out) {
                         *out = build_handshake_rows(cap.c, s);
                         return true;
                     },
                     [&cap](const ServerRow& s, std::string* out) {
                         *out = target_diff(cap.c, s);
                         return true;
                     }});
}

// The dialog's view of Wireshark, recording what the dialog asks of it.
class FakeHost : public Host {
public:
    explicit FakeHost(Capture* cap) : cap_(cap) {}
    bool snapshot(Snapshot* out, bool all_servers) override {
        if (cap_ == nullptr) return false;
        all_servers_asked.push_back(all_servers);
        *out = cap_->snapshot(all_servers);
        return true;
    }
    bool pairs(const ServerRow& s, std::vector<HandshakeRow>* out) override {
        if (cap_ == nullptr) return false;
        ++pair_calls;
        *out = build_handshake_rows(cap_->c, s);
        pairs_built += out->size();
        return true;
    }
    bool targetDiff(const ServerRow& s, std::string* out) override {
        if (cap_ == nullptr) return false;
        *out = target_diff(cap_->c, s);
        return true;
    }
    uint64_t generation() override { return generation_; }
    FileInfo fileInfo() override {
        FileInfo f;
        if (cap_ != nullptr) {
            f.state = FileInfo::Done;
            f.frames = cap_->frame;
            f.displayed = cap_->frame;
            f.path = QStringLiteral("/captures/synthetic.pcapng");
        }
        return f;
    }
    void gotoFrame(uint32_t frame) override { gotos.push_back(frame); }
    void setDisplayFilter(const QString& filter, bool apply) override { filters.push_back({filter, apply}); }
    bool listen(std::function<void()> changed, QString*) override {
        changed_ = std::move(changed);
        ++listens;
        return true;
    }
    void unlisten() override { ++unlistens; }
    bool retap() override {
        ++retaps;
        return false;
    }

    // What the plugin does when packets arrive or a file is reopened.
    void changed(Capture* cap) {
        cap_ = cap;
        ++generation_;
        if (changed_) changed_();
    }

    std::vector<uint32_t> gotos;
    std::vector<std::pair<QString, bool>> filters;
    int listens = 0, unlistens = 0, retaps = 0;
    int pair_calls = 0;
    size_t pairs_built = 0;
    std::vector<bool> all_servers_asked;  // each snapshot's all_servers

private:
    Capture* cap_;
    uint64_t generation_ = 1;
    std::function<void()> changed_;
};

QStringList columnTexts(const QAbstractItemModel* m, const QModelIndex& row) {
    QStringList out;
    for (int c = 0; c < SuspectModel::ColumnCount; ++c) out << m->data(row.sibling(row.row(), c)).toString();
    return out;
}

int findRow(const QAbstractItemModel* m, const QString& address, const QModelIndex& parent = QModelIndex()) {
    for (int r = 0; r < m->rowCount(parent); ++r)
        if (m->data(m->index(r, SuspectModel::ColAddress, parent)).toString() == address) return r;
    return -1;
}

}  // namespace

class DialogTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void layoutGuard();
    void snapshotRows();
    void modelColumnsAndChildren();
    void proxySuspectsOnlyAndAll();
    void sorting();
    void searchText();
    void csvExport();
    void filterStrings();
    void dialogShowsRows();
    void dialogDoubleClickGoesToSynAck();
    void dialogFilterButtons();
    void dialogSaveCsv();
    void dialogEmptyExplains();
    void dialogRefreshesOnChange();
    void lazyChildren();
    void dialogLazyAndIncremental();
    void dialogBuildsOtherServersOnce();
};

void DialogTest::layoutGuard() {
    QVERIFY(middlebox_layout_matches(middlebox_expected_layout(), middlebox_expected_layout()));
    middlebox_layout other = middlebox_expected_layout();
    other.pair += 8;
    QVERIFY(!middlebox_layout_matches(other, middlebox_expected_layout()));
}

void DialogTest::snapshotRows() {
    Capture cap;
    cap.scenario();
    const Snapshot s = cap.snapshot();
    QCOMPARE(s.servers.size(), size_t(5));
    QCOMPARE(s.suspects(), size_t(3));
    QCOMPARE(s.totals.handshakes, 6u);

    const ServerRow* echo = nullptr;
    const ServerRow* v1 = nullptr;
    for (const ServerRow& r : s.servers) {
        if (r.server.address == kEchoV0) echo = &r;
        if (r.server.address == kEchoV1) v1 = &r;
    }
    QVERIFY(echo != nullptr && v1 != nullptr);
    QCOMPARE(echo->handshakes, 2u);
    QCOMPARE(echo->mptcp_echoes(), 2u);
    QCOMPARE(echo->evidence_frames, (std::vector<uint32_t>{2, 5}));
    QCOMPARE(echo->target_frame(), 2u);
    QCOMPARE(echo->hops_text(), std::string("17-18"));  // TTL 46/47 from 64
    QVERIFY(echo->echoed.find("0x099c0e6b50c00000") != std::string::npos);
    QVERIFY(echo->echoed.find("0x0000000000001111") != std::string::npos);
    QCOMPARE(echo->handshake_indices.size(), size_t(2));
    const std::vector<HandshakeRow> pairs = build_handshake_rows(cap.c, *echo);
    QCOMPARE(pairs.size(), size_t(2));
    QCOMPARE(pairs[1].client_text, std::string("192.0.2.11"));
    QCOMPARE(pairs[1].client_port, uint16_t(40001));
    QCOMPARE(pairs[1].syn_frame, 4u);
    QCOMPARE(pairs[1].answer_frame, 5u);
    QVERIFY(pairs[0].diff.find("=MP_CAPABLE") != std::string::npos);

    QCOMPARE(v1->echoed, std::string("MP_CAPABLE keyless; kind 30"));
    // The report's spelling (middlebox::echoed_text), keys ascending.
    QCOMPARE(echo->echoed, std::string("MP_CAPABLE keys 0x0000000000001111,0x099c0e6b50c00000; kind 30"));
    QCOMPARE(pairs[0].echoed, std::string("MP_CAPABLE key 0x099c0e6b50c00000; kind 30"));

    // The suspects only: the same rows for them, the totals of every server.
    const Snapshot few = cap.snapshot(false);
    QCOMPARE(few.servers.size(), size_t(3));
    QCOMPARE(few.suspects(), size_t(3));
    QCOMPARE(few.totals.servers, 5u);
    QCOMPARE(few.totals.handshakes, 6u);
    size_t k = 0;
    for (const ServerRow& r : s.servers) {
        if (!r.suspect()) continue;
        QVERIFY(k < few.servers.size());
        const ServerRow& f = few.servers[k++];
        QVERIFY(f.server == r.server);
        QCOMPARE(f.echoed, r.echoed);
        QCOMPARE(f.handshake_indices, r.handshake_indices);
        QCOMPARE(f.target_handshake, r.target_handshake);
    }
    QCOMPARE(k, size_t(3));
}

void DialogTest::modelColumnsAndChildren() {
    Capture cap;
    cap.scenario();
    SuspectModel m;
    attach(m, cap);
    m.setSnapshot(cap.snapshot());
    QCOMPARE(m.rowCount(), 5);
    QCOMPARE(m.columnCount(), int(SuspectModel::ColumnCount));
    const int r = findRow(&m, QStringLiteral("198.51.100.2"));
    QVERIFY(r >= 0);
    const QStringList cols = columnTexts(&m, m.index(r, 0));
    QCOMPARE(cols[SuspectModel::ColPort], QStringLiteral("443"));
    QCOMPARE(cols[SuspectModel::ColHandshakes], QStringLiteral("1"));
    QCOMPARE(cols[SuspectModel::ColEchoes], QStringLiteral("1"));
    QCOMPARE(cols[SuspectModel::ColVerdicts], QStringLiteral("option-echo 1"));
    QCOMPARE(cols[SuspectModel::ColEchoed], QStringLiteral("kind 222"));
    QCOMPARE(cols[SuspectModel::ColSynAck], QStringLiteral("7"));
    QCOMPARE(cols[SuspectModel::ColEvidence], QStringLiteral("7"));
    QVERIFY(cols[SuspectModel::ColDiff].contains(QStringLiteral("=KIND222 f989")));
    QCOMPARE(m.data(m.index(r, 0), SuspectModel::FrameRole).toUInt(), 7u);
    QVERIFY(m.data(m.index(r, 0), Qt::ToolTipRole)
                .toString()
                .startsWith(QStringLiteral("198.51.100.2:443: 1 handshake(s)")));

    // The handshake under it.
    const QModelIndex parent = m.index(r, 0);
    QCOMPARE(m.rowCount(parent), 1);
    const QModelIndex child = m.index(0, 0, parent);
    QCOMPARE(m.parent(child), parent);
    const QStringList pc = columnTexts(&m, child);
    QCOMPARE(pc[SuspectModel::ColAddress], QStringLiteral("192.0.2.10"));
    QCOMPARE(pc[SuspectModel::ColPort], QStringLiteral("40002"));
    QCOMPARE(pc[SuspectModel::ColVerdicts], QStringLiteral("option-echo"));
    QCOMPARE(pc[SuspectModel::ColSyn], QStringLiteral("6"));
    QCOMPARE(pc[SuspectModel::ColSynAck], QStringLiteral("7"));
    QVERIFY2(pc[SuspectModel::ColDiff].contains(QStringLiteral("MSS 1460 -> 1380")),
             qPrintable(pc[SuspectModel::ColDiff]));
    QVERIFY(m.data(child, Qt::ToolTipRole).toString().contains(QStringLiteral("SYN options (frame 6)")));
    QCOMPARE(m.rowCount(child), 0);

    // The unanswered server: its SYN, no SYN+ACK.
    const int silent = findRow(&m, QStringLiteral("198.51.100.4"));
    QVERIFY(silent >= 0);
    const QModelIndex sc = m.index(0, 0, m.index(silent, 0));
    QCOMPARE(m.data(sc.sibling(0, SuspectModel::ColVerdicts)).toString(), QStringLiteral("no-answer"));
    QCOMPARE(m.data(sc, SuspectModel::FrameRole).toUInt(), 10u);  // goes to the SYN
}

void DialogTest::proxySuspectsOnlyAndAll() {
    Capture cap;
    cap.scenario();
    SuspectModel m;
    attach(m, cap);
    m.setSnapshot(cap.snapshot());
    SuspectProxy p;
    p.setSourceModel(&m);
    QCOMPARE(p.rowCount(), 3);  // suspects only by default
    p.setSuspectsOnly(false);
    QCOMPARE(p.rowCount(), 5);
    p.setSuspectsOnly(true);
    QCOMPARE(p.shownServers().size(), size_t(3));
    // Handshakes follow their server.
    const int r = findRow(&p, QStringLiteral("198.51.100.1"));
    QCOMPARE(p.rowCount(p.index(r, 0)), 2);
}

void DialogTest::sorting() {
    Capture cap;
    cap.scenario();
    SuspectModel m;
    attach(m, cap);
    m.setSnapshot(cap.snapshot());
    SuspectProxy p;
    p.setSourceModel(&m);
    p.setSuspectsOnly(false);

    p.sort(SuspectModel::ColEchoes, Qt::DescendingOrder);
    QCOMPARE(p.data(p.index(0, SuspectModel::ColAddress)).toString(), QStringLiteral("198.51.100.1"));  // 2 echoes
    // Ties (one echo each) in ascending address order, whichever the direction.
    QCOMPARE(p.data(p.index(1, SuspectModel::ColAddress)).toString(), QStringLiteral("198.51.100.2"));
    QCOMPARE(p.data(p.index(2, SuspectModel::ColAddress)).toString(), QStringLiteral("2001:db8::1"));
    p.sort(SuspectModel::ColEchoes, Qt::AscendingOrder);
    QCOMPARE(p.data(p.index(0, SuspectModel::ColAddress)).toString(), QStringLiteral("198.51.100.3"));  // 0 echoes
    QCOMPARE(p.data(p.index(1, SuspectModel::ColAddress)).toString(), QStringLiteral("198.51.100.4"));

    // Ports sort as numbers: 25 < 80 < 443 (as text "25" < "443" < "80").
    p.sort(SuspectModel::ColPort, Qt::AscendingOrder);
    QStringList ports;
    for (int r = 0; r < p.rowCount(); ++r) ports << p.data(p.index(r, SuspectModel::ColPort)).toString();
    QCOMPARE(ports.first(), QStringLiteral("25"));
    QCOMPARE(ports.last(), QStringLiteral("443"));

    // Addresses sort by family then bytes: IPv4 first, 198.51.100.1 < .2 < ... < 2001:db8::1.
    p.sort(SuspectModel::ColAddress, Qt::AscendingOrder);
    QStringList addrs;
    for (int r = 0; r < p.rowCount(); ++r) addrs << p.data(p.index(r, SuspectModel::ColAddress)).toString();
    QCOMPARE(addrs, (QStringList{"198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4", "2001:db8::1"}));
    p.sort(SuspectModel::ColAddress, Qt::DescendingOrder);
    QCOMPARE(p.data(p.index(0, SuspectModel::ColAddress)).toString(), QStringLiteral("2001:db8::1"));

    // Frames sort as numbers.
    p.sort(SuspectModel::ColSynAck, Qt::AscendingOrder);
    QCOMPARE(p.data(p.index(0, SuspectModel::ColSynAck)).toString(), QString());  // the silent server: none
    QCOMPARE(p.data(p.index(1, SuspectModel::ColSynAck)).toString(), QStringLiteral("2"));
    QCOMPARE(p.data(p.index(4, SuspectModel::ColSynAck)).toString(), QStringLiteral("12"));
}

void DialogTest::searchText() {
    Capture cap;
    cap.scenario();
    SuspectModel m;
    attach(m, cap);
    m.setSnapshot(cap.snapshot());
    SuspectProxy p;
    p.setSourceModel(&m);

    p.setSearchText(QStringLiteral("kind222"));  // case-insensitive, the Options vs SYN column
    QCOMPARE(p.rowCount(), 1);
    QCOMPARE(p.data(p.index(0, 0)).toString(), QStringLiteral("198.51.100.2"));

    p.setSearchText(QStringLiteral("192.0.2.11"));  // a client: found through the server's handshakes
    QCOMPARE(p.rowCount(), 1);
    QCOMPARE(p.data(p.index(0, 0)).toString(), QStringLiteral("198.51.100.1"));

    p.setSearchText(QStringLiteral("2001:db8"));
    QCOMPARE(p.rowCount(), 1);

    p.setSearchText(QStringLiteral("mptcp-genuine"));  // not a suspect...
    QCOMPARE(p.rowCount(), 0);
    p.setSuspectsOnly(false);  // ...until all servers are shown
    QCOMPARE(p.rowCount(), 1);

    p.setSearchText(QStringLiteral("  "));
    QCOMPARE(p.rowCount(), 5);
}

void DialogTest::csvExport() {
    Capture cap;
    cap.scenario();
    SuspectModel m;
    attach(m, cap);
    m.setSnapshot(cap.snapshot());
    SuspectProxy p;
    p.setSourceModel(&m);
    p.sort(SuspectModel::ColAddress, Qt::AscendingOrder);

    const QStringList lines = tableCsv(&p, false).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 1 + 3);
    // RFC 4180 as the report writes it: a field is quoted only when it must be.
    QCOMPARE(lines[0], QStringLiteral("Address,Port,Handshakes,Echoes,Verdicts,Echoed,Hops,SYN,SYN+ACK,Evidence Frames,"
                                      "Options vs SYN"));
    QVERIFY(lines[1].startsWith(QStringLiteral("198.51.100.1,80,2,2,mptcp-echo 2,")));
    QVERIFY(lines[1].contains(QStringLiteral(",\"2, 5\",")));  // evidence frames, one field
    QVERIFY(lines[1].contains(QStringLiteral(",\"MP_CAPABLE keys 0x0000000000001111,0x099c0e6b50c00000; kind 30\",")));
    QVERIFY(lines[3].startsWith(QStringLiteral("2001:db8::1,80,")));

    const QStringList all = tableCsv(&p, true).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(all.size(), 1 + 3 + 4);  // 3 servers, 4 handshakes
    QVERIFY(all[0].startsWith(QStringLiteral("Row,Address,")));
    QVERIFY(all[1].startsWith(QStringLiteral("server,198.51.100.1,")));
    QVERIFY(all[2].startsWith(QStringLiteral("handshake,192.0.2.10,40000,")));
}

void DialogTest::filterStrings() {
    Capture cap;
    cap.scenario();
    const Snapshot s = cap.snapshot();
    auto server = [&s](const Address& a) {
        for (const ServerRow& r : s.servers)
            if (r.server.address == a) return &r;
        return static_cast<const ServerRow*>(nullptr);
    };
    const ServerRow* echo = server(kEchoV0);
    QCOMPARE(server_filter(*echo),
             std::string(
                 "middlebox.verdict in {\"mptcp-echo\", \"option-echo\", \"flag-echo\"} && ip.src == 198.51.100.1 && "
                 "tcp.srcport == 80"));
    QCOMPARE(server_filter(*server(kEchoV1)),
             std::string(
                 "middlebox.verdict in {\"mptcp-echo\", \"option-echo\", \"flag-echo\"} && ipv6.src == 2001:db8::1 && "
                 "tcp.srcport == 80"));
    QCOMPARE(server_filter(*server(kGenuine)),
             std::string("middlebox.verdict && ((ip.src == 198.51.100.3 && tcp.srcport == 80) || "
                         "(ip.dst == 198.51.100.3 && tcp.dstport == 80))"));
    QCOMPARE(pair_filter(*echo, build_handshake_rows(cap.c, *echo)[1]),
             std::string("ip.addr == 192.0.2.11 && tcp.port == 40001 && ip.addr == 198.51.100.1 && tcp.port == 80"));

    std::vector<const ServerRow*> all;
    for (const ServerRow& r : s.servers) all.push_back(&r);
    QCOMPARE(
        suspects_filter(all, s.suspects()),
        std::string("middlebox.verdict in {\"mptcp-echo\", \"option-echo\", \"flag-echo\"} && tcp.flags.syn == 1 && "
                    "tcp.flags.ack == 1"));
    QCOMPARE(suspects_filter({echo}, s.suspects()),
             std::string(
                 "middlebox.verdict in {\"mptcp-echo\", \"option-echo\", \"flag-echo\"} && ip.src == 198.51.100.1 && "
                 "tcp.srcport == 80"));
    QCOMPARE(suspects_filter({echo, server(kEchoV1), server(kGenuine)}, s.suspects()),
             std::string(
                 "middlebox.verdict in {\"mptcp-echo\", \"option-echo\", \"flag-echo\"} && ((ip.src == 198.51.100.1 && "
                 "tcp.srcport == 80) || (ipv6.src == 2001:db8::1 && tcp.srcport == 80))"));
}

void DialogTest::dialogShowsRows() {
    Capture cap;
    cap.scenario();
    auto* host = new FakeHost(&cap);
    SuspectDialog d(host);
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    QCOMPARE(host->listens, 1);
    QVERIFY(d.windowTitle().contains(QStringLiteral("Suspected Middleboxes")));
    QVERIFY(d.windowTitle().contains(QStringLiteral("synthetic.pcapng")));
    QCOMPARE(d.view()->model()->rowCount(), 3);
    QVERIFY(!d.showingEmptyText());
    // Sorted by echoes, most first; the first row is current.
    QCOMPARE(d.view()->currentIndex().data().toString(), QStringLiteral("198.51.100.1"));
    QVERIFY(d.hintLabel()->text().contains(QStringLiteral("3 suspected middlebox(es) among 5 server(s)")));

    // Clicking a header sorts.
    d.view()->header()->setSortIndicator(SuspectModel::ColAddress, Qt::DescendingOrder);
    QCOMPARE(d.view()->model()->index(0, 0).data().toString(), QStringLiteral("2001:db8::1"));

    // The search box and the check box.
    QTest::keyClicks(d.searchEdit(), QStringLiteral("443"));
    QCOMPARE(d.view()->model()->rowCount(), 1);
    d.searchEdit()->clear();
    d.allServersCheck()->setChecked(true);
    QCOMPARE(d.view()->model()->rowCount(), 5);
}

void DialogTest::dialogDoubleClickGoesToSynAck() {
    Capture cap;
    cap.scenario();
    auto* host = new FakeHost(&cap);
    SuspectDialog d(host);
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    QTreeView* v = d.view();
    const int r = findRow(v->model(), QStringLiteral("198.51.100.2"));
    const QModelIndex idx = v->model()->index(r, SuspectModel::ColVerdicts);
    const QRect rect = v->visualRect(idx);
    QTest::mouseClick(v->viewport(), Qt::LeftButton, {}, rect.center());
    QTest::mouseDClick(v->viewport(), Qt::LeftButton, {}, rect.center());
    QCOMPARE(host->gotos, (std::vector<uint32_t>{7}));  // the SYN+ACK

    // Keyboard: expand the first server, go down to its second handshake, Enter.
    v->setFocus();
    v->setCurrentIndex(v->model()->index(findRow(v->model(), QStringLiteral("198.51.100.1")), 0));
    QTest::keyClick(v, Qt::Key_Right);  // expand
    QTest::keyClick(v, Qt::Key_Down);
    QTest::keyClick(v, Qt::Key_Down);
    QCOMPARE(v->currentIndex().data().toString(), QStringLiteral("192.0.2.11"));
    QTest::keyClick(v, Qt::Key_Return);
    QCOMPARE(host->gotos.back(), 5u);
    QVERIFY(d.isVisible());  // Enter did not close the dialog
}

void DialogTest::dialogFilterButtons() {
    Capture cap;
    cap.scenario();
    auto* host = new FakeHost(&cap);
    SuspectDialog d(host);
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    QTreeView* v = d.view();
    v->setCurrentIndex(v->model()->index(findRow(v->model(), QStringLiteral("2001:db8::1")), 0));
    QTest::mouseClick(d.applyFilterButton(), Qt::LeftButton);
    QCOMPARE(host->filters.size(), size_t(1));
    QCOMPARE(host->filters[0].first,
             QStringLiteral(
                 "middlebox.verdict in {\"mptcp-echo\", \"option-echo\", \"flag-echo\"} && ipv6.src == 2001:db8::1 && "
                 "tcp.srcport == 80"));
    QVERIFY(host->filters[0].second);

    QTest::mouseClick(d.filterAllButton(), Qt::LeftButton);
    QCOMPARE(
        host->filters.back().first,
        QStringLiteral("middlebox.verdict in {\"mptcp-echo\", \"option-echo\", \"flag-echo\"} && tcp.flags.syn == 1 && "
                       "tcp.flags.ack == 1"));
    // With a search that hides some suspects, "all" means the ones listed.
    d.searchEdit()->setText(QStringLiteral("198.51.100.2"));
    QTest::mouseClick(d.filterAllButton(), Qt::LeftButton);
    QCOMPARE(host->filters.back().first,
             QStringLiteral(
                 "middlebox.verdict in {\"mptcp-echo\", \"option-echo\", \"flag-echo\"} && ip.src == 198.51.100.2 && "
                 "tcp.srcport == 443"));
    // Alt+A is the button's mnemonic (the GUI test presses it for real).
    QCOMPARE(d.applyFilterButton()->shortcut(), QKeySequence(Qt::ALT | Qt::Key_A));
    v->setCurrentIndex(v->model()->index(0, 0));
    QTest::mouseClick(d.applyFilterButton(), Qt::LeftButton);
    QCOMPARE(host->filters.size(), size_t(4));
    QCOMPARE(d.selectedFilter(), host->filters.back().first);
}

void DialogTest::dialogSaveCsv() {
    Capture cap;
    cap.scenario();
    SuspectDialog d(new FakeHost(&cap));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("out.csv"));
    QString error;
    QVERIFY2(d.saveCsv(path, false, &error), qPrintable(error));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(f.readAll());
    QCOMPARE(text, d.csv(false));
    QCOMPARE(text.count(QLatin1Char('\n')), 4);
    QVERIFY(!d.saveCsv(dir.filePath(QStringLiteral("missing/out.csv")), false, &error));

    d.copyCsv(true);
    QCOMPARE(QApplication::clipboard()->text(), d.csv(true));
}

void DialogTest::dialogEmptyExplains() {
    // No file.
    {
        SuspectDialog d(new FakeHost(nullptr));
        d.show();
        QVERIFY(d.showingEmptyText());
        QVERIFY(d.emptyLabel()->text().contains(QStringLiteral("No capture file is open")));
        QVERIFY(!d.applyFilterButton()->isEnabled());
        QVERIFY(!d.saveButton()->isEnabled());
    }
    // Handshakes, none echoing: says what was checked and what it looks for.
    Capture cap;
    cap.feed(kClient, 40003, kGenuine, 80, S, 4000, 0, mbtest::mpc_key(0, 0x2222));
    cap.feed(kGenuine, 80, kClient, 40003, SA, 8000, 4001,
             mbtest::cat({mbtest::mss(1380), mbtest::mpc_key(0, 0x3333)}));
    SuspectDialog d(new FakeHost(&cap));
    d.show();
    QVERIFY(d.showingEmptyText());
    const QString text = d.emptyLabel()->text();
    QVERIFY(text.contains(QStringLiteral("No suspected middleboxes")));
    QVERIFY(text.contains(QStringLiteral("1 handshake(s) towards 1 server(s)")));
    QVERIFY(text.contains(QStringLiteral("1 genuine MPTCP")));
    QVERIFY(text.contains(QStringLiteral("mptcp-echo")));
    QVERIFY(text.contains(QStringLiteral("option-echo")));
    QVERIFY(!d.filterAllButton()->isEnabled());
    d.allServersCheck()->setChecked(true);  // the genuine server appears
    QVERIFY(!d.showingEmptyText());
    QCOMPARE(d.view()->model()->rowCount(), 1);
    // A search that matches nothing says so.
    d.searchEdit()->setText(QStringLiteral("nothing like this"));
    QVERIFY(d.showingEmptyText());
    QVERIFY(d.emptyLabel()->text().contains(QStringLiteral("No server matches")));
}

void DialogTest::dialogRefreshesOnChange() {
    Capture first;
    first.feed(kClient, 40002, kKind222, 443, S, 3000, 0, mbtest::cat({mbtest::mss(1460), mbtest::kind222()}));
    auto* host = new FakeHost(&first);
    SuspectDialog d(host);
    d.show();
    QVERIFY(d.showingEmptyText());

    // Live capture: the SYN+ACK arrives, the listener's draw fires.
    first.feed(kKind222, 443, kClient, 40002, SA, 7000, 3001, mbtest::cat({mbtest::mss(1380), mbtest::kind222()}));
    host->changed(&first);
    QTRY_COMPARE(d.view()->model()->rowCount(), 1);
    d.view()->expand(d.view()->model()->index(0, 0));

    // The file is closed: no analysis.
    host->changed(nullptr);
    QTRY_VERIFY(d.showingEmptyText());
    QVERIFY(d.emptyLabel()->text().contains(QStringLiteral("No capture file is open")));

    // Another file is opened: its rows, and the expanded server stays expanded.
    Capture second;
    second.scenario();
    host->changed(&second);
    QTRY_COMPARE(d.view()->model()->rowCount(), 3);
    const int r = findRow(d.view()->model(), QStringLiteral("198.51.100.2"));
    QVERIFY(d.view()->isExpanded(d.view()->model()->index(r, 0)));

    // Refresh asks Wireshark to retap; closing unregisters the listener.
    QTest::mouseClick(d.refreshButton(), Qt::LeftButton);
    QCOMPARE(host->retaps, 1);
    d.close();
}

namespace {
// `n` echoing handshakes (kind 222) from kClient ports 41000.. towards kKind222:443.
void feedEchoes(Capture& cap, int first, int n) {
    for (int i = first; i < first + n; ++i) {
        const uint16_t port = static_cast<uint16_t>(41000 + i);
        const uint32_t seq = 100000u + 1000u * static_cast<uint32_t>(i);
        cap.feed(kClient, port, kKind222, 443, S, seq, 0, mbtest::cat({mbtest::mss(1460), mbtest::kind222()}));
        cap.feed(kKind222, 443, kClient, port, SA, seq + 500000u, seq + 1,
                 mbtest::cat({mbtest::mss(1380), mbtest::kind222()}), 111);
    }
}
}  // namespace

void DialogTest::lazyChildren() {
    Capture cap;
    cap.scenario();
    feedEchoes(cap, 0, 6);  // kKind222:443 now has 7 handshakes
    Source src{&cap};
    SuspectModel m;
    m.setPairSource(src.get());
    m.setSnapshot(cap.snapshot());
    const int r = findRow(&m, QStringLiteral("198.51.100.2"));
    QVERIFY(r >= 0);
    const QModelIndex parent = m.index(r, 0);
    // The server row alone: its columns, its count of children, no HandshakeRow.
    QCOMPARE(m.data(parent.sibling(r, SuspectModel::ColHandshakes)).toString(), QStringLiteral("7"));
    QVERIFY(m.data(parent.sibling(r, SuspectModel::ColDiff)).toString().contains(QStringLiteral("=KIND222 f989")));
    QCOMPARE(m.rowCount(parent), 7);
    QVERIFY(m.hasChildren(parent));
    QVERIFY(m.canFetchMore(parent));
    QCOMPARE(src.pair_calls, 0);
    QCOMPARE(m.pairsBuilt(), size_t(0));

    // A sorted proxy and a view over it draw the expand arrows without
    // building children either.
    SuspectProxy p;
    p.setSourceModel(&m);
    p.sort(SuspectModel::ColEchoes, Qt::DescendingOrder);
    QTreeView v;
    v.setModel(&p);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    for (int i = 0; i < p.rowCount(); ++i) QVERIFY(p.hasChildren(p.index(i, 0)));
    QCOMPARE(src.pair_calls, 0);
    QCOMPARE(m.pairsBuilt(), size_t(0));
    // A search through the handshakes builds them for the test only.
    p.setSearchText(QStringLiteral("41004"));
    QCOMPARE(p.rowCount(), 1);
    QCOMPARE(m.serversWithChildren(), size_t(0));
    QCOMPARE(m.pairsBuilt(), size_t(0));
    p.setSearchText(QString());
    const int calls = src.pair_calls;  // the search's

    // Expanding it builds its 7 rows, and only those.
    const int pr = findRow(&p, QStringLiteral("198.51.100.2"));
    v.expand(p.index(pr, 0));
    QTRY_COMPARE(m.pairsBuilt(), size_t(7));
    QCOMPARE(src.pair_calls, calls + 1);
    QVERIFY(m.childrenBuilt(r));
    QCOMPARE(m.serversWithChildren(), size_t(1));
    QVERIFY(!m.canFetchMore(parent));
    QCOMPARE(p.rowCount(p.index(pr, 0)), 7);
    // The right ones, in frame order: the scenario's client port, then 41000..41005.
    QStringList ports;
    for (int h = 0; h < m.rowCount(parent); ++h) ports << m.data(m.index(h, SuspectModel::ColPort, parent)).toString();
    QCOMPARE(ports, (QStringList{"40002", "41000", "41001", "41002", "41003", "41004", "41005"}));
    const QModelIndex last = m.index(6, 0, parent);
    QCOMPARE(m.pair(last)->syn_frame, cap.frame - 1);
    QCOMPARE(m.pair(last)->answer_frame, cap.frame);
    QVERIFY(m.data(last.sibling(6, SuspectModel::ColDiff)).toString().contains(QStringLiteral("MSS 1460 -> 1380")));
    QCOMPARE(src.pair_calls, calls + 1);  // built once

    // Data of another server's child builds that server's only.
    const int e = findRow(&m, QStringLiteral("198.51.100.1"));
    QCOMPARE(m.data(m.index(1, SuspectModel::ColAddress, m.index(e, 0))).toString(), QStringLiteral("192.0.2.11"));
    QCOMPARE(m.serversWithChildren(), size_t(2));
    QCOMPARE(m.pairsBuilt(), size_t(9));

    // A new snapshot with the same servers: updated in place (no reset),
    // built children built again (the two servers'), the others still not.
    QSignalSpy resets(&m, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
    feedEchoes(cap, 6, 1);
    QVERIFY(!m.setSnapshot(cap.snapshot()));
    QCOMPARE(resets.count(), 0);
    QCOMPARE(inserted.count(), 1);  // the 8th handshake under kKind222
    QCOMPARE(m.rowCount(parent), 8);
    QCOMPARE(m.data(m.index(7, SuspectModel::ColPort, parent)).toString(), QStringLiteral("41006"));
    QCOMPARE(m.serversWithChildren(), size_t(2));
    QCOMPARE(src.pair_calls, calls + 4);  // once more each, the two built servers
    // A new server: a reset, nothing built.
    cap.feed(kClient, 40100, v4(198, 51, 100, 9), 80, S, 1, 0, mbtest::mss(1460));
    QVERIFY(m.setSnapshot(cap.snapshot()));
    QCOMPARE(m.serversWithChildren(), size_t(0));
    QCOMPARE(m.pairsBuilt(), size_t(0));
}

void DialogTest::dialogLazyAndIncremental() {
    Capture cap;
    cap.scenario();
    feedEchoes(cap, 0, 9);  // kKind222:443: 10 handshakes
    auto* host = new FakeHost(&cap);
    SuspectDialog d(host);
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    QTreeView* v = d.view();
    QCOMPARE(v->model()->rowCount(), 3);
    // Shown, sorted, a row selected: no HandshakeRow built.
    QCOMPARE(host->pair_calls, 0);
    QCOMPARE(host->pairs_built, size_t(0));
    QCOMPARE(d.model()->pairsBuilt(), size_t(0));

    // Expanded: its 10 handshakes, no other server's.
    const QModelIndex server = v->model()->index(findRow(v->model(), QStringLiteral("198.51.100.2")), 0);
    QVERIFY(server.isValid());
    v->expand(server);
    QTRY_COMPARE(host->pairs_built, size_t(10));
    QCOMPARE(host->pair_calls, 1);
    QCOMPARE(v->model()->rowCount(server), 10);
    const QModelIndex fourth = v->model()->index(3, 0, server);
    QCOMPARE(fourth.sibling(3, SuspectModel::ColPort).data().toString(), QStringLiteral("41002"));
    v->setCurrentIndex(fourth);
    QCOMPARE(
        d.selectedFilter(),
        QStringLiteral("ip.addr == 192.0.2.10 && tcp.port == 41002 && ip.addr == 198.51.100.2 && tcp.port == 443"));

    // Live: one more handshake to it. In place: still expanded, the same
    // handshake selected, only the expanded server's rows built again.
    QSignalSpy resets(d.model(), &QAbstractItemModel::modelReset);
    feedEchoes(cap, 9, 1);
    host->changed(&cap);
    QTRY_COMPARE(v->model()->rowCount(server), 11);
    QCOMPARE(resets.count(), 0);
    QVERIFY(v->isExpanded(server));
    QCOMPARE(v->currentIndex().sibling(v->currentIndex().row(), SuspectModel::ColPort).data().toString(),
             QStringLiteral("41002"));
    QTRY_COMPARE(host->pairs_built, size_t(21));
    QCOMPARE(host->pair_calls, 2);
    QCOMPARE(d.model()->serversWithChildren(), size_t(1));

    // A new suspect: a reset; expanded row and selected handshake restored.
    cap.feed(kClient, 40200, v4(198, 51, 100, 9), 80, S, 1, 0, mbtest::cat({mbtest::mss(1460), mbtest::kind222()}));
    cap.feed(v4(198, 51, 100, 9), 80, kClient, 40200, SA, 9, 2, mbtest::cat({mbtest::mss(1380), mbtest::kind222()}),
             50);
    host->changed(&cap);
    QTRY_COMPARE(v->model()->rowCount(), 4);
    QCOMPARE(resets.count(), 1);
    const QModelIndex again = v->model()->index(findRow(v->model(), QStringLiteral("198.51.100.2")), 0);
    QVERIFY(v->isExpanded(again));
    QCOMPARE(v->currentIndex().parent(), again);
    QCOMPARE(v->currentIndex().sibling(v->currentIndex().row(), SuspectModel::ColPort).data().toString(),
             QStringLiteral("41002"));
    QCOMPARE(d.model()->serversWithChildren(), size_t(1));
}

void DialogTest::dialogBuildsOtherServersOnce() {
    Capture cap;
    cap.scenario();
    auto* host = new FakeHost(&cap);
    SuspectDialog d(host);
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    // The suspects' rows only; the hint counts every server.
    QCOMPARE(host->all_servers_asked, std::vector<bool>{false});
    QCOMPARE(d.model()->rowCount(), 3);
    QCOMPARE(d.view()->model()->rowCount(), 3);
    QVERIFY(d.hintLabel()->text().contains(QStringLiteral("3 suspected middlebox(es) among 5 server(s)")));
    d.view()->expand(d.view()->model()->index(findRow(d.view()->model(), QStringLiteral("198.51.100.2")), 0));

    // Ticked: the other servers' rows are built, the expanded row stays so.
    d.allServersCheck()->setChecked(true);
    QCOMPARE(host->all_servers_asked, (std::vector<bool>{false, true}));
    QCOMPARE(d.model()->rowCount(), 5);
    QCOMPARE(d.view()->model()->rowCount(), 5);
    QVERIFY(
        d.view()->isExpanded(d.view()->model()->index(findRow(d.view()->model(), QStringLiteral("198.51.100.2")), 0)));
    const int genuine = findRow(d.view()->model(), QStringLiteral("198.51.100.3"));
    QVERIFY(genuine >= 0);
    QCOMPARE(d.view()->model()->index(genuine, SuspectModel::ColVerdicts).data().toString(),
             QStringLiteral("mptcp-genuine 1"));

    // Unticked, then a refresh: hidden, but built once and kept.
    d.allServersCheck()->setChecked(false);
    QCOMPARE(d.view()->model()->rowCount(), 3);
    host->changed(&cap);
    QTRY_COMPARE(host->all_servers_asked.size(), size_t(3));
    QVERIFY(host->all_servers_asked.back());
    QCOMPARE(d.model()->rowCount(), 5);
    d.allServersCheck()->setChecked(true);
    QCOMPARE(host->all_servers_asked.size(), size_t(3));  // no new snapshot
    QCOMPARE(d.view()->model()->rowCount(), 5);
}

QTEST_MAIN(DialogTest)
#include "test_dialog.moc"
