// QTest of the Path view: the sweeps of -z middlebox,path for one
// server, built from a real Correlator fed synthetic segments, shown as
// rows; activating a row goes to its frame. Offscreen.
#include <QApplication>
#include <QTreeWidget>
#include <QtTest>

#include <vector>

#include "../unit/Builders.h"
#include "PathView.h"
#include "SuspectDialog.h"
#include "middlebox/Correlator.h"
#include "middlebox/Registry.h"

using namespace middlebox;
using namespace middlebox_qt;
using mbtest::Bytes;

namespace {

const mbtest::Host kClient{192, 0, 2, 10};
const mbtest::Host kServer{198, 51, 100, 7};

// The dialog's row of a server listening on port 80.
ServerRow row_of(const mbtest::Host& h) {
    ServerRow row;
    row.server = {mbtest::seg(0, h, 80, h, 1, 0, 0, 0, Bytes()).tuple.src, 80};
    return row;
}

// A host with an analysis and nothing else: what show_path_view() asks.
class PathHost : public Host {
public:
    PathHost(const Correlator& c, const Registry& r) : c_(c), r_(r) {}
    bool snapshot(Snapshot*, bool) override { return false; }
    bool pairs(const ServerRow&, std::vector<middlebox_qt::HandshakeRow>*) override { return false; }
    bool targetDiff(const ServerRow&, std::string*) override { return false; }
    bool path(const ServerRow& server, std::vector<PathSweep>* out) override {
        out->clear();
        for (PathSweep& s : path_sweeps(c_, r_))
            if (s.server == server.server) out->push_back(std::move(s));
        return true;
    }
    uint64_t generation() override { return 0; }
    FileInfo fileInfo() override { return FileInfo{}; }
    void gotoFrame(uint32_t frame) override { frames.push_back(frame); }
    void setDisplayFilter(const QString&, bool) override {}
    bool listen(std::function<void()>, QString*) override { return true; }
    void unlisten() override {}
    bool retap() override { return false; }
    std::vector<uint32_t> frames;

private:
    const Correlator& c_;
    const Registry& r_;
};

}  // namespace

class PathViewTest : public QObject {
    Q_OBJECT

    Correlator c{100};
    Registry seen;
    Bytes sent = mbtest::cat({mbtest::mss(1460), mbtest::mpc_key(0, 42)});
    Bytes clamped = mbtest::cat({mbtest::mss(1360), mbtest::mpc_key(0, 42)});
    Bytes answer = mbtest::mss(1400);

private Q_SLOTS:
    void initTestCase() {
        // Hop 1 quoted as sent, hop 2 with the MSS clamped, hop 3 answered;
        // the SYN+ACK seen again one hop on (a merged capture).
        uint32_t frame = 0;
        for (uint8_t ttl = 1; ttl <= 3; ++ttl) {
            const uint16_t sport = static_cast<uint16_t>(40000 + ttl);
            ++frame;
            const FrameRecord* r =
                c.observe(mbtest::seg(frame, kClient, sport, kServer, 80, kSyn, 1000u * ttl, 0, sent, ttl));
            seen.add(r->handshake, frame);
            if (ttl < 3) {
                const uint8_t router[4] = {203, 0, 113, ttl};
                ++frame;
                const Segment q = mbtest::seg(frame, kClient, sport, kServer, 80, kSyn, 1000u * ttl, 0,
                                              ttl == 1 ? sent : clamped, ttl);
                seen.add(c.observe_quote(frame, q, true, Address::v4(router))->handshake, frame);
            } else {
                for (uint8_t copy_ttl : {60, 59}) {
                    ++frame;
                    const FrameRecord* a = c.observe(mbtest::seg(frame, kServer, 80, kClient, sport, kSyn | kAck, 9,
                                                                 1000u * ttl + 1, answer, copy_ttl));
                    seen.add(a->handshake, frame);
                }
            }
        }
    }

    void rowsFollowThePathReport() {
        PathHost host(c, seen);
        std::vector<PathSweep> sweeps;
        QVERIFY(host.path(row_of(kServer), &sweeps));
        QCOMPARE(sweeps.size(), size_t{1});
        PathView view(QStringLiteral("198.51.100.7:80"), sweeps, [&host](uint32_t f) { host.gotoFrame(f); });
        QTreeWidget* tree = view.tree();
        QCOMPARE(tree->topLevelItemCount(), 1);
        QTreeWidgetItem* top = tree->topLevelItem(0);
        QCOMPARE(top->text(PathView::WhatColumn),
                 QStringLiteral("192.0.2.10 -> 198.51.100.7:80, probe MSS,MP_CAPABLE, 3 probes"));
        // Three probes, then where the MSS clamp first shows.
        QCOMPARE(top->childCount(), 4);
        QTreeWidgetItem* hop2 = top->child(1);
        QCOMPARE(hop2->text(PathView::HopColumn), QStringLiteral("2"));
        QCOMPARE(hop2->child(0)->text(PathView::WhatColumn),
                 QStringLiteral("ICMP 4 from 203.0.113.2: *~MSS 1460 -> 1360"));
        QTreeWidgetItem* hop3 = top->child(2);
        QCOMPARE(hop3->childCount(), 2);
        QCOMPARE(hop3->child(0)->text(PathView::WhatColumn), QStringLiteral("SYN+ACK 6: mptcp-absent, 4 hops away"));
        QCOMPARE(hop3->child(1)->text(PathView::WhatColumn),
                 QStringLiteral("copy of SYN+ACK 6 in frame 7, 1 hop on: ="));
        QCOMPARE(top->child(3)->text(PathView::WhatColumn),
                 QStringLiteral("first seen: ~MSS 1460 -> 1360 at hop 2 (203.0.113.2, frame 4)"));

        // Go to frame: the quote's, the copy's; the sweep's own row has none.
        Q_EMIT tree->itemActivated(hop2->child(0), PathView::WhatColumn);
        Q_EMIT tree->itemActivated(hop3->child(1), PathView::WhatColumn);
        Q_EMIT tree->itemActivated(top, PathView::WhatColumn);
        QCOMPARE(host.frames, (std::vector<uint32_t>{4, 7}));
    }

    void anotherServerHasNoSweep() {
        PathHost host(c, seen);
        std::vector<PathSweep> sweeps;
        QVERIFY(host.path(row_of(kClient), &sweeps));
        QVERIFY(sweeps.empty());
    }

    void openedFromTheHost() {
        PathHost host(c, seen);
        QWidget parent;
        QVERIFY(show_path_view(&host, row_of(kServer), &parent));
        auto views = parent.findChildren<PathView*>();
        QCOMPARE(views.size(), 1);
        QCOMPARE(views[0]->windowTitle(), QStringLiteral("Path to 198.51.100.7:80"));
        QCOMPARE(views[0]->tree()->topLevelItemCount(), 1);
    }
};

QTEST_MAIN(PathViewTest)
#include "test_path_view.moc"
