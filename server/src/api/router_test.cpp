#include "api/router.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

namespace confab::api {
namespace {

// A router whose handlers answer with their own name and the captures, so a test sees which one ran.
Router MakeRouter() {
  Router r;
  auto named = [](std::string name) {
    return [name](Request& req, Respond respond) {
      nlohmann::json body = {{"route", name}, {"params", req.params}};
      respond(Response::Json(200, body.dump()));
    };
  };
  r.Add("POST", "/api/meetings", named("create"));
  r.Add("GET", "/api/meetings/:id", named("get"));
  r.Add("GET", "/api/meetings/:id/events", named("events"));
  r.Add("GET", "/api/meetings/:id/cards/:card", named("card"));
  r.Add("GET", "/healthz", named("health"));
  return r;
}

Response Dispatch(const Router& r, std::string method, std::string path) {
  Request req;
  req.method = std::move(method);
  req.path = std::move(path);
  Response out;
  int calls = 0;
  r.Dispatch(req, [&](Response res) {
    ++calls;
    out = std::move(res);
  });
  EXPECT_EQ(calls, 1) << "respond must be called exactly once";
  return out;
}

nlohmann::json Body(const Response& r) {
  return nlohmann::json::parse(r.body);
}

TEST(Router, MatchesLiteralRoutes) {
  Router r = MakeRouter();
  Response res = Dispatch(r, "POST", "/api/meetings");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(Body(res)["route"], "create");
  EXPECT_EQ(Body(Dispatch(r, "GET", "/healthz"))["route"], "health");
}

TEST(Router, CapturesSegmentsInOrder) {
  Router r = MakeRouter();
  auto body = Body(Dispatch(r, "GET", "/api/meetings/abc123"));
  EXPECT_EQ(body["route"], "get");
  EXPECT_EQ(body["params"], nlohmann::json::array({"abc123"}));

  body = Body(Dispatch(r, "GET", "/api/meetings/m1/cards/k9"));
  EXPECT_EQ(body["route"], "card");
  EXPECT_EQ(body["params"], nlohmann::json::array({"m1", "k9"}));

  body = Body(Dispatch(r, "GET", "/api/meetings/m1/events"));
  EXPECT_EQ(body["route"], "events");
  EXPECT_EQ(body["params"], nlohmann::json::array({"m1"}));
}

TEST(Router, SegmentCountMustMatch) {
  Router r = MakeRouter();
  EXPECT_EQ(Dispatch(r, "GET", "/api/meetings/m1/events/extra").status, 404);
  EXPECT_EQ(Dispatch(r, "GET", "/api").status, 404);
  EXPECT_EQ(Dispatch(r, "GET", "/").status, 404);
  EXPECT_EQ(Dispatch(r, "GET", "").status, 404);
}

TEST(Router, EmptySegmentsAndTrailingSlashAreIgnored) {
  Router r = MakeRouter();
  EXPECT_EQ(Body(Dispatch(r, "GET", "/api/meetings/m1/"))["route"], "get");
  EXPECT_EQ(Body(Dispatch(r, "GET", "//api//meetings//m1"))["params"], nlohmann::json::array({"m1"}));
}

TEST(Router, UnknownPathIs404JsonNotFound) {
  Router r = MakeRouter();
  Response res = Dispatch(r, "GET", "/api/nothing");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(Body(res), (nlohmann::json{{"error", "not_found"}}));
}

TEST(Router, KnownPathWithOtherMethodIs405) {
  Router r = MakeRouter();
  Response res = Dispatch(r, "GET", "/api/meetings");  // only POST is routed
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(Body(res)["error"], "method_not_allowed");
  EXPECT_EQ(Dispatch(r, "DELETE", "/api/meetings/m1").status, 405);
  EXPECT_EQ(Dispatch(r, "PUT", "/healthz").status, 405);
  // A method only a different path has is still a 404 here.
  EXPECT_EQ(Dispatch(r, "POST", "/api/unknown").status, 404);
}

TEST(Router, HeadIsServedByTheGetRoute) {
  Router r = MakeRouter();
  Response res = Dispatch(r, "HEAD", "/api/meetings/m1");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(Body(res)["route"], "get");
  // HEAD maps onto GET only, not onto POST.
  EXPECT_EQ(Dispatch(r, "HEAD", "/api/meetings").status, 405);
}

TEST(Router, MethodsAreCaseSensitive) {
  Router r = MakeRouter();
  EXPECT_EQ(Dispatch(r, "get", "/healthz").status, 405);
}

TEST(Router, MatchReportsPathKnown) {
  Router r = MakeRouter();
  Request req{"PATCH", "/api/meetings/m1", {}, {}, {}};
  bool known = false;
  EXPECT_EQ(r.Match(req, &known), nullptr);
  EXPECT_TRUE(known);
  req.path = "/nowhere";
  EXPECT_EQ(r.Match(req, &known), nullptr);
  EXPECT_FALSE(known);
  req.method = "GET";
  req.path = "/api/meetings/m2";
  EXPECT_NE(r.Match(req, &known), nullptr);
  EXPECT_EQ(req.params, std::vector<std::string>{"m2"});
}

TEST(Response, ErrorBodyHasCodeAndOptionalDetail) {
  Response a = Response::Error(400, "invalid_payload");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(nlohmann::json::parse(a.body), (nlohmann::json{{"error", "invalid_payload"}}));
  Response b = Response::Error(409, "conflict", "seq \"2\" taken");
  EXPECT_EQ(nlohmann::json::parse(b.body),
            (nlohmann::json{{"error", "conflict"}, {"detail", "seq \"2\" taken"}}));
  // Invalid UTF-8 in a detail (e.g. echoed user input) must not throw or produce invalid JSON.
  Response c = Response::Error(400, "invalid_payload", std::string("bad \xff\xfe byte"));
  EXPECT_TRUE(nlohmann::json::accept(c.body)) << c.body;
}

TEST(Router, AHandlerThatThrowsGets500AndTheNextRequestWorks) {
  Router r = MakeRouter();
  r.Add("GET", "/boom", [](Request&, Respond) { throw std::runtime_error("bug"); });
  r.Add("GET", "/boom-int", [](Request&, Respond) { throw 42; });
  for (const char* path : {"/boom", "/boom-int"}) {
    Response res = Dispatch(r, "GET", path);
    EXPECT_EQ(res.status, 500) << path;
    EXPECT_EQ(Body(res), (nlohmann::json{{"error", "internal"}})) << path;
  }
  EXPECT_EQ(Body(Dispatch(r, "GET", "/healthz"))["route"], "health");
}

TEST(Router, AnswersAtMostOnceWhateverTheHandlerDoes) {
  Router r;
  // Answers, then throws: the answer stands, no 500 follows it.
  r.Add("GET", "/answered-then-threw", [](Request&, Respond respond) {
    respond(Response::Json(200, "{}"));
    throw std::runtime_error("late bug");
  });
  // Answers twice: the second is dropped.
  r.Add("GET", "/twice", [](Request&, Respond respond) {
    respond(Response::Json(200, "{}"));
    respond(Response::Json(201, "{}"));
  });
  EXPECT_EQ(Dispatch(r, "GET", "/answered-then-threw").status, 200);
  EXPECT_EQ(Dispatch(r, "GET", "/twice").status, 200);
}

TEST(Router, AHandlerThatThrowsAfterHandingOffItsAnswerIsNotAnsweredTwice) {
  Router r;
  Respond kept;
  r.Add("GET", "/later", [&kept](Request&, Respond respond) {
    kept = respond;  // as if given to async work
    throw std::runtime_error("bug after hand-off");
  });
  Request req;
  req.method = "GET";
  req.path = "/later";
  std::vector<int> statuses;
  r.Dispatch(req, [&](Response res) { statuses.push_back(res.status); });
  kept(Response::Json(200, "{}"));  // the async work finishing
  EXPECT_EQ(statuses, std::vector<int>{500});
}

// --- UrlDecode ------------------------------------------------------------------------------

TEST(UrlDecode, DecodesEscapesOfBothCases) {
  EXPECT_EQ(UrlDecode("a%20b", false), "a b");
  EXPECT_EQ(UrlDecode("%2f%2F", false), "//");
  EXPECT_EQ(UrlDecode("%C3%A9", false), "\xC3\xA9");
  EXPECT_EQ(UrlDecode("", false), "");
  EXPECT_EQ(UrlDecode("plain", true), "plain");
}

TEST(UrlDecode, PlusIsSpaceOnlyWhenAsked) {
  EXPECT_EQ(UrlDecode("a+b", true), "a b");
  EXPECT_EQ(UrlDecode("a+b", false), "a+b");
  EXPECT_EQ(UrlDecode("a%2Bb", true), "a+b");
}

TEST(UrlDecode, RejectsBadEscapes) {
  for (const char* bad : {"%", "%2", "a%", "a%4", "%zz", "%g0", "%0g", "100%", "%%41", "%-1", "% 1"}) {
    EXPECT_EQ(UrlDecode(bad, false), std::nullopt) << bad;
    EXPECT_EQ(UrlDecode(bad, true), std::nullopt) << bad;
  }
}

TEST(UrlDecode, EscapeAtTheVeryEndIsAccepted) {
  EXPECT_EQ(UrlDecode("ab%41", false), "abA");
  EXPECT_EQ(UrlDecode("%41", false), "A");
}

TEST(UrlDecode, NulAndControlBytesDecodeVerbatim) {
  // Decoding is not the place to judge bytes: callers (static files) reject NUL in paths.
  auto nul = UrlDecode("a%00b", false);
  ASSERT_TRUE(nul.has_value());
  EXPECT_EQ(*nul, std::string("a\0b", 3));
}

// --- ParseTarget ----------------------------------------------------------------------------

struct Target {
  bool ok;
  std::string path;
  std::map<std::string, std::string> query;
};

Target Parse(std::string_view target) {
  Target t;
  t.ok = ParseTarget(target, &t.path, &t.query);
  return t;
}

TEST(ParseTarget, PathOnly) {
  Target t = Parse("/api/meetings/abc");
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(t.path, "/api/meetings/abc");
  EXPECT_TRUE(t.query.empty());
}

TEST(ParseTarget, QueryPairsAreDecoded) {
  Target t = Parse("/a/b?x=1&y=%20z&name=Ada+Lovelace");
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(t.path, "/a/b");
  EXPECT_EQ(t.query, (std::map<std::string, std::string>{{"x", "1"}, {"y", " z"}, {"name", "Ada Lovelace"}}));
}

TEST(ParseTarget, PlusInPathStaysPlus) {
  Target t = Parse("/files/a+b.txt?q=a+b");
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(t.path, "/files/a+b.txt");
  EXPECT_EQ(t.query["q"], "a b");
}

TEST(ParseTarget, PathIsPercentDecoded) {
  Target t = Parse("/%2e%2e/x%20y");
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(t.path, "/../x y");  // decoded before any safety check looks at it
}

TEST(ParseTarget, EmptyPairsAndEmptyQueryAreSkipped) {
  Target t = Parse("/p?&&a=1&&b=2&");
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(t.query, (std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}}));
  Target empty = Parse("/p?");
  ASSERT_TRUE(empty.ok);
  EXPECT_EQ(empty.path, "/p");
  EXPECT_TRUE(empty.query.empty());
}

