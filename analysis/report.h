// Report writers for a classification (docs/classification.md): the per-form evidence listing
// of `trapeze classify`, and the Markdown, JSON and self-contained HTML reports of
// `trapeze report`.
#pragma once

#include <string>

#include "analysis/x86_classify.h"

namespace trapeze::analysis {

// `reference` is the classification of the `pentium` model when the report is for another
// model (the "differences from pentium" section); nullptr otherwise.
std::string classify_text(const Classification& c);
std::string report_markdown(const Classification& c, const Classification* reference);
std::string report_json(const Classification& c, const Classification* reference);
std::string report_html(const Classification& c, const Classification* reference);

}  // namespace trapeze::analysis
