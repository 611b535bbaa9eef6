#include "analysis/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace trapeze::analysis {

using x86::PgClass;

namespace {

std::vector<std::string> kinds(uint8_t bits) {
    std::vector<std::string> v;
    if (bits & x86::S_CONTROL) v.push_back("control");
    if (bits & x86::S_MODE) v.push_back("mode");
    if (bits & x86::S_LOCATION) v.push_back("location");
    if (bits & x86::S_IO) v.push_back("io");
    return v;
}

std::string class_of(const FormVerdict& v) {
    return v.absent ? "absent" : std::string(x86::pg_class_name(v.pg_class));
}

// ---- derived sections shared by every format -----------------------------------------------

struct PaperRow {
    std::string mnemonic, group;
    bool found = false;       // every row of the mnemonic is sensitive-unprivileged
    std::string classes;      // per row
};
std::vector<PaperRow> paper_rows(const Classification& c) {
    std::vector<PaperRow> out;
    for (const PaperEntry& p : robin_irvine()) {
        PaperRow r{p.mnemonic, p.group, false, ""};
        bool any = false;
        for (const char* id : p.forms)
            for (const FormVerdict& v : c.forms)
                if (v.id == id) {
                    if (v.pg_class == PgClass::kSensitive) any = true;
                    r.classes += fmt::format("{}{}: {}", r.classes.empty() ? "" : ", ", v.id, class_of(v));
                }
        r.found = any;
        out.push_back(r);
    }
    return out;
}

bool in_paper(const std::string& id) {
    for (const PaperEntry& p : robin_irvine())
        for (const char* f : p.forms)
            if (id == f) return true;
    return false;
}

std::vector<const FormVerdict*> beyond_paper(const Classification& c) {
    std::vector<const FormVerdict*> out;
    for (const FormVerdict& v : c.forms)
        if (v.pg_class == PgClass::kSensitive && !in_paper(v.id)) out.push_back(&v);
    return out;
}

struct ModelDiff {
    std::string id, mnemonic, reference_class, model_class, trap;
};
std::vector<ModelDiff> model_diffs(const Classification& c, const Classification* ref) {
    std::vector<ModelDiff> out;
    if (!ref) return out;
    for (const FormVerdict& v : c.forms)
        for (const FormVerdict& r : ref->forms)
            if (r.id == v.id && (class_of(r) != class_of(v) || r.trap != v.trap))
                out.push_back({v.id, v.mnemonic, class_of(r), class_of(v), std::string(x86::trap_condition_text(v.trap))});
    return out;
}

struct Counts {
    int privileged = 0, sensitive = 0, innocuous = 0, absent = 0, not_run = 0;
};
Counts counts(const Classification& c) {
    Counts n;
    for (const FormVerdict& v : c.forms) {
        if (!v.encoded) n.not_run++;
        else if (v.absent) n.absent++;
        else if (v.pg_class == PgClass::kPrivileged) n.privileged++;
        else if (v.pg_class == PgClass::kSensitive) n.sensitive++;
        else n.innocuous++;
    }
    return n;
}

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

std::string json_string(const std::string& s) {
    std::string o = "\"";
    for (unsigned char ch : s) {
        switch (ch) {
        case '"': o += "\\\""; break;
        case '\\': o += "\\\\"; break;
        case '\n': o += "\\n"; break;
        case '\t': o += "\\t"; break;
        default:
            if (ch < 0x20) o += fmt::format("\\u{:04x}", ch);
            else o += char(ch);
        }
    }
    return o + "\"";
}
std::string json_list(const std::vector<std::string>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + json_string(v[i]);
    return s + "]";
}
std::string html_escape(const std::string& s) {
    std::string o;
    for (char ch : s) {
        switch (ch) {
        case '<': o += "&lt;"; break;
        case '>': o += "&gt;"; break;
        case '&': o += "&amp;"; break;
        case '"': o += "&quot;"; break;
        default: o += ch;
        }
    }
    return o;
}
std::string md_cell(const std::string& s) {
    std::string o;
    for (char ch : s) o += ch == '|' ? std::string("\\|") : std::string(1, ch);
    return o;
}

std::string yes_no(bool b) { return b ? "holds" : "does not hold"; }

// The evidence that best shows why a form is sensitive: differences by mode and location
// first, then by system state, then the states that trap only when deprivileged, then control
// changes.
std::vector<const Evidence*> key_evidence(const FormVerdict& v, size_t n) {
    auto rank = [](const Evidence& e) {
        const std::string& x = e.experiment;
        if (x.rfind("mode", 0) == 0 || x.rfind("location", 0) == 0) return 0;
        if (x.rfind("system-state", 0) == 0) return 1;
        if (x == "privilege") return 2;  // for a form that is not privileged: a mode difference
        if (x.rfind("control", 0) == 0 || x.rfind("io", 0) == 0) return 3;
        return 4;
    };
    std::vector<const Evidence*> all;
    for (const Evidence& e : v.evidence)
        if (rank(e) < 4) all.push_back(&e);
    std::stable_sort(all.begin(), all.end(), [&](const Evidence* a, const Evidence* b) { return rank(*a) < rank(*b); });
    if (all.size() > n) all.resize(n);
    return all;
}

}  // namespace

