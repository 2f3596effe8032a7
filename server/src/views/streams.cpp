#include "views/streams.hpp"

#include <algorithm>
#include <vector>

#include "views/csv.hpp"

namespace confab::views {
namespace {

// Cuts the pieces a subclass produces, a page at a time, into chunks of at most kStreamChunkBytes
// (never splitting a piece). Holds one page of pieces and one chunk.
class PagedSource : public ChunkSource {
 public:
  Status Next(std::string* chunk, bool* last) final {
    chunk->clear();
    *last = false;
    for (bool refilled = false;; refilled = true) {
      for (; next_ < pieces_.size(); ++next_) {
        const std::string& p = pieces_[next_];
        if (!chunk->empty() && chunk->size() + p.size() > kStreamChunkBytes) return Status::Ok();
        chunk->append(p);
      }
      if (end_) {
        *last = true;
        return Status::Ok();
      }
      if (refilled && !chunk->empty()) return Status::Ok();  // one page per call: reads stay bounded too
      pieces_.clear();
      next_ = 0;
      if (Status s = Refill(&pieces_, &end_); !s.ok()) return s;
    }
  }

 protected:
  // Appends the next page's pieces; sets *end with the last of them (trailer included).
  virtual Status Refill(std::vector<std::string>* pieces, bool* end) = 0;

 private:
  std::vector<std::string> pieces_;
  size_t next_ = 0;
  bool end_ = false;
};

class NdjsonSource final : public PagedSource {
 public:
  NdjsonSource(store::Store& store, std::string_view meeting_id, int64_t after, int64_t head)
      : store_(store), meeting_id_(meeting_id), after_(after), head_(head) {}

 private:
  Status Refill(std::vector<std::string>* pieces, bool* end) override {
    if (after_ >= head_) {
      *end = true;
      return Status::Ok();
    }
    const size_t limit = static_cast<size_t>(std::min<int64_t>(kStreamPageEvents, head_ - after_));
    if (Status s = store_.ReadEvents(meeting_id_, after_, limit, /*replayed_only=*/false, &page_); !s.ok())
      return s;
    for (store::StoredEvent& e : page_) {
      if (e.seq > head_) break;
      after_ = e.seq;
      e.json.push_back('\n');
      pieces->push_back(std::move(e.json));
    }
    *end = after_ >= head_ || page_.size() < limit;  // a short page: the log ends (or has a gap) here
    return Status::Ok();
  }

  store::Store& store_;
  std::string meeting_id_;
  int64_t after_, head_;
  std::vector<store::StoredEvent> page_;
};

class AuditSource final : public PagedSource {
 public:
  enum class Format { kCsv, kJson };
  AuditSource(std::unique_ptr<AuditReader> reader, std::string_view meeting_id, Format format)
      : reader_(std::move(reader)), meeting_id_(meeting_id), format_(format) {}

 private:
  Status Refill(std::vector<std::string>* pieces, bool* end) override {
    if (!started_) {
      started_ = true;
      std::string head;
      if (format_ == Format::kCsv) {
        head = kUtf8Bom;
        AppendAuditCsvHeader(&head);
      } else {
        head = "{\"meeting_id\":" + Dump(meeting_id_) + ",\"events\":[";
      }
      pieces->push_back(std::move(head));
    }
    if (Status s = reader_->Next(kStreamPageEvents, &rows_, end); !s.ok()) return s;
    for (const AuditRow& r : rows_) {
      std::string piece;
      if (format_ == Format::kCsv) {
        AppendAuditCsvRecord(r, &piece);
      } else {
        piece = (count_ == 0 ? "" : ",") + Dump(AuditRowJson(r));
      }
      ++count_;
      pieces->push_back(std::move(piece));
    }
    if (*end && format_ == Format::kJson) pieces->push_back("],\"count\":" + std::to_string(count_) + "}");
    return Status::Ok();
  }

  // As the API serialises JSON: invalid UTF-8 is replaced, never thrown on.
  static std::string Dump(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  std::unique_ptr<AuditReader> reader_;
  std::string meeting_id_;
  Format format_;
  bool started_ = false;
  uint64_t count_ = 0;
  std::vector<AuditRow> rows_;
};

Status OpenAudit(store::Store& store, std::string_view meeting_id, const AuditFilter& filter,
                 AuditSource::Format format, std::unique_ptr<ChunkSource>* out) {
  std::unique_ptr<AuditReader> reader;
  if (Status s = AuditReader::Open(store, meeting_id, filter, &reader); !s.ok()) return s;
  *out = std::make_unique<AuditSource>(std::move(reader), meeting_id, format);
  return Status::Ok();
}

}  // namespace

Status OpenEventsNdjson(store::Store& store, std::string_view meeting_id, int64_t after_seq,
                        std::unique_ptr<ChunkSource>* out) {
  int64_t head = 0;
  if (Status s = store.HeadSeq(meeting_id, &head); !s.ok()) return s;
  *out = std::make_unique<NdjsonSource>(store, meeting_id, std::max<int64_t>(0, after_seq), head);
  return Status::Ok();
}

Status OpenAuditCsv(store::Store& store, std::string_view meeting_id, const AuditFilter& filter,
                    std::unique_ptr<ChunkSource>* out) {
  return OpenAudit(store, meeting_id, filter, AuditSource::Format::kCsv, out);
}

Status OpenAuditJson(store::Store& store, std::string_view meeting_id, const AuditFilter& filter,
                     std::unique_ptr<ChunkSource>* out) {
  return OpenAudit(store, meeting_id, filter, AuditSource::Format::kJson, out);
}

Status DrainChunks(ChunkSource& source, std::string* out) {
  out->clear();
  std::string chunk;
  for (bool last = false; !last;) {
    if (Status s = source.Next(&chunk, &last); !s.ok()) return s;
    out->append(chunk);
  }
  return Status::Ok();
}

}  // namespace confab::views
