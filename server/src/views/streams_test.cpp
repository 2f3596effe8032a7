#include "views/streams.hpp"

#include <gtest/gtest.h>

#include "views/queries.hpp"
#include "views/state_at_testing.hpp"
#include "views/views_test_support.hpp"

namespace confab::views {
namespace {

using store::StoredEvent;

// Every chunk of `source`, checking as it goes that each is bounded and (`one_page`) reads at most one
// page of events.
std::vector<std::string> Chunks(ChunkSource& source, testing::MemoryStore& store, bool one_page = true) {
  std::vector<std::string> out;
  std::string chunk;
  for (bool last = false; !last;) {
    const uint64_t read_before = store.events_read();
    EXPECT_TRUE(source.Next(&chunk, &last).ok());
    if (one_page) {
      EXPECT_LE(store.events_read() - read_before, kStreamPageEvents);
    }
    EXPECT_TRUE(last || !chunk.empty());  // an empty chunk would end a chunked HTTP body early
    out.push_back(chunk);
    if (out.size() > 100'000) break;  // a source that never ends
  }
  return out;
}

std::string Join(const std::vector<std::string>& chunks) {
  std::string all;
  for (const auto& c : chunks) all += c;
  return all;
}

class StreamsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    events_ = testing::GenerateMeeting(kId, 6000, 3);
    ASSERT_TRUE(testing::StoreMeeting(store_, kId, events_).ok());
  }
  std::string Ndjson(int64_t after) {
    std::string s;
    for (const auto& e : events_)
      if (e.seq > after) s += e.json + "\n";
    return s;
  }

  static inline const std::string kId = "m_stream";
  testing::MemoryStore store_;
  std::vector<StoredEvent> events_;
};

TEST_F(StreamsTest, EventsNdjsonIsExactlyTheStoredLog) {
  std::unique_ptr<ChunkSource> source;
  ASSERT_TRUE(OpenEventsNdjson(store_, kId, 0, &source).ok());
  const std::vector<std::string> chunks = Chunks(*source, store_);
  EXPECT_EQ(Join(chunks), Ndjson(0));
  EXPECT_GT(chunks.size(), 10u);  // ~1.5 MiB of events
  for (const auto& c : chunks) {
    EXPECT_LE(c.size(), kStreamChunkBytes);
    if (!c.empty()) {
      EXPECT_EQ(c.back(), '\n');  // lines are never split
    }
  }
  EXPECT_EQ(store_.events_read(), events_.size());  // each event read once

  ASSERT_TRUE(OpenEventsNdjson(store_, kId, 5500, &source).ok());
  EXPECT_EQ(Join(Chunks(*source, store_)), Ndjson(5500));
  ASSERT_TRUE(OpenEventsNdjson(store_, kId, 6000, &source).ok());
  EXPECT_EQ(Join(Chunks(*source, store_)), "");
}

TEST_F(StreamsTest, TheStreamEndsAtTheHeadWhenOpened) {
  std::unique_ptr<ChunkSource> source;
  ASSERT_TRUE(OpenEventsNdjson(store_, kId, 0, &source).ok());
  std::string first;
  bool last = false;
  ASSERT_TRUE(source->Next(&first, &last).ok());
  ASSERT_FALSE(last);
  testing::MeetingScript more(kId);
  store::AppendRequest req;
  req.meeting_id = kId;
  StoredEvent e = events_.back();
  e.seq = 6001;
  e.id = "late";
  req.events.push_back(e);
  ASSERT_TRUE(store::testing::AppendAndWait(store_, std::move(req)).ok());
  EXPECT_EQ(first + Join(Chunks(*source, store_)), Ndjson(0));
}

TEST_F(StreamsTest, UnknownMeetingFailsBeforeAnyByte) {
  std::unique_ptr<ChunkSource> source;
  EXPECT_EQ(OpenEventsNdjson(store_, "m_nope", 0, &source).code(), Status::Code::kNotFound);
  EXPECT_EQ(OpenAuditCsv(store_, "m_nope", {}, &source).code(), Status::Code::kNotFound);
  EXPECT_EQ(OpenAuditJson(store_, "m_nope", {}, &source).code(), Status::Code::kNotFound);
  EXPECT_EQ(OpenAuditJson(store_, kId, {.type = "no_such_type"}, &source).code(), Status::Code::kInvalid);
  EXPECT_EQ(source, nullptr);
}

TEST_F(StreamsTest, AnEventLargerThanAChunkIsAChunkOfItsOwn) {
  testing::MeetingScript s("m_huge");
  s.Add(testing::kT0, "system", "Confab", "meeting_created", {{"title", "t"}});
  s.Add(testing::kT0 + 1, "p", "P", "card_added", {{"card_id", "a"}, {"title", std::string(100'000, 'x')}});
  s.Add(testing::kT0 + 2, "p", "P", "card_voted", {{"card_id", "a"}});
  store_.Load(s);
  std::unique_ptr<ChunkSource> source;
  ASSERT_TRUE(OpenEventsNdjson(store_, "m_huge", 0, &source).ok());
  const auto chunks = Chunks(*source, store_);
  std::string want;
  for (const auto& e : s.events()) want += e.json + "\n";
  EXPECT_EQ(Join(chunks), want);
  ASSERT_GE(chunks.size(), 3u);
  EXPECT_EQ(chunks[1], s.events()[1].json + "\n");
}

// The streamed audit is byte for byte the audit built in memory, with and without filters.
TEST_F(StreamsTest, StreamedAuditEqualsTheAuditBuiltInMemory) {
  for (const AuditFilter& filter :
       {AuditFilter{}, AuditFilter{.actor = "p_f"}, AuditFilter{.type = "card_added,reaction"},
        AuditFilter{.actor = "nobody"}}) {
    std::vector<AuditRow> rows;
    ASSERT_TRUE(BuildAudit(store_, kId, filter, &rows).ok());
    std::unique_ptr<ChunkSource> source;
    ASSERT_TRUE(OpenAuditCsv(store_, kId, filter, &source).ok());
    // A filter that drops whole pages reads on to the next row (still one page in memory).
    const bool unfiltered = filter.actor.empty() && filter.type.empty();
    const auto csv = Chunks(*source, store_, unfiltered);
    EXPECT_EQ(Join(csv), AuditRowsCsv(rows)) << filter.actor << filter.type;
    for (const auto& c : csv) EXPECT_LE(c.size(), kStreamChunkBytes);

    ASSERT_TRUE(OpenAuditJson(store_, kId, filter, &source).ok());
    const auto json = Chunks(*source, store_, unfiltered);
    for (const auto& c : json) EXPECT_LE(c.size(), kStreamChunkBytes);
    const nlohmann::json parsed = nlohmann::json::parse(Join(json));
    EXPECT_EQ(parsed, AuditRowsJson(kId, rows)) << filter.actor << filter.type;
    EXPECT_EQ(parsed["count"], rows.size());
    if (unfiltered) {
      EXPECT_EQ(rows.size(), events_.size());
      EXPECT_GT(csv.size(), 5u);
    }
  }
}

}  // namespace
}  // namespace confab::views
