#pragma once
// The one way a route reads the store: the blocking part runs on the reader pool, never on the io
// thread that read the request, and whatever it returns is the answer.
#include <functional>

#include "api/http_types.hpp"
#include "api/services.hpp"

namespace confab::store {
class Store;
}

namespace confab::api {

// Runs `work` on a reader pool thread and answers with its Response. A `work` that throws answers
// 500 {"error":"internal"} for this request only.
void ReadThenRespond(Services& svc, const Request& req, Respond respond,
                     std::function<Response(store::Store&)> work);

}  // namespace confab::api
