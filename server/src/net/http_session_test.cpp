// HttpSession over a real socket, with test routes: chunked streaming (framing, backpressure, chunks
// produced off the io thread, failures before and after the first byte), answers from other threads,
// a handler that throws, a Respond that is dropped unanswered; and the limits: the client address
// (X-Forwarded-For from a trusted proxy only), connections per address (429) and the request deadline
// (408).
#include "net/http_session.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include "api/router.hpp"
#include "net/server_context.hpp"
#include "net/static_files.hpp"
#include "rooms/room_registry.hpp"
#include "rooms/testing.hpp"
#include "store/reader_pool.hpp"
#include "util/thread_role.hpp"

namespace confab::net {
namespace {

namespace http = boost::beast::http;
using boost::asio::ip::tcp;

// `count` chunks of `size` bytes ('a', 'b', …); fails at chunk `fail_at` when set. Records whether
// any Next ran on an io thread and whether two ever ran at once.
class FakeSource : public ChunkSource {
 public:
  FakeSource(int count, size_t size, int fail_at = -1) : count_(count), size_(size), fail_at_(fail_at) {}
  Status Next(std::string* chunk, bool* last) override {
    if (busy_.exchange(true)) overlapped = true;
    if (OnIoThread()) on_io_thread = true;
    const int i = served_++;
    ++served_total;
    busy_ = false;
    if (i == fail_at_) return Status::IoError("disk went away");
    chunk->assign(size_, static_cast<char>('a' + i % 26));
    *last = i + 1 >= count_;
    return Status::Ok();
  }
  static inline std::atomic<bool> on_io_thread{false};
  static inline std::atomic<bool> overlapped{false};
  static inline std::atomic<int> served_total{0};

 private:
  const int count_;
  const size_t size_;
  const int fail_at_;
  int served_ = 0;
  std::atomic<bool> busy_{false};
};

std::string Expected(int count, size_t size) {
  std::string out;
  for (int i = 0; i < count; ++i) out.append(size, static_cast<char>('a' + i % 26));
  return out;
}

api::Router MakeRouter(store::ReaderPool& pool) {
  api::Router r;
  r.Add("GET", "/api/stream", [](api::Request& req, api::Respond respond) {
    int n = std::stoi(req.query.at("n"));
    size_t size = std::stoul(req.query.at("size"));
    int fail_at = req.query.count("fail_at") ? std::stoi(req.query.at("fail_at")) : -1;
    respond(api::Response::Stream("text/plain", std::make_shared<FakeSource>(n, size, fail_at)));
  });
  r.Add("GET", "/api/throw", [](api::Request&, api::Respond) { throw std::runtime_error("route bug"); });
  r.Add("GET", "/api/drop", [](api::Request&, api::Respond) {});
  r.Add("GET", "/api/ok",
        [](api::Request&, api::Respond respond) { respond(api::Response::Json(200, "{}")); });
  r.Add("GET", "/api/who", [](api::Request& req, api::Respond respond) {
    respond(api::Response::Json(200, req.client_address));
  });
  // Answers from a reader pool thread, as routes that read the store do.
  r.Add("GET", "/api/elsewhere", [&pool](api::Request&, api::Respond respond) {
    pool.Post([respond] { respond(api::Response::Json(200, R"({"from":"pool"})")); });
  });
  return r;
}

// An io_context that can drop its queued handlers early. Sessions still waiting on a socket when the
// test ends live in those handlers; they must go while the ServerContext they release their
// connection slot into is alive, and members are destroyed in reverse order (the context last).
struct DrainableIoContext : boost::asio::io_context {
  using boost::asio::io_context::shutdown;
};

// A server with one io thread (marked as such) that hands every accepted socket to an HttpSession.
class HttpSessionTest : public ::testing::Test {
 protected:
  HttpSessionTest() {
    acceptor_.open(tcp::v4());
    acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    Accept();
    thread_ = std::thread([this] {
      MarkIoThread(true);
      io_.run();
    });
  }
  ~HttpSessionTest() override {
    boost::asio::post(io_, [this] { acceptor_.close(); });
    work_.reset();
    reader_.Stop();
    io_.stop();
    thread_.join();
    io_.shutdown();  // destroys the sessions still queued, before ctx_ goes
  }