TEST(ParseTarget, KeyWithoutValueIsEmptyString) {
  Target t = Parse("/p?flag&x=");
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(t.query, (std::map<std::string, std::string>{{"flag", ""}, {"x", ""}}));
}

TEST(ParseTarget, RepeatedKeysLastWins) {
  Target t = Parse("/p?after=1&after=5&after=3");
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(t.query.size(), 1u);
  EXPECT_EQ(t.query["after"], "3");
}

TEST(ParseTarget, OnlyTheFirstEqualsSplits) {
  Target t = Parse("/p?at=a=b%3Dc");
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(t.query["at"], "a=b=c");
}

TEST(ParseTarget, SecondQuestionMarkBelongsToTheQuery) {
  Target t = Parse("/p?a=1?b=2");
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(t.path, "/p");
  EXPECT_EQ(t.query["a"], "1?b=2");
}

TEST(ParseTarget, EncodedAmpersandDoesNotSplit) {
  Target t = Parse("/p?title=salt%26pepper&n=1");
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(t.query["title"], "salt&pepper");
  EXPECT_EQ(t.query["n"], "1");
}

TEST(ParseTarget, BadEscapesAnywhereFail) {
  EXPECT_FALSE(Parse("/bad%zz").ok);
  EXPECT_FALSE(Parse("/p%").ok);
  EXPECT_FALSE(Parse("/p?x=%4").ok);
  EXPECT_FALSE(Parse("/p?%zz=1").ok);
  EXPECT_FALSE(Parse("/p?ok=1&bad=%").ok);
}

TEST(ParseTarget, HostileInputNeverThrows) {
  // Long and odd targets: a parser over untrusted bytes must simply answer true or false.
  std::string lots(100000, '%');
  EXPECT_FALSE(Parse(lots).ok);
  std::string amps = "/p?" + std::string(50000, '&');
  Target t = Parse(amps);
  EXPECT_TRUE(t.ok);
  EXPECT_TRUE(t.query.empty());
  std::string bytes;
  for (int c = 1; c < 256; ++c) bytes.push_back(static_cast<char>(c == '%' ? 'x' : c));
  EXPECT_TRUE(Parse(bytes).ok);
}

}  // namespace
}  // namespace confab::api
