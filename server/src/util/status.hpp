#pragma once
// Status: the outcome of an operation that can fail, carried as a value across layer
// boundaries (LevelDB style) instead of exceptions. Cheap to copy when ok.
#include <string>
#include <utility>

namespace confab {

class Status {
 public:
  enum class Code { kOk, kNotFound, kConflict, kDuplicate, kInvalid, kIoError, kUnavailable };

  Status() = default;
  static Status Ok() { return {}; }
  static Status NotFound(std::string msg = {}) { return {Code::kNotFound, std::move(msg)}; }
  // Another writer took the (meeting, seq) slot first; the caller must catch up and retry.
  static Status Conflict(std::string msg = {}) { return {Code::kConflict, std::move(msg)}; }
  // The event id was already stored; nothing was written.
  static Status Duplicate(std::string msg = {}) { return {Code::kDuplicate, std::move(msg)}; }
  static Status Invalid(std::string msg = {}) { return {Code::kInvalid, std::move(msg)}; }
  static Status IoError(std::string msg = {}) { return {Code::kIoError, std::move(msg)}; }
  static Status Unavailable(std::string msg = {}) { return {Code::kUnavailable, std::move(msg)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace confab
