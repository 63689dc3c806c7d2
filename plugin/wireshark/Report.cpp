// The -z middlebox report and the "Middlebox Verdicts" stat-tap table.
//
// The report keeps only which handshakes (and frames) reached its listener;
// every number is read from the correlator's final records when tshark draws
// the report at the end, so one pass and two passes give the same counts.
// The stat-tap table has no end-of-read hook (Wireshark draws what the table
// holds), so it keeps a RunningTally that converges to the same totals.
#include "Report.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <streambuf>
#include <string>
#include <type_traits>

#include <epan/epan_dissect.h>
#include <epan/packet.h>
#include <epan/stat_tap_ui.h>
#include <epan/tap.h>

#include "Analysis.h"
#include "TapEvent.h"
#include "middlebox/Registry.h"
#include "middlebox/ReportFormat.h"
#include "middlebox/RunningTally.h"

namespace middlebox_ws {

using namespace middlebox;

namespace {

// ---- -z middlebox ---------------------------------------------------------

// Writes to a stdio stream (what tshark itself prints with), in chunks.
class StdioBuf : public std::streambuf {
public:
    explicit StdioBuf(FILE* f) : f_(f) {}

protected:
    int_type overflow(int_type c) override {
        if (c == traits_type::eof()) return traits_type::not_eof(c);
        const char ch = traits_type::to_char_type(c);
        return std::fwrite(&ch, 1, 1, f_) == 1 ? c : traits_type::eof();
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        return static_cast<std::streamsize>(std::fwrite(s, 1, static_cast<size_t>(n), f_));
    }

private:
    FILE* f_;
};

struct ReportListener {
    ReportRequest request;
    Registry registry;
    const Correlator* source = nullptr;  // the analysis the events came from
};

[[noreturn]] void fail(const char* opt_arg, const std::string& message) {
    const char* prog = g_get_prgname();
    std::fflush(stdout);
    std::fprintf(stderr, "%s: -z %s: %s\n%s", prog != nullptr ? prog : "tshark", opt_arg, message.c_str(),
                 report_usage().c_str());
    std::fflush(stderr);
    // tshark 4.0 ignores what a -z init callback returns; its own reports
    // (-z expert, -z io,stat) end the process on a bad argument too.
    std::exit(1);
}

void report_reset(void* tapdata) {
    auto* l = static_cast<ReportListener*>(tapdata);
    l->registry.clear();
    l->source = nullptr;
}

tap_packet_status report_packet(void* tapdata, packet_info* pinfo, epan_dissect_t*, const void* data, tap_flags_t) {
    auto* l = static_cast<ReportListener*>(tapdata);
    const auto* ev = static_cast<const TapEvent*>(data);
    if (ev == nullptr || ev->correlator == nullptr) return TAP_PACKET_DONT_REDRAW;
    if (ev->correlator != l->source) {  // another file: start over
        l->registry.clear();
        l->source = ev->correlator;
    }
    // Check that the frame is the one the analysis recorded under this
    // number (tshark -2 -R renumbers frames after the analysis saw them).
    // The event's role was read from this very frame's flags by the
    // post-dissector, so only its endpoints are compared.
    if (!ev->correlator->fits(ev->handshake, ev->role, ev->tuple, -1)) l->registry.note_inconsistent_event();
    l->registry.add(ev->handshake, pinfo->num);
    return TAP_PACKET_REDRAW;
}

void report_draw(void* tapdata) {
    auto* l = static_cast<ReportListener*>(tapdata);
    static const Correlator empty(1);
    const Correlator* live = correlator();
    // Events from an analysis that is gone (or none at all) count for nothing.
    if (l->source != nullptr && l->source != live) {
        l->registry.clear();
        l->source = nullptr;
    }
    const Correlator& c = live != nullptr ? *live : empty;

    StdioBuf buf(stdout);
    std::ostream out(&buf);
    write_report(out, c, l->registry, l->request);
    std::fflush(stdout);
}

// remove_tap_listener() calls this itself (Wireshark 4.0): the only delete.
void report_finish(void* tapdata) { delete static_cast<ReportListener*>(tapdata); }

// A -z callback returns nothing up to Wireshark 4.4 and whether it took the
// argument from 4.6 on; the type says which, with no version test.
using InitResult = std::invoke_result_t<stat_tap_init_cb, const char*, void*>;
template <typename R>
R argument_taken() {
    if constexpr (!std::is_void_v<R>) return true;
}

InitResult report_init(const char* opt_arg, void*) {
    ReportRequest request;
    std::string error;
    if (!parse_report_request(opt_arg, &request, &error)) fail(opt_arg, error);

    auto* l = new ReportListener{request, Registry{}, nullptr};
    // No protocol tree needed: the post-dissector reads the frame's bytes.
    GString* err = register_tap_listener(kTapName, l, request.has_filter ? request.filter.c_str() : nullptr,
                                         TL_REQUIRES_NOTHING, report_reset, report_packet, report_draw, report_finish);
    if (err != nullptr) {
        std::string message = request.form_given
                                  ? "invalid filter \"" + request.filter + "\": " + err->str
                                  : "\"" + request.filter + "\" is neither a report form (" + report_form_names(", ") +
                                        ") nor a valid display filter: " + err->str;
        g_string_free(err, TRUE);
        // The listener was not registered; it is not freed here because the
        // process ends.
        fail(opt_arg, message);
    }
    return argument_taken<InitResult>();
}

tap_param report_params[] = {
    {PARAM_FILTER, "filter", "Filter", nullptr, TRUE},
};

stat_tap_ui report_ui = {
    REGISTER_PACKET_STAT_GROUP_UNSORTED, "Middlebox report", kReportCli, report_init,
    G_N_ELEMENTS(report_params),         report_params,
};

// ---- stat-tap table: Statistics > Middlebox Verdicts ----------------------

RunningTally tally;

enum TableColumn { kItemColumn, kCountColumn };

stat_tap_table_item table_fields[] = {
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Item", "%-66s"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Count", "%u"},
};

constexpr const char* kVerdictTable = "Handshakes by verdict";
constexpr const char* kTotalsTable = "Totals";

// Rows of the totals table, with where each number comes from.
struct TotalsRow {
    const char* label;
    uint32_t RunningTally::Counts::*count;
};
// The GUI sorts the rows by label: each label names its whole subject.
const TotalsRow totals_rows[] = {
    {"Servers (address, port)", &RunningTally::Counts::servers},
    {"Servers suspected of echoing (mptcp-echo, option-echo or flag-echo)", &RunningTally::Counts::suspect_servers},
    {"Handshakes", &RunningTally::Counts::handshakes},
    {"Handshakes answered by a SYN+ACK", &RunningTally::Counts::synacks},
    {"SYN+ACKs with MP_CAPABLE", &RunningTally::Counts::synacks_with_mp_capable},
    {"SYN+ACKs with MP_CAPABLE: genuine (the server's own key)", &RunningTally::Counts::mp_capable_genuine},
    {"SYN+ACKs with MP_CAPABLE: echoes (the SYN's key or keyless form)", &RunningTally::Counts::mp_capable_echoed},
    {"SYN+ACKs with an unknown option kind", &RunningTally::Counts::synacks_with_unknown_option},
    {"SYN+ACKs with an unknown option kind: echoed from the SYN", &RunningTally::Counts::unknown_option_echoed},
};

void set_count(stat_tap_table* table, guint row, guint value) {
    stat_tap_table_item_type* item = stat_tap_get_field_data(table, row, kCountColumn);
    item->value.uint_value = value;
    stat_tap_set_field_data(table, row, kCountColumn, item);
}

void fill_tables(stat_tap_table_ui* ui) {
    const RunningTally::Counts& n = tally.counts();
    if (stat_tap_table* t = stat_tap_find_table(ui, kVerdictTable))
        for (int v = 1; v < kVerdictCount; ++v) set_count(t, static_cast<guint>(v - 1), n.verdicts[v]);
    if (stat_tap_table* t = stat_tap_find_table(ui, kTotalsTable))
        for (guint i = 0; i < G_N_ELEMENTS(totals_rows); ++i) set_count(t, i, n.*(totals_rows[i].count));
}

void add_rows(stat_tap_table* table, const char* const* labels, guint count) {
    for (guint i = 0; i < count; ++i) {
        stat_tap_table_item_type items[G_N_ELEMENTS(table_fields)] = {};
        items[kItemColumn].type = TABLE_ITEM_STRING;
        items[kItemColumn].value.string_value = labels[i];  // static strings: nothing to free
        items[kCountColumn].type = TABLE_ITEM_UINT;
        stat_tap_init_table_row(table, i, G_N_ELEMENTS(table_fields), items);
    }
}

void table_reset(stat_tap_table* table) {
    tally.clear();
    for (guint i = 0; i < table->num_elements; ++i) set_count(table, i, 0);
}

void table_init(stat_tap_table_ui* ui) {
    // New tables (or a new dialog): the tally restarts with them; the events
    // of the (re)tap that follows fill it again.
    tally.clear();
    if (stat_tap_table* t = stat_tap_find_table(ui, kVerdictTable)) {
        table_reset(t);
        if (stat_tap_table* t2 = stat_tap_find_table(ui, kTotalsTable)) table_reset(t2);
        return;
    }
    static const char* verdict_labels[kVerdictCount - 1];
    for (int v = 1; v < kVerdictCount; ++v) verdict_labels[v - 1] = verdict_name(static_cast<Verdict>(v));
    stat_tap_table* verdicts = stat_tap_init_table(kVerdictTable, G_N_ELEMENTS(table_fields), 0, nullptr);
    stat_tap_add_table(ui, verdicts);
    add_rows(verdicts, verdict_labels, kVerdictCount - 1);

    static const char* totals_labels[G_N_ELEMENTS(totals_rows)];
    for (guint i = 0; i < G_N_ELEMENTS(totals_rows); ++i) totals_labels[i] = totals_rows[i].label;
    stat_tap_table* totals = stat_tap_init_table(kTotalsTable, G_N_ELEMENTS(table_fields), 0, nullptr);
    stat_tap_add_table(ui, totals);
    add_rows(totals, totals_labels, G_N_ELEMENTS(totals_rows));
}

tap_packet_status table_packet(void* tapdata, packet_info*, epan_dissect_t*, const void* data, tap_flags_t) {
    auto* stat = static_cast<stat_data_t*>(tapdata);
    const auto* ev = static_cast<const TapEvent*>(data);
    if (ev == nullptr || ev->correlator == nullptr) return TAP_PACKET_DONT_REDRAW;
    const bool changed = tally.add(*ev->correlator, ev->handshake);
    fill_tables(stat->stat_tap_data);
    return changed ? TAP_PACKET_REDRAW : TAP_PACKET_DONT_REDRAW;
}

// Refuses "-z middlebox_verdictsX" (tshark matches -z names by prefix).
void table_filter_check(const char* opt_arg, const char** filter, char** err) {
    const size_t len = std::strlen(kTableCli);
    if (std::strncmp(opt_arg, kTableCli, len) != 0 || (opt_arg[len] != '\0' && opt_arg[len] != ',')) {
        *filter = nullptr;
        *err = g_strdup_printf("-z %s: unknown report; valid forms: -z %s[,FILTER] and -z %s[,%s][,FILTER]", opt_arg,
                               kTableCli, kReportCli, report_form_names("|").c_str());
    }
}

tap_param table_params[] = {
    {PARAM_FILTER, "filter", "Filter", nullptr, TRUE},
};

stat_tap_table_ui table_ui = {
    REGISTER_PACKET_STAT_GROUP_UNSORTED,
    "Middlebox Verdicts",
    kTapName,
    kTableCli,
    table_init,
    table_packet,
    table_reset,
    nullptr,  // labels are static strings, counts plain numbers: nothing to free
    table_filter_check,
    G_N_ELEMENTS(table_fields),
    table_fields,
    G_N_ELEMENTS(table_params),
    table_params,
    nullptr,
    0,
};

}  // namespace

void register_report() {
    register_stat_tap_ui(&report_ui, nullptr);
    register_stat_tap_table_ui(&table_ui);
}

}  // namespace middlebox_ws
