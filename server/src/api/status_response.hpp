#pragma once
// The HTTP answer for a failed Status (CONTRACT §3 error codes).
#include "api/http_types.hpp"
#include "util/status.hpp"

namespace confab::api {

inline Response ErrorFor(const Status& s) {
  switch (s.code()) {
    case Status::Code::kNotFound:
      return Response::Error(404, "not_found");
    case Status::Code::kInvalid:
      return Response::Error(400, "invalid_payload", s.message());
    case Status::Code::kConflict:
    case Status::Code::kDuplicate:
      return Response::Error(409, "conflict", s.message());
    default:
      return Response::Error(503, "unavailable");
  }
}

}  // namespace confab::api