std::string classify_text(const Classification& c) {
    std::string o = fmt::format("trapeze classify x86 --model {}: {} forms, {} runs in {:.2f} s\n", c.model,
                                c.forms.size(), c.runs, c.seconds);
    for (const FormVerdict& v : c.forms) {
        o += fmt::format("\n{} [{}] {}: {}", v.id, v.mnemonic, v.instance.empty() ? "-" : v.instance, class_of(v));
        if (v.sensitivity) o += fmt::format("; sensitivity: {}", sensitivity_text(v.sensitivity));
        if (v.user_sensitive) o += " (user-sensitive)";
        o += fmt::format("; trap: {}\n", x86::trap_condition_text(v.trap));
        for (const Evidence& e : v.evidence) o += fmt::format("  {} | {} | {}\n", e.experiment, e.state, e.finding);
    }
    o += fmt::format("\nTheorem 1 (sensitive ⊆ privileged): {}\nTheorem 3 (user-sensitive ⊆ privileged): {}\n",
                     yes_no(c.theorem1), yes_no(c.theorem3));
    o += fmt::format("sensitive-unprivileged: {}\n", join(c.sensitive_unprivileged_mnemonics, " "));
    return o;
}

std::string report_markdown(const Classification& c, const Classification* ref) {
    Counts n = counts(c);
    std::string o = fmt::format("# Virtualizability of IA-32 on the `{}` model\n\n{}\n\n", c.model, c.model_description);
    o += "Every verdict below comes from experiments run in trapeze's own IA-32 core "
         "(docs/classification.md); the instruction table's columns are only compared with them.\n\n";
    o += "## Summary\n\n";
    o += fmt::format("- Forms: {} ({} privileged, {} sensitive-unprivileged, {} innocuous, {} absent on this model, {} not run); {} experiment runs in {:.2f} s\n",
                     c.forms.size(), n.privileged, n.sensitive, n.innocuous, n.absent, n.not_run, c.runs, c.seconds);
    o += fmt::format("- Popek-Goldberg Theorem 1 (a VMM can be built: sensitive ⊆ privileged): **{}** — the `{}` is {}virtualizable\n",
                     yes_no(c.theorem1), c.model, c.theorem1 ? "" : "not ");
    o += fmt::format("- Theorem 3 (a hybrid VMM can be built: user-sensitive ⊆ privileged): **{}**\n", yes_no(c.theorem3));
    o += fmt::format("- Sensitive-unprivileged mnemonics ({}): {}\n", c.sensitive_unprivileged_mnemonics.size(),
                     join(c.sensitive_unprivileged_mnemonics));
    o += fmt::format("- User-sensitive unprivileged mnemonics ({}): {}\n\n", c.user_sensitive_unprivileged_mnemonics.size(),
                     join(c.user_sensitive_unprivileged_mnemonics));

    o += "## Robin & Irvine's sensitive-unprivileged instructions\n\n";
    o += "The paper counts seventeen instructions and lists eighteen mnemonics; each is shown with what the experiments found for its forms.\n\n";
    o += "| Group | Mnemonic | Sensitive-unprivileged on this model | Forms |\n|---|---|---|---|\n";
    for (const PaperRow& r : paper_rows(c))
        o += fmt::format("| {} | {} | {} | {} |\n", r.group, r.mnemonic, r.found ? "yes" : "no", md_cell(r.classes));
    o += "\n## Findings beyond the paper\n\nSensitive-unprivileged forms the paper does not list, each with its evidence.\n\n";
    auto extra = beyond_paper(c);
    if (extra.empty()) o += "None.\n";
    for (const FormVerdict* v : extra) {
        o += fmt::format("- **{}** (`{}`, {}): {}\n", v->mnemonic, v->id, v->instance, sensitivity_text(v->sensitivity));
        for (const Evidence* e : key_evidence(*v, 3))
            o += fmt::format("  - {} — {} — {}\n", e->experiment, md_cell(e->state), md_cell(e->finding));
    }
    if (ref) {
        o += fmt::format("\n## Differences from `{}`\n\n", ref->model);
        auto d = model_diffs(c, ref);
        if (d.empty()) o += "None.\n";
        else {
            o += fmt::format("| Form | Mnemonic | {} | {} | Trap condition |\n|---|---|---|---|---|\n", ref->model, c.model);
            for (const ModelDiff& m : d) o += fmt::format("| {} | {} | {} | {} | {} |\n", m.id, m.mnemonic, m.reference_class, m.model_class, m.trap);
        }
    }
    o += "\n## Experiments versus the instruction table\n\n";
    if (c.table_disagreements.empty()) o += "The table's class and trap condition agree with the experiments for every form.\n";
    for (const Disagreement& d : c.table_disagreements) o += fmt::format("- `{}` {}: {}\n", d.form, d.what, md_cell(d.text));
    o += "\nKinds of sensitivity and conditions on which the table and the experiments differ (informational):\n\n";
    for (const Disagreement& d : c.sensitivity_notes) o += fmt::format("- `{}` {}: {}\n", d.form, d.what, md_cell(d.text));
    o += "\n## Zydis and Capstone versus the experiments\n\n";
    if (c.disassembler_disagreements.empty()) o += "No disagreement.\n";
    for (const Disagreement& d : c.disassembler_disagreements) o += fmt::format("- `{}` {}: {}\n", d.form, d.what, md_cell(d.text));
    o += "\n## All forms\n\n| Form | Mnemonic | Instance | Class | Sensitivity | Trap condition | Table |\n|---|---|---|---|---|---|---|\n";
    for (const FormVerdict& v : c.forms)
        o += fmt::format("| {} | {} | `{}` | {} | {} | {} | {} |\n", v.id, v.mnemonic, md_cell(v.instance), class_of(v),
                         sensitivity_text(v.sensitivity), x86::trap_condition_text(v.trap), x86::pg_class_name(v.table_class));
    o += "\n## Evidence of the sensitive and privileged forms\n\n";
    for (const FormVerdict& v : c.forms) {
        if (v.absent || v.pg_class == PgClass::kInnocuous) continue;
        o += fmt::format("### {} ({})\n\n", v.id, class_of(v));
        for (const Evidence& e : v.evidence) o += fmt::format("- {} — {} — {}\n", e.experiment, md_cell(e.state), md_cell(e.finding));
        o += "\n";
    }
    return o;
}