  void Accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (ec) return;
      ctx_.gate.Accepted();
      std::make_shared<HttpSession>(std::move(s), ConnectionSlot(&ctx_.gate), ctx_)->Run();
      Accept();
    });
  }

  // Changes the server's settings on its io thread, where sessions read them.
  template <typename F>
  void OnServer(F&& f) {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      f(ctx_);
      done.set_value();
    });
    done.get_future().get();
  }

  tcp::socket Connect() {
    tcp::socket s(client_io_);
    s.connect(acceptor_.local_endpoint());
    return s;
  }

  // Sends a GET and reads the response (Beast decodes chunking). `ec` is set when the body broke off.
  http::response<http::string_body> Get(tcp::socket& s, const std::string& target,
                                        boost::beast::error_code* ec, http::verb method = http::verb::get) {
    http::request<http::empty_body> req(method, target, 11);
    req.set(http::field::host, "localhost");
    http::write(s, req);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    parser.skip(method == http::verb::head);
    http::read(s, buffer_, parser, *ec);
    return parser.release();
  }

  // Everything the server sends until it closes (raw bytes, to look at the framing).
  std::string RawUntilClose(tcp::socket& s, const std::string& request) {
    boost::asio::write(s, boost::asio::buffer(request));
    std::string out;
    boost::system::error_code ec;
    boost::asio::read(s, boost::asio::dynamic_buffer(out), ec);
    return out;
  }

  rooms::testing::TestStore store_;
  DrainableIoContext io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  store::ReaderPool reader_{*store_, 2};
  rooms::RoomRegistry rooms_{io_, reader_};
  api::Router router_ = MakeRouter(reader_);
  StaticFiles files_{"/nonexistent/confab-web"};
  ServerContext ctx_{.rooms = rooms_,
                     .reader = reader_,
                     .router = router_,
                     .static_files = files_,
                     .websocket = {},
                     .sessions = {}};
  tcp::acceptor acceptor_{io_};
  std::thread thread_;
  boost::asio::io_context client_io_;
  boost::beast::flat_buffer buffer_;
};

