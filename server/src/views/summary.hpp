#pragma once
// The meeting summary as Markdown (GET /api/meetings/ID/summary.md): title, date, participants,
// the topics discussed in discussion order with time spent, votes, outcome, takeaways and action
// items, then the topics not discussed. Folded on demand from the store. Safe from any thread.
#include <string>
#include <string_view>

#include "store/store.hpp"
#include "util/status.hpp"
#include "views/meeting_fold.hpp"

namespace confab::views {

// `text` on one line with Markdown's inline syntax made literal: \ ` * _ [ ] < > # | ~ & are
// backslash-escaped (CommonMark allows escaping any ASCII punctuation), control chars become spaces.
std::string EscapeMarkdown(std::string_view text);

// The summary of an already folded meeting.
std::string SummaryMarkdownOf(const MeetingFold& fold);

// Folds `meeting_id` from the store and renders it. NotFound for an unknown meeting.
Status BuildSummaryMarkdown(store::Store& store, std::string_view meeting_id, std::string* out);

// Folds one meeting's whole log from the store. NotFound for an unknown meeting.
Status FoldMeeting(store::Store& store, std::string_view meeting_id, MeetingFold* out);

}  // namespace confab::views