std::string report_json(const Classification& c, const Classification* ref) {
    Counts n = counts(c);
    std::string o = "{\n";
    o += fmt::format("  \"format_version\": 1,\n  \"isa\": {},\n  \"model\": {},\n  \"model_description\": {},\n",
                     json_string(c.isa), json_string(c.model), json_string(c.model_description));
    o += fmt::format("  \"theorem1_virtualizable\": {},\n  \"theorem3_virtualizable\": {},\n", c.theorem1, c.theorem3);
    o += fmt::format("  \"summary\": {{\"forms\": {}, \"privileged\": {}, \"sensitive_unprivileged\": {}, \"innocuous\": {}, \"absent\": {}, \"not_run\": {}, \"runs\": {}}},\n",
                     c.forms.size(), n.privileged, n.sensitive, n.innocuous, n.absent, n.not_run, c.runs);
    o += fmt::format("  \"sensitive_unprivileged_mnemonics\": {},\n", json_list(c.sensitive_unprivileged_mnemonics));
    o += fmt::format("  \"user_sensitive_unprivileged_mnemonics\": {},\n", json_list(c.user_sensitive_unprivileged_mnemonics));
    o += "  \"robin_irvine\": [";
    bool first = true;
    for (const PaperRow& r : paper_rows(c)) {
        o += fmt::format("{}\n    {{\"mnemonic\": {}, \"group\": {}, \"found\": {}, \"forms\": {}}}", first ? "" : ",",
                         json_string(r.mnemonic), json_string(r.group), r.found, json_string(r.classes));
        first = false;
    }
    o += "\n  ],\n  \"findings_beyond_paper\": [";
    first = true;
    for (const FormVerdict* v : beyond_paper(c)) {
        o += fmt::format("{}\n    {{\"mnemonic\": {}, \"form\": {}, \"sensitivity\": {}}}", first ? "" : ",",
                         json_string(v->mnemonic), json_string(v->id), json_list(kinds(v->sensitivity)));
        first = false;
    }
    o += "\n  ],\n  \"model_differences\": [";
    first = true;
    for (const ModelDiff& d : model_diffs(c, ref)) {
        o += fmt::format("{}\n    {{\"form\": {}, \"mnemonic\": {}, \"reference_model\": {}, \"reference_class\": {}, \"class\": {}, \"trap_condition\": {}}}",
                         first ? "" : ",", json_string(d.id), json_string(d.mnemonic), json_string(ref->model),
                         json_string(d.reference_class), json_string(d.model_class), json_string(d.trap));
        first = false;
    }
    auto disagreements = [&](const char* name, const std::vector<Disagreement>& v) {
        o += fmt::format("\n  ],\n  \"{}\": [", name);
        bool f = true;
        for (const Disagreement& d : v) {
            o += fmt::format("{}\n    {{\"form\": {}, \"what\": {}, \"text\": {}}}", f ? "" : ",", json_string(d.form),
                             json_string(d.what), json_string(d.text));
            f = false;
        }
    };
    disagreements("table_disagreements", c.table_disagreements);
    disagreements("sensitivity_notes", c.sensitivity_notes);
    disagreements("disassembler_disagreements", c.disassembler_disagreements);
    o += "\n  ],\n  \"forms\": [";
    first = true;
    for (const FormVerdict& v : c.forms) {
        o += first ? "\n" : ",\n";
        first = false;
        o += fmt::format("    {{\"form\": {}, \"mnemonic\": {}, \"instance\": {}, \"bytes\": {}, \"class\": {}, \"absent\": {}, "
                         "\"sensitivity\": {}, \"user_sensitive\": {}, \"trap_condition\": {}, "
                         "\"table\": {{\"class\": {}, \"sensitivity\": {}, \"trap_condition\": {}}}, "
                         "\"zydis_privileged\": {}, \"capstone_privileged\": {}, \"evidence\": [",
                         json_string(v.id), json_string(v.mnemonic), json_string(v.instance), json_string(v.bytes),
                         json_string(v.absent ? "innocuous" : std::string(x86::pg_class_name(v.pg_class))), v.absent,
                         json_list(kinds(v.sensitivity)), v.user_sensitive, json_string(std::string(x86::trap_condition_text(v.trap))),
                         json_string(std::string(x86::pg_class_name(v.table_class))), json_list(kinds(v.table_sensitivity)),
                         json_string(std::string(x86::trap_condition_text(v.table_trap))), v.zydis_privileged, v.capstone_privileged);
        for (size_t i = 0; i < v.evidence.size(); ++i)
            o += fmt::format("{}{{\"experiment\": {}, \"state\": {}, \"finding\": {}}}", i ? ", " : "",
                             json_string(v.evidence[i].experiment), json_string(v.evidence[i].state), json_string(v.evidence[i].finding));
        o += "]}";
    }
    o += "\n  ]\n}\n";
    return o;
}

