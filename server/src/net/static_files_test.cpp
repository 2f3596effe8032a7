#include "net/static_files.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <vector>

#include "api/router.hpp"
#include "store/test_support.hpp"

namespace confab::net {
namespace {

using store::testing::TempDir;

void Write(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

std::optional<std::string> Header(const api::Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

// A built app in <tmp>/web, with a secret file next to (outside) the web root.
class StaticFilesTest : public ::testing::Test {
 protected:
  // Runs before files_ is constructed (StaticFiles looks for index.html once, at construction).
  bool WriteApp() {
    Write(web() / "index.html", "<!doctype html><title>app-index</title>");
    Write(web() / "assets" / "index-4f9a.js", "console.log(1)");
    Write(web() / "assets" / "index-4f9a.css", "body{}");
    Write(web() / "favicon.svg", "<svg/>");
    Write(web() / "robots.txt", "User-agent: *");
    Write(web() / "m" / "real.json", "{}");
    Write(dir_.path() / "secret.txt", "TOP-SECRET");
    return true;
  }
  std::filesystem::path web() const { return dir_.path() / "web"; }

  // Serves `target` the way HttpSession does: percent-decoding first.
  api::Response Get(std::string_view target) {
    std::string path;
    std::map<std::string, std::string> query;
    EXPECT_TRUE(api::ParseTarget(target, &path, &query)) << target;
    return files_.Serve(path);
  }

  TempDir dir_;
  bool written_ = WriteApp();
  StaticFiles files_{web()};
};

TEST(ContentTypeFor, KnownAndUnknownExtensions) {
  EXPECT_EQ(ContentTypeFor("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("app.3f2a.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("worker.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("a.json"), "application/json");
  EXPECT_EQ(ContentTypeFor("a.js.map"), "application/json");
  EXPECT_EQ(ContentTypeFor("logo.svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeFor("a.png"), "image/png");
  EXPECT_EQ(ContentTypeFor("f.woff2"), "font/woff2");
  EXPECT_EQ(ContentTypeFor("site.webmanifest"), "application/manifest+json");
  EXPECT_EQ(ContentTypeFor("archive.tar.gz"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("Makefile"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor(""), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("INDEX.HTML"), "application/octet-stream");  // exact, lower-case match
}

TEST(IsUnsafePath, DotDotSegmentsBackslashesAndNul) {
  for (std::string_view bad :
       {"..", "/..", "/../x", "/a/../../x", "/a/..", "../a", "/a/b/..", "/a\\b", "\\..\\x", "/..\\x"}) {
    EXPECT_TRUE(IsUnsafePath(bad)) << bad;
  }
  EXPECT_TRUE(IsUnsafePath(std::string_view("/index.html\0.js", 15)));
  for (std::string_view ok : {"/", "", "/index.html", "/assets/a.js", "/a..b", "/..a", "/a../b",
                              "/.well-known/x", "/m/0123456789abcdef", "/./x"}) {
    EXPECT_FALSE(IsUnsafePath(ok)) << ok;
  }
}

TEST_F(StaticFilesTest, IndexAtTheRoot) {
  for (std::string_view target : {"/", "", "/index.html"}) {
    api::Response r = files_.Serve(target);
    EXPECT_EQ(r.status, 200) << target;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(r.body, "<!doctype html><title>app-index</title>");
    EXPECT_EQ(Header(r, "Cache-Control"), "no-cache") << target;
  }
  EXPECT_TRUE(files_.has_app());
}

TEST_F(StaticFilesTest, HashedAssetsAreImmutable) {
  api::Response js = Get("/assets/index-4f9a.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(Header(js, "Cache-Control"), "public, max-age=31536000, immutable");
  api::Response css = Get("/assets/index-4f9a.css");
  EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
}

TEST_F(StaticFilesTest, OtherFilesAreRevalidated) {
  api::Response svg = Get("/favicon.svg");
  EXPECT_EQ(svg.status, 200);
  EXPECT_EQ(svg.content_type, "image/svg+xml");
  EXPECT_EQ(Header(svg, "Cache-Control"), "no-cache");
  EXPECT_EQ(Get("/robots.txt").body, "User-agent: *");
}

TEST_F(StaticFilesTest, SpaFallbackServesIndexForAppRoutes) {
  for (std::string_view target : {"/m/0123456789abcdef0123456789abcdef", "/m/abc?x=1", "/settings",
                                  "/m/abc/summary", "/no-such-file.png", "/m/"}) {
    api::Response r = Get(target);
    EXPECT_EQ(r.status, 200) << target;
    EXPECT_EQ(r.body, "<!doctype html><title>app-index</title>") << target;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8") << target;
    EXPECT_EQ(Header(r, "Cache-Control"), "no-cache") << target;
  }
  // A real file under /m/ is still the file.
  EXPECT_EQ(Get("/m/real.json").content_type, "application/json");
}

TEST_F(StaticFilesTest, MissingAssetIsA404NotTheApp) {
  for (std::string_view target : {"/assets/missing.js", "/assets/", "/assets/sub/x.css"}) {
    api::Response r = Get(target);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.body.find("app-index"), std::string::npos);
  }
}

TEST_F(StaticFilesTest, TraversalIsRejected) {
  for (std::string_view target : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                                  "/%2E%2E/secret.txt", "/..%2fsecret.txt", "/assets/..%2F..%2Fsecret.txt",
                                  "/..%5csecret.txt", "/%5c..%5csecret.txt", "/index.html%00.js", "/%00"}) {
    api::Response r = Get(target);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(r.body.find("TOP-SECRET"), std::string::npos) << target;
    EXPECT_EQ(r.body.find("app-index"), std::string::npos) << target;
  }
}

TEST_F(StaticFilesTest, AbsolutePathsStayUnderTheRoot) {
  // root / "/x" would be "/x": extra leading slashes must not make the path absolute.
  const std::string secret = (dir_.path() / "secret.txt").string();  // absolute, outside the root
  for (const std::string& target : std::vector<std::string>{
           "/" + secret, "//" + secret, "/%2f" + secret.substr(1), "///etc/passwd", "//etc/hostname"}) {
    api::Response r = Get(target);
    EXPECT_EQ(r.body.find("TOP-SECRET"), std::string::npos) << target;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << target;
    // Not a file under the root: the app (SPA fallback), never the file.
    EXPECT_EQ(r.body, "<!doctype html><title>app-index</title>") << target;
  }
  EXPECT_EQ(Get("//assets/index-4f9a.js").body, "console.log(1)");
  EXPECT_EQ(Get("//").body, "<!doctype html><title>app-index</title>");
}

TEST_F(StaticFilesTest, DirectoriesAreNotListed) {
  // The assets dir itself is a missing asset; any other dir is an app route.
  EXPECT_EQ(Get("/assets").status, 200);  // "assets" (no slash) is not under assets/: app route
  EXPECT_EQ(Get("/m").body, "<!doctype html><title>app-index</title>");
}

TEST(StaticFilesPlaceholder, WithoutIndexHtmlAPlaceholderPageIsServed) {
  TempDir dir;
  Write(dir.path() / "assets" / "a.js", "x");
  StaticFiles files(dir.path());
  EXPECT_FALSE(files.has_app());
  for (std::string_view target : {"/", "/m/abc", "/index.html"}) {
    api::Response r = files.Serve(target);
    EXPECT_EQ(r.status, 200) << target;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_NE(r.body.find("Confab is running"), std::string::npos) << target;
    EXPECT_EQ(Header(r, "Cache-Control"), "no-cache");
  }
  EXPECT_EQ(files.Serve("/assets/a.js").body, "x");
  EXPECT_EQ(files.Serve("/assets/b.js").status, 404);
}

TEST(StaticFilesPlaceholder, MissingRootDirectory) {
  StaticFiles files("/nonexistent/confab/web/dist");
  EXPECT_FALSE(files.has_app());
  EXPECT_EQ(files.Serve("/").status, 200);
  EXPECT_EQ(files.Serve("/assets/x.js").status, 404);
  EXPECT_EQ(files.Serve("/../etc/passwd").status, 404);
}

}  // namespace
}  // namespace confab::net
