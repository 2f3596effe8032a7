// confab — the Confab server and the tools for its event log.
//   confab serve [--listen 127.0.0.1:4000] [--store sqlite:./data/confab.db | postgres://…] [--web DIR]
//                [--threads N] [--bus nats://… --node-id NAME]
//   confab export ID | import FILE [--meeting ID] | check | rebuild-views   (each with --store)
// Flags may also come from CONFAB_LISTEN, CONFAB_STORE, CONFAB_WEB, …; a flag wins over the variable.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "cli/log_commands.hpp"
#include "cli/logging.hpp"
#include "net/server.hpp"
#include "store/store.hpp"
#include "views/queries.hpp"

namespace {

// The built web app: next to the binary's source tree (server/build/confab → web/dist), else ./web/dist.
std::filesystem::path DefaultWebDir(const char* argv0) {
  std::error_code ec;
  auto exe = std::filesystem::canonical("/proc/self/exe", ec);
  if (!ec) {
    for (auto dir = exe.parent_path(); dir.has_relative_path(); dir = dir.parent_path()) {
      auto candidate = dir / "web" / "dist";
      if (std::filesystem::is_regular_file(candidate / "index.html", ec)) return candidate;
    }
  }
  return std::filesystem::path("web") / "dist";
}

int WithStore(const std::string& url, const std::function<int(confab::store::Store&)>& fn) {
  std::unique_ptr<confab::store::Store> store;
  if (auto s = confab::store::OpenStore(url, &store); !s.ok()) {
    std::cerr << "confab: cannot open store " << confab::store::RedactStoreUrl(url) << ": " << s.ToString()
              << "\n";
    return 2;
  }
  return fn(*store);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Confab: a real-time meeting board on a durable event log"};
  app.require_subcommand(0, 1);
  app.fallthrough();  // `confab serve --log-level debug` works as well as `confab --log-level debug serve`
  std::string store_url = "sqlite:./data/confab.db";
  std::string log_level = "info";
  // spdlog reads an unknown level name as "off": refuse it rather than silently lose every log line.
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->envname("CONFAB_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  std::string log_format = "text";
  app.add_option("--log-format", log_format, "text (for people) or json (one object per line)")
      ->envname("CONFAB_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}));

  confab::net::ServeOptions serve;
  std::string web_dir;
  int idle_s = 60;
  int frame_s = 10;
  int handshake_s = 10;
  auto* serve_cmd = app.add_subcommand("serve", "Run the server");
  serve_cmd->add_option("--listen", serve.listen, "HOST:PORT to listen on")->envname("CONFAB_LISTEN");
  serve_cmd->add_option("--store", store_url, "sqlite:PATH (default) or postgres://USER@HOST:PORT/DB")
      ->envname("CONFAB_STORE");
  serve_cmd->add_option("--web", web_dir, "directory of the built web app")->envname("CONFAB_WEB");
  serve_cmd->add_option("--idle-timeout-s", idle_s, "close sockets silent for this long")
      ->envname("CONFAB_IDLE_TIMEOUT_S")
      ->check(CLI::Range(5, 3600));
  serve_cmd
      ->add_option("--frame-timeout-s", frame_s,
                   "close a WebSocket (1008) whose message is not complete N s after its first byte")
      ->envname("CONFAB_FRAME_TIMEOUT_S")
      ->capture_default_str()
      ->check(CLI::Range(1, 600));
  serve_cmd
      ->add_option("--handshake-timeout-s", handshake_s,
                   "close an HTTP connection whose request (or WebSocket upgrade) takes longer than N s")
      ->envname("CONFAB_HANDSHAKE_TIMEOUT_S")
      ->capture_default_str()
      ->check(CLI::Range(1, 600));
  serve_cmd->add_option("--threads", serve.threads, "io threads (default: one per core)")
      ->envname("CONFAB_THREADS")
      ->check(CLI::Range(1, 256));
  serve_cmd
      ->add_option("--reader-threads", serve.reader_threads,
                   "threads for blocking store reads (default: max(2, cores))")
      ->envname("CONFAB_READER_THREADS")
      ->check(CLI::Range(1, 256));
  serve_cmd
      ->add_option("--bus", serve.bus,
                   "NATS URL of the cluster's bus (nats://HOST:PORT); needs a postgres:// store")
      ->envname("CONFAB_BUS");
  serve_cmd->add_option("--node-id", serve.node_id, "this node's name in the cluster (default: HOST:PORT)")
      ->envname("CONFAB_NODE_ID");
  serve_cmd
      ->add_option("--slow-consumer-bytes", serve.slow_consumer_bytes,
                   "close a socket whose unsent frames pass this many bytes")
      ->envname("CONFAB_SLOW_CONSUMER_BYTES");
  // Quotas (docs/operations.md § Quotas); 0 turns one off.
  serve_cmd
      ->add_option("--meetings-per-address-per-minute", serve.quotas.meetings_per_address_per_minute,
                   "meetings one client address may create per minute")
      ->envname("CONFAB_MEETINGS_PER_ADDRESS_PER_MINUTE")
      ->capture_default_str();
  serve_cmd
      ->add_option("--connections-per-address", serve.quotas.connections_per_address,
                   "open connections per client address")
      ->envname("CONFAB_CONNECTIONS_PER_ADDRESS")
      ->capture_default_str();
  serve_cmd->add_option("--members-per-meeting", serve.quotas.members_per_meeting, "participants per meeting")
      ->envname("CONFAB_MEMBERS_PER_MEETING")
      ->capture_default_str();
  serve_cmd
      ->add_option("--events-per-meeting-per-second", serve.quotas.events_per_meeting_per_second,
                   "client events per meeting per second (burst: twice as many)")
      ->envname("CONFAB_EVENTS_PER_MEETING_PER_SECOND")
      ->capture_default_str();
  serve_cmd
      ->add_option("--trusted-proxies", serve.quotas.trusted_proxies,
                   "peer addresses whose X-Forwarded-For names the client (comma-separated)")
      ->envname("CONFAB_TRUSTED_PROXIES")
      ->delimiter(',');

  std::string meeting_id;
  auto* export_cmd = app.add_subcommand("export", "Write a meeting's events as NDJSON to stdout");
  export_cmd->add_option("ID", meeting_id, "meeting id")->required();
  export_cmd->add_option("--store", store_url, "sqlite:PATH (default) or postgres://USER@HOST:PORT/DB")
      ->envname("CONFAB_STORE");

  std::string import_file;
  std::optional<std::string> import_meeting;
  auto* import_cmd = app.add_subcommand("import", "Create a meeting from an NDJSON export");
  import_cmd->add_option("FILE", import_file, "NDJSON file ('-' for stdin)")->required();
  import_cmd->add_option("--meeting", import_meeting, "meeting id to use (default: a new one)");
  import_cmd->add_option("--store", store_url, "sqlite:PATH (default) or postgres://USER@HOST:PORT/DB")
      ->envname("CONFAB_STORE");

  auto* check_cmd = app.add_subcommand("check", "Verify seq contiguity and JSON of every stored event");
  check_cmd->add_option("--store", store_url, "sqlite:PATH (default) or postgres://USER@HOST:PORT/DB")
      ->envname("CONFAB_STORE");

  auto* rebuild_cmd = app.add_subcommand("rebuild-views", "Rebuild the analytics views from the log");
  rebuild_cmd->add_option("--store", store_url, "sqlite:PATH (default) or postgres://USER@HOST:PORT/DB")
      ->envname("CONFAB_STORE");

  CLI11_PARSE(app, argc, argv);
  if (app.get_subcommands().empty()) {
    std::cerr << app.help() << "\nStart the server with `confab serve` (then open http://127.0.0.1:4000/).\n";
    return 2;
  }
  confab::cli::ConfigureLogging(
      *serve_cmd ? confab::cli::LogStream::kStdout : confab::cli::LogStream::kStderr,
      log_format == "json" ? confab::cli::LogFormat::kJson : confab::cli::LogFormat::kText, log_level);

  if (*serve_cmd) {
    serve.store = store_url;
    serve.web_dir = web_dir.empty() ? DefaultWebDir(argv[0]) : std::filesystem::path(web_dir);
    serve.idle_timeout = std::chrono::seconds(idle_s);
    serve.frame_timeout = std::chrono::seconds(frame_s);
    serve.handshake_timeout = std::chrono::seconds(handshake_s);
    return confab::net::Serve(serve);
  }
  if (*export_cmd) {
    return WithStore(
        store_url, [&](auto& s) { return confab::cli::ExportMeeting(s, meeting_id, std::cout, std::cerr); });
  }
  if (*import_cmd) {
    return WithStore(store_url, [&](auto& s) {
      if (import_file == "-")
        return confab::cli::ImportMeeting(s, std::cin, import_meeting, std::cout, std::cerr);
      std::ifstream in(import_file);
      if (!in) {
        std::cerr << "confab: cannot read " << import_file << "\n";
        return 2;
      }
      return confab::cli::ImportMeeting(s, in, import_meeting, std::cout, std::cerr);
    });
  }
  if (*check_cmd) {
    return WithStore(store_url, [&](auto& s) { return confab::cli::CheckStore(s, std::cout, std::cerr); });
  }
  if (*rebuild_cmd) {
    return WithStore(store_url, [&](auto& s) { return confab::views::RebuildViews(s, std::cout); });
  }
  return 0;
}