TEST_F(HttpSessionTest, StreamIsChunkedAndWholeAndTheConnectionIsReused) {
  FakeSource::on_io_thread = false;
  FakeSource::overlapped = false;
  tcp::socket s = Connect();
  boost::beast::error_code ec;
  auto res = Get(s, "/api/stream?n=40&size=65536", &ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_TRUE(res.chunked());
  EXPECT_EQ(res[http::field::content_type], "text/plain");
  EXPECT_TRUE(res.body() == Expected(40, 65536)) << res.body().size();
  EXPECT_FALSE(FakeSource::on_io_thread) << "Next must run on the reader pool";
  EXPECT_FALSE(FakeSource::overlapped) << "one Next at a time";

  // The same connection serves the next request, streamed or not.
  auto again = Get(s, "/api/stream?n=3&size=10", &ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(again.body(), Expected(3, 10));
  EXPECT_EQ(Get(s, "/api/ok", &ec).result_int(), 200);
}

TEST_F(HttpSessionTest, AClientThatDoesNotReadStopsTheSource) {
  // 10000 × 64 KiB = 640 MiB on offer; a client that reads nothing may cost only what the socket
  // buffers hold, because the next chunk is produced only after the previous one was written.
  FakeSource::served_total = 0;
  tcp::socket s = Connect();
  boost::asio::write(
      s, boost::asio::buffer(std::string("GET /api/stream?n=10000&size=65536 HTTP/1.1\r\nHost: x\r\n\r\n")));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const int produced = FakeSource::served_total;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(FakeSource::served_total, produced) << "the source kept going with nobody reading";
  EXPECT_LT(produced, 500);
  EXPECT_GT(produced, 0);
}

TEST_F(HttpSessionTest, EmptyChunksAndEmptyStreamsAreFramedRight) {
  tcp::socket s = Connect();
  boost::beast::error_code ec;
  auto empty = Get(s, "/api/stream?n=3&size=0", &ec);  // three empty pieces: an empty body
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(empty.result_int(), 200);
  EXPECT_EQ(empty.body(), "");
  EXPECT_EQ(Get(s, "/api/ok", &ec).result_int(), 200);
}

TEST_F(HttpSessionTest, RawFramingEndsWithTheLastChunk) {
  tcp::socket s = Connect();
  std::string raw =
      RawUntilClose(s, "GET /api/stream?n=2&size=5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(raw.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\r\n\r\n5\r\naaaaa\r\n5\r\nbbbbb\r\n0\r\n\r\n"), std::string::npos) << raw;
}

TEST_F(HttpSessionTest, Http10GetsAnUnframedBodyEndedByClose) {
  tcp::socket s = Connect();
  std::string raw = RawUntilClose(s, "GET /api/stream?n=2&size=3 HTTP/1.0\r\n\r\n");
  EXPECT_EQ(raw.find("chunked"), std::string::npos) << raw;
  EXPECT_EQ(raw.substr(raw.size() - 6), "aaabbb") << raw;
}

TEST_F(HttpSessionTest, HeadOfAStreamIsTheHeaderOnly) {
  tcp::socket s = Connect();
  boost::beast::error_code ec;
  auto head = Get(s, "/api/stream?n=2&size=5", &ec, http::verb::head);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_EQ(Get(s, "/api/ok", &ec).result_int(), 200);  // no stray body bytes in between
}

TEST_F(HttpSessionTest, FailureBeforeTheFirstByteIsA503) {
  tcp::socket s = Connect();
  boost::beast::error_code ec;
  auto res = Get(s, "/api/stream?n=5&size=10&fail_at=0", &ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.result_int(), 503);
  EXPECT_EQ(res.body(), R"({"error":"unavailable"})");
  EXPECT_EQ(Get(s, "/api/ok", &ec).result_int(), 200);
}

TEST_F(HttpSessionTest, FailureMidStreamTruncatesTheBodyAndCloses) {
  tcp::socket s = Connect();
  std::string raw = RawUntilClose(s, "GET /api/stream?n=5&size=4&fail_at=2 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(raw.find("4\r\naaaa\r\n4\r\nbbbb\r\n"), std::string::npos) << raw;
  EXPECT_EQ(raw.find("0\r\n\r\n"), std::string::npos)
      << "no last chunk: the client must see a truncated body";
}

TEST_F(HttpSessionTest, AThrowingRouteGets500AndTheConnectionGoesOn) {
  tcp::socket s = Connect();
  boost::beast::error_code ec;
  auto res = Get(s, "/api/throw", &ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.result_int(), 500);
  EXPECT_EQ(res.body(), R"({"error":"internal"})");
  EXPECT_EQ(Get(s, "/api/ok", &ec).result_int(), 200);
}

TEST_F(HttpSessionTest, AnswersFromAnotherThreadArrive) {
  tcp::socket s = Connect();
  boost::beast::error_code ec;
  for (int i = 0; i < 20; ++i) {
    auto res = Get(s, "/api/elsewhere", &ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(res.body(), R"({"from":"pool"})");
  }
}

TEST_F(HttpSessionTest, ADroppedRespondClosesTheConnection) {
  tcp::socket s = Connect();
  std::string raw = RawUntilClose(s, "GET /api/drop HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(raw, "");  // closed, not left hanging (RawUntilClose returns only at EOF)
  // The server goes on serving others.
  tcp::socket other = Connect();
  boost::beast::error_code ec;
  EXPECT_EQ(Get(other, "/api/ok", &ec).result_int(), 200);
}

TEST_F(HttpSessionTest, TheClientAddressIsThePeerUnlessATrustedProxyNamesIt) {
  tcp::socket s = Connect();
  boost::beast::error_code ec;
  const std::string xff = "GET /api/who HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 6.6.6.6, 10.1.2.3\r\n";
  // Not trusted: the header is ignored.
  EXPECT_EQ(Get(s, "/api/who", &ec).body(), "127.0.0.1");
  EXPECT_NE(RawUntilClose(s, xff + "Connection: close\r\n\r\n").find("\r\n\r\n127.0.0.1"), std::string::npos);
  OnServer([](ServerContext& c) { c.trusted_proxies = {boost::asio::ip::make_address("127.0.0.1")}; });
  tcp::socket p = Connect();
  EXPECT_NE(RawUntilClose(p, xff + "Connection: close\r\n\r\n").find("\r\n\r\n10.1.2.3"), std::string::npos);
  tcp::socket q = Connect();
  EXPECT_EQ(Get(q, "/api/who", &ec).body(), "127.0.0.1");  // no header: the proxy itself
}

TEST_F(HttpSessionTest, AnAddressOverItsConnectionLimitGets429AndIsClosed) {
  OnServer([](ServerContext& c) { c.per_address.set_limit(2); });
  tcp::socket a = Connect(), b = Connect();
  boost::beast::error_code ec;
  ASSERT_EQ(Get(a, "/api/ok", &ec).result_int(), 200);
  ASSERT_EQ(Get(b, "/api/ok", &ec).result_int(), 200);
  tcp::socket c = Connect();
  const std::string raw = RawUntilClose(c, "GET /api/ok HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(raw.rfind("HTTP/1.1 429 Too Many Requests\r\n", 0), 0u) << raw;
  EXPECT_NE(raw.find("Retry-After: 10\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find(R"("error":"too_many_connections")"), std::string::npos) << raw;
  // One closes: its place is free again (the count drops when its session ends, on the io thread).
  a.close();
  for (int tries = 0;; ++tries) {
    tcp::socket d = Connect();
    auto res = Get(d, "/api/ok", &ec);
    if (!ec && res.result_int() == 200) break;
    ASSERT_LT(tries, 1000) << "the closed connection was never given back";
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

TEST_F(HttpSessionTest, ARequestThatDoesNotArriveInTimeGets408AndAnIdleOneIsClosed) {
  OnServer([](ServerContext& c) { c.handshake_timeout = std::chrono::seconds(1); });
  tcp::socket s = Connect();
  const std::string raw = RawUntilClose(s, "GET /api/ok HTTP/1.1\r\nHost: x\r\n");  // no blank line
  EXPECT_EQ(raw.rfind("HTTP/1.1 408 Request Timeout\r\n", 0), 0u) << raw;
  EXPECT_NE(raw.find(R"("error":"request_timeout")"), std::string::npos) << raw;
  tcp::socket idle = Connect();
  EXPECT_EQ(RawUntilClose(idle, ""), "");  // nothing sent, nothing said: closed
  // Keep-alive: the deadline runs again from each answer, so a prompt second request is served.
  tcp::socket k = Connect();
  boost::beast::error_code ec;
  EXPECT_EQ(Get(k, "/api/ok", &ec).result_int(), 200);
  EXPECT_EQ(Get(k, "/api/ok", &ec).result_int(), 200);
}

}  // namespace
}  // namespace confab::net
