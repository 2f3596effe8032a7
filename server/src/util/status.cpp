#include "util/status.hpp"

namespace confab {

std::string Status::ToString() const {
  const char* name = "ok";
  switch (code_) {
    case Code::kOk: return "ok";
    case Code::kNotFound: name = "not_found"; break;
    case Code::kConflict: name = "conflict"; break;
    case Code::kDuplicate: name = "duplicate"; break;
    case Code::kInvalid: name = "invalid"; break;
    case Code::kIoError: name = "io_error"; break;
    case Code::kUnavailable: name = "unavailable"; break;
  }
  return message_.empty() ? name : std::string(name) + ": " + message_;
}

}  // namespace confab
