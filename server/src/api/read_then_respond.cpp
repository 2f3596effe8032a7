#include "api/read_then_respond.hpp"

#include <spdlog/spdlog.h>

#include <exception>

#include "store/reader_pool.hpp"

namespace confab::api {

void ReadThenRespond(Services& svc, const Request& req, Respond respond,
                     std::function<Response(store::Store&)> work) {
  // The pool would log a throwing job and drop it, and with it `respond`: that closes the
  // connection. Catching here turns it into an answer, as the Router does for handlers.
  auto guarded = [work = std::move(work), what = req.method + " " + req.path](store::Store& st) {
    try {
      return work(st);
    } catch (const std::exception& e) {
      spdlog::error("http: {} threw on the reader pool: {}", what, e.what());
    } catch (...) {
      spdlog::error("http: {} threw a non-exception on the reader pool", what);
    }
    return Response::Error(500, "internal");
  };
  svc.reader.Run(req.executor, std::move(guarded),
                 [respond = std::move(respond)](Response r) { respond(std::move(r)); });
}

}  // namespace confab::api