std::string report_html(const Classification& c, const Classification* ref) {
    Counts n = counts(c);
    std::string o = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
    o += fmt::format("<title>trapeze: IA-32 virtualizability, model {}</title>\n", html_escape(c.model));
    o += "<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;font-size:90%}"
         "td,th{border:1px solid #bbb;padding:2px 6px;text-align:left;vertical-align:top}"
         ".sensitive-unprivileged{background:#fdd}.privileged{background:#dfd}.no{color:#b00;font-weight:bold}"
         ".yes{color:#070}code{font-size:95%}</style></head><body>\n";
    o += fmt::format("<h1>Virtualizability of IA-32 on the <code>{}</code> model</h1>\n<p>{}</p>\n", html_escape(c.model),
                     html_escape(c.model_description));
    o += "<h2 id=\"summary\">Summary</h2>\n<ul>\n";
    o += fmt::format("<li>Popek-Goldberg Theorem 1 (sensitive &sube; privileged): <span class=\"{}\" id=\"theorem1\">{}</span></li>\n",
                     c.theorem1 ? "yes" : "no", yes_no(c.theorem1));
    o += fmt::format("<li>Theorem 3 (user-sensitive &sube; privileged): <span class=\"{}\" id=\"theorem3\">{}</span></li>\n",
                     c.theorem3 ? "yes" : "no", yes_no(c.theorem3));
    o += fmt::format("<li>Sensitive-unprivileged mnemonics ({}): {}</li>\n", c.sensitive_unprivileged_mnemonics.size(),
                     html_escape(join(c.sensitive_unprivileged_mnemonics)));
    o += fmt::format("<li>{} forms, {} experiment runs</li>\n</ul>\n", c.forms.size(), c.runs);

    // Chart: forms per class, as horizontal bars.
    struct Bar {
        const char* label;
        int value;
        const char* color;
    };
    const Bar bars[] = {{"privileged", n.privileged, "#4a4"}, {"sensitive-unprivileged", n.sensitive, "#d44"},
                        {"innocuous", n.innocuous, "#888"}, {"absent on this model", n.absent, "#ccc"}};
    int maxv = 1;
    for (const Bar& b : bars) maxv = std::max(maxv, b.value);
    o += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"620\" height=\"130\" role=\"img\" aria-label=\"forms per class\">\n";
    int y = 10;
    for (const Bar& b : bars) {
        int w = b.value * 400 / maxv;
        o += fmt::format("<text x=\"0\" y=\"{}\" font-size=\"13\">{}</text><rect x=\"170\" y=\"{}\" width=\"{}\" height=\"20\" fill=\"{}\"/>"
                         "<text x=\"{}\" y=\"{}\" font-size=\"13\">{}</text>\n",
                         y + 15, b.label, y, std::max(w, 1), b.color, 175 + w, y + 15, b.value);
        y += 28;
    }
    o += "</svg>\n";

    o += "<h2>Robin &amp; Irvine's sensitive-unprivileged instructions</h2>\n<table><tr><th>Group</th><th>Mnemonic</th><th>Sensitive-unprivileged on this model</th><th>Forms</th></tr>\n";
    for (const PaperRow& r : paper_rows(c))
        o += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>\n", html_escape(r.group),
                         r.mnemonic, r.found ? "yes" : "no", r.found ? "yes" : "no", html_escape(r.classes));
    o += "</table>\n<h2>Findings beyond the paper</h2>\n<ul>\n";
    for (const FormVerdict* v : beyond_paper(c)) {
        o += fmt::format("<li><b>{}</b> (<code>{}</code>): {}<ul>", html_escape(v->mnemonic), html_escape(v->id), sensitivity_text(v->sensitivity));
        for (const Evidence* e : key_evidence(*v, 3))
            o += fmt::format("<li>{} — {} — {}</li>", html_escape(e->experiment), html_escape(e->state), html_escape(e->finding));
        o += "</ul></li>\n";
    }
    o += "</ul>\n";
    if (ref) {
        o += fmt::format("<h2>Differences from <code>{}</code></h2>\n<table><tr><th>Form</th><th>{}</th><th>{}</th><th>Trap condition</th></tr>\n",
                         html_escape(ref->model), html_escape(ref->model), html_escape(c.model));
        for (const ModelDiff& d : model_diffs(c, ref))
            o += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", d.id, d.reference_class, d.model_class, html_escape(d.trap));
        o += "</table>\n";
    }
    auto list = [&](const char* title, const std::vector<Disagreement>& v) {
        o += fmt::format("<h2>{}</h2>\n<ul>\n", title);
        if (v.empty()) o += "<li>None.</li>\n";
        for (const Disagreement& d : v)
            o += fmt::format("<li><code>{}</code> {}: {}</li>\n", html_escape(d.form), html_escape(d.what), html_escape(d.text));
        o += "</ul>\n";
    };
    list("Experiments versus the instruction table", c.table_disagreements);
    list("Kinds of sensitivity (informational)", c.sensitivity_notes);
    list("Zydis and Capstone versus the experiments", c.disassembler_disagreements);
    o += "<h2>All forms</h2>\n<table><tr><th>Form</th><th>Mnemonic</th><th>Instance</th><th>Class</th><th>Sensitivity</th><th>Trap condition</th><th>Evidence</th></tr>\n";
    for (const FormVerdict& v : c.forms) {
        std::string ev;
        for (size_t i = 0; i < v.evidence.size() && i < 4; ++i)
            ev += fmt::format("{}{}: {}", i ? "<br>" : "", html_escape(v.evidence[i].experiment), html_escape(v.evidence[i].finding));
        o += fmt::format("<tr class=\"{}\"><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                         v.absent ? "absent" : std::string(x86::pg_class_name(v.pg_class)), v.id, html_escape(v.mnemonic),
                         html_escape(v.instance), class_of(v), sensitivity_text(v.sensitivity),
                         html_escape(std::string(x86::trap_condition_text(v.trap))), ev);
    }
    o += "</table>\n</body></html>\n";
    return o;
}

}  // namespace trapeze::analysis
