// The notes under every form: what the numbers leave out or cannot vouch for.
#include "middlebox/Describe.h"
#include "middlebox/ReportFormat.h"

namespace middlebox {

std::vector<std::string> report_notes(const Totals& t, const ReportRequest& r) {
    std::vector<std::string> notes;
    const std::string filter = r.has_filter ? "the report filter \"" + r.filter + "\"" : std::string();
    if (t.kernel_drops > 0) {
        notes.push_back("WARNING: the live capture lost " + plural(t.kernel_drops, "frame", "frames") +
                        " in the kernel before the analysis saw them: a lost SYN+ACK turns an echo into no-answer, so "
                        "these counts are not reliable. Give the capture a larger buffer (-B) or capture to a file "
                        "first.");
    }
    if (t.unreliable()) {
        std::string why;
        if (t.out_of_order_frames > 0)
            why = plural(t.out_of_order_frames, "frame", "frames") + " seen out of order in the first pass";
        if (t.inconsistent_events > 0)
            why += (why.empty() ? "" : ", ") + plural(t.inconsistent_events, "frame", "frames") +
                   " not matching the handshake recorded under their number";
        notes.push_back("WARNING: the frames handed to the report are not the frames the analysis numbered (" + why +
                        "). tshark -2 -R renumbers the frames that pass the read filter after the analysis has "
                        "seen every frame, so these counts cannot be trusted: filter in the report instead "
                        "(-z middlebox,FORM,FILTER).");
    }
    if (t.read_filtered_frames > 0) {
        notes.push_back(
            "Read filter (tshark -2 -R): " + plural(t.read_filtered_frames, "handshake frame", "handshake frames") +
            " (SYN, SYN+ACK or RST) paired by the analysis are not in the output; the verdicts use "
            "them, the frame links to them are left empty.");
    }
    if (t.hidden_handshakes > 0) {
        notes.push_back(
            plural(t.hidden_handshakes, "handshake", "handshakes") + " found by the analysis had no frame " +
            (r.has_filter ? "matching " + filter : std::string("handed to the report (a read filter dropped them)")) +
            ": left out of the rows and totals.");
    }
    if (t.hidden_frames > 0) {
        notes.push_back(plural(t.hidden_frames, "frame", "frames") +
                        " (SYN, SYN+ACK, RST or a copy) of the handshakes counted " +
                        (r.has_filter ? "did not match " + filter
                                      : std::string("were not handed to the report (a read filter dropped them)")) +
                        ": those handshakes are counted whole, with the verdict the analysis gave them from all "
                        "their frames.");
    }
    if (r.has_filter && r.filter.find("middlebox") != std::string::npos) {
        notes.push_back(
            "The filter tests middlebox fields: in a single pass a SYN carries no verdict yet (it is "
            "decided by a later frame), so SYNs match such a filter only with tshark -2.");
    }
    if (t.evictions > 0) {
        notes.push_back(plural(t.evictions, "pending SYN was", "pending SYNs were") +
                        " dropped at the cap (preference middlebox.max_pending): such a SYN ends no-answer and a "
                        "SYN+ACK answering it no-syn.");
    }
    const uint32_t no_syn = t.verdicts[static_cast<int>(Verdict::NoSyn)];
    if (t.expired > 0 && no_syn > 0) {
        notes.push_back(plural(t.expired, "unanswered handshake", "unanswered handshakes") +
                        " ended their pending state before the end of the input (more than --max-pending handshakes "
                        "after them, or --syn-timeout): an answer after that is no-syn, as " +
                        plural(no_syn, "SYN+ACK", "SYN+ACKs") + " here may be.");
    }
    if (t.against_probe > 0) {
        notes.push_back(plural(t.against_probe, "SYN+ACK", "SYN+ACKs") +
                        " had no SYN in the capture and were compared against the probe template " + t.probe +
                        " instead: their verdicts assume the probe carried exactly those options.");
    }
    if (r.scope != ReportScope::All) notes.push_back(scope_note(r.scope, r.form == ReportForm::Pairs));
    notes.insert(notes.end(), r.input_notes.begin(), r.input_notes.end());
    return notes;
}

}  // namespace middlebox
