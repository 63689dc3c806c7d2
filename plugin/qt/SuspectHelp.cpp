// The dialog's help: what it looks for (also its empty view's text) and
// how to read and use it.
#include <QMessageBox>

#include "SuspectDialog.h"

namespace middlebox_qt {

QString whatItLooksFor() {
    return SuspectDialog::tr(
        "<p>This dialog lists the servers whose SYN+ACK repeats what the client put in its SYN: a sign that a "
        "middlebox answered the handshake, not the server. It looks for</p>"
        "<ul>"
        "<li><b>mptcp-echo</b>: an MP_CAPABLE that carries the client's own key (MPTCP v0) or the keyless form only a "
        "SYN may use (v1), or an MP_JOIN returned byte for byte;</li>"
        "<li><b>option-echo</b>: an option no genuine server copies (an unknown or experimental kind such as 222, "
        "253 or 254, MD5, TCP-AO) returned byte for byte, or the SYN's timestamp value returned as the "
        "SYN+ACK's;</li>"
        "<li><b>flag-echo</b>: the SYN's ECN-setup flags (ECE and CWR, and AE for AccECN) returned as they were, "
        "which RFC 3168 and RFC 9768 make no correct answer.</li>"
        "</ul>"
        "<p>Options two honest stacks may share (MSS, window scale, SACK permitted, ...) never count. A handshake "
        "counts only when both its SYN and its SYN+ACK are in the capture, with their options readable.</p>");
}

void SuspectDialog::showHelp() {
    QMessageBox box(this);
    box.setWindowTitle(wiresharkTitle(tr("Suspected Middleboxes Help")));
    box.setIcon(QMessageBox::Information);
    box.setTextFormat(Qt::RichText);
    QString text = whatItLooksFor();
    text +=
        tr("<p>Each row is a server endpoint (the SYNs' destination address and port); expand it to see each "
           "handshake with its verdict and its SYN+ACK's options set against the SYN's "
           "(<tt>+</tt>added, <tt>-</tt>removed, <tt>~</tt>changed, <tt>=</tt>returned unchanged). "
           "Hops are estimated from the SYN+ACK's TTL; <tt>*</tt> marks a SYN+ACK that came from another distance "
           "than the server's data: a box, such as a SYN proxy, may have answered for the server.</p>"
           "<p><b>Go to Packet</b> (Enter, double-click) selects the SYN+ACK. <b>Apply as Filter</b> shows the "
           "selected server's echoing SYN+ACKs, or the selected handshake's connection; <b>Filter All Suspects</b> "
           "the echoing SYN+ACKs of every server listed. The same analysis is in the packet details under "
           "<i>Middlebox</i> and in the <tt>middlebox.verdict</tt> field.</p>");
    if (!host_->pluginVersion().isEmpty()) text += tr("<p>Middlebox plugin %1.</p>").arg(host_->pluginVersion());
    box.setText(text);
    box.exec();
}

}  // namespace middlebox_qt
