#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace confab::bench {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

Status HttpRequest(std::string_view host, std::string_view port, std::string_view method,
                   std::string_view target, std::string_view json_body, HttpResponse* out) {
  boost::asio::io_context io;
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  beast::error_code ec;
  auto endpoints = resolver.resolve(host, port, ec);
  if (ec) return Status::IoError("resolve: " + ec.message());
  stream.expires_after(std::chrono::seconds(30));
  stream.connect(endpoints, ec);
  if (ec) return Status::Unavailable("connect: " + ec.message());
  http::request<http::string_body> req{http::string_to_verb(beast::string_view(method.data(), method.size())),
                                       std::string(target), 11};
  req.set(http::field::host, std::string(host));
  if (!json_body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = std::string(json_body);
    req.prepare_payload();
  }
  http::write(stream, req, ec);
  if (ec) return Status::IoError("write: " + ec.message());
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http::read(stream, buffer, parser, ec);
  if (ec) return Status::IoError("read: " + ec.message());
  out->status = parser.get().result_int();
  out->body = std::move(parser.get().body());
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return Status::Ok();
}

Status CreateMeeting(std::string_view host, std::string_view port, std::string_view title, std::string* id) {
  HttpResponse resp;
  nlohmann::json body = {{"title", title}};
  Status s = HttpRequest(host, port, "POST", "/api/meetings", body.dump(), &resp);
  if (!s.ok()) return s;
  if (resp.status != 201)
    return Status::Invalid("POST /api/meetings: HTTP " + std::to_string(resp.status) + " " + resp.body);
  auto j = nlohmann::json::parse(resp.body, nullptr, false);
  if (j.is_discarded() || !j.contains("id") || !j["id"].is_string())
    return Status::Invalid("POST /api/meetings: no id in " + resp.body);
  *id = j["id"].get<std::string>();
  return Status::Ok();
}

}  // namespace confab::bench
