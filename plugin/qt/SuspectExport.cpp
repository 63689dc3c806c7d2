// The table as CSV: copied to the clipboard or saved to a file.
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QSaveFile>

#include "SuspectDialog.h"
#include "SuspectModel.h"
#include "middlebox/Describe.h"

namespace middlebox_qt {

QString tableCsv(const QAbstractItemModel* model, bool with_handshakes) {
    QStringList lines;
    auto line = [](const QStringList& fields) {
        QStringList quoted;
        for (const QString& f : fields) quoted << QString::fromStdString(middlebox::csv_field(f.toStdString()));
        return quoted.join(QLatin1Char(','));
    };
    QStringList header;
    if (with_handshakes) header << QStringLiteral("Row");
    for (int c = 0; c < SuspectModel::ColumnCount; ++c) header << SuspectModel::columnTitle(c);
    lines << line(header);
    auto rowFields = [model](const QModelIndex& first) {
        QStringList fields;
        for (int c = 0; c < SuspectModel::ColumnCount; ++c)
            fields << model->data(first.sibling(first.row(), c), Qt::DisplayRole).toString();
        return fields;
    };
    for (int r = 0; r < model->rowCount(); ++r) {
        const QModelIndex si = model->index(r, 0);
        QStringList fields = rowFields(si);
        if (with_handshakes) fields.prepend(QStringLiteral("server"));
        lines << line(fields);
        if (!with_handshakes) continue;
        for (int h = 0; h < model->rowCount(si); ++h) {
            QStringList pf = rowFields(model->index(h, 0, si));
            pf.prepend(QStringLiteral("handshake"));
            lines << line(pf);
        }
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

QString SuspectDialog::csv(bool with_handshakes) const { return tableCsv(proxy_, with_handshakes); }

void SuspectDialog::copyCsv(bool with_handshakes) {
    QApplication::clipboard()->setText(csv(with_handshakes));
    log(QStringLiteral("copied %1 rows").arg(proxy_->rowCount()));
}

bool SuspectDialog::saveCsv(const QString& path, bool with_handshakes, QString* error) const {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Text)) {
        if (error) *error = f.errorString();
        return false;
    }
    f.write(csv(with_handshakes).toUtf8());
    if (!f.commit()) {
        if (error) *error = f.errorString();
        return false;
    }
    return true;
}

void SuspectDialog::saveAs() {
    const FileInfo info = host_->fileInfo();
    QString base = QFileInfo(info.path).completeBaseName();
    if (base.isEmpty()) base = QStringLiteral("capture");
    const QString dir = info.path.isEmpty() ? QDir::homePath() : QFileInfo(info.path).absolutePath();
    QString selected;
    const QString csv_only = tr("Comma-separated values (*.csv)");
    const QString csv_all = tr("CSV with handshakes (*.csv)");
    const QString path = QFileDialog::getSaveFileName(this, wiresharkTitle(tr("Save Suspected Middleboxes As…")),
                                                      QDir(dir).filePath(base + QStringLiteral("-middleboxes.csv")),
                                                      csv_only + QStringLiteral(";;") + csv_all, &selected);
    if (path.isEmpty()) return;
    QString error;
    if (!saveCsv(path, selected == csv_all, &error))
        QMessageBox::warning(this, tr("Save Suspected Middleboxes"), tr("Could not save %1: %2").arg(path, error));
    else
        log(QStringLiteral("saved %1").arg(path));
}

}  // namespace middlebox_qt
