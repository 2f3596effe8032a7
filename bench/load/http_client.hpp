#pragma once
// Blocking HTTP/1.1 requests for the set-up steps of a run (creating meetings, reading /metrics).
// Not used on the measured path. Each call opens its own connection; safe from any thread.
#include <string>
#include <string_view>

#include "util/status.hpp"

namespace confab::bench {

struct HttpResponse {
  int status = 0;
  std::string body;
};

Status HttpRequest(std::string_view host, std::string_view port, std::string_view method,
                   std::string_view target, std::string_view json_body, HttpResponse* out);

// POST /api/meetings {"title": title} and return the new meeting's id.
Status CreateMeeting(std::string_view host, std::string_view port, std::string_view title, std::string* id);

}  // namespace confab::bench
