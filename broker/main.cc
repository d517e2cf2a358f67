// tether-broker: reads its configuration, opens the store, and runs the event loop until
// SIGTERM/SIGINT; then closes every client with 1001, flushes the audit log and exits 0.
#include <libwebsockets.h>
#include <sys/stat.h>
#include <uv.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "auth/certificate.h"
#include "broker.h"
#include "core/descriptor_limit.h"
#include "core/log.h"
#include "sessions/session_service.h"
#include "support/support_access.h"
#include "transport/lws_server.h"

namespace tb = tether::broker;

namespace {

struct Flags {
  std::string config_file, db, listen, tls_cert, tls_key, log_level, port_file, recordings_dir;
  bool test_clock = false;
  std::optional<std::int64_t> hello_timeout_ms;
};

// Defaults, then the config file, then the flags given on the command line.
tether::protocol::Status BuildConfig(const Flags& flags, tb::BrokerConfig& config) {
  if (!flags.config_file.empty()) {
    auto s = tb::LoadConfigFile(flags.config_file, config);
    if (!s.ok()) return s;
  }
  if (!flags.db.empty()) config.db_path = flags.db;
  if (!flags.recordings_dir.empty()) config.recordings_dir = flags.recordings_dir;
  if (!flags.listen.empty()) {
    auto s = tb::ParseListen(flags.listen, config);
    if (!s.ok()) return tether::protocol::Status::BadRequest("--listen: " + s.message());
  }
  if (!flags.tls_cert.empty()) config.tls_cert = flags.tls_cert;
  if (!flags.tls_key.empty()) config.tls_key = flags.tls_key;
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    return tether::protocol::Status::BadRequest("--tls-cert and --tls-key go together");
  }
  if (!flags.log_level.empty() && !tb::ParseLogLevel(flags.log_level, &config.log_level)) {
    return tether::protocol::Status::BadRequest("--log-level must be debug, info, warn or error");
  }
  if (flags.hello_timeout_ms) config.hello_timeout = std::chrono::milliseconds(*flags.hello_timeout_ms);
  config.test_clock = flags.test_clock;
  if (config.test_clock && !tb::IsLoopbackHost(config.listen_host)) {
    return tether::protocol::Status::BadRequest("--test-clock is refused unless listening on loopback");
  }
  return tether::protocol::Status::Ok();
}

// The process's pieces in the order they must stop (ARCHITECTURE.md "graceful shutdown").
class Process {
 public:
  Process(tb::Broker& broker, tb::LwsServer& server, tether::storage::StorageThread& storage,
          tether::storage::StorageThread* reader, tb::LoopPoster& poster, uv_loop_t* loop)
      : broker_(broker), server_(server), storage_(storage), reader_(reader), poster_(poster), loop_(loop) {
    for (uv_signal_t* signal : {&sigterm_, &sigint_}) {
      uv_signal_init(loop, signal);
      signal->data = this;
    }
    uv_signal_start(&sigterm_, &Process::OnSignal, SIGTERM);
    uv_signal_start(&sigint_, &Process::OnSignal, SIGINT);
    uv_timer_init(loop, &poll_);
    poll_.data = this;
  }

 private:
  static void OnSignal(uv_signal_t* handle, int signum) {
    auto* self = static_cast<Process*>(handle->data);
    if (self->stopping_) return;
    self->stopping_ = true;
    tb::Log(tb::LogLevel::kInfo, "shutdown_begin", {{"signal", std::to_string(signum)},
                                                    {"connections", std::to_string(self->broker_.connection_count())}});
    self->deadline_ = uv_now(self->loop_) + static_cast<std::uint64_t>(self->broker_.config().shutdown_deadline.count());
    self->broker_.BeginShutdown();
    uv_timer_start(&self->poll_, &Process::OnPoll, 0, 10);
  }

  // Waits until every client got its 1001 (or the deadline), then stops the rest.
  static void OnPoll(uv_timer_t* handle) {
    auto* self = static_cast<Process*>(handle->data);
    if (self->broker_.connection_count() > 0 && uv_now(self->loop_) < self->deadline_) return;
    uv_timer_stop(handle);
    self->broker_.StopTimers();
    self->broker_.StopRecorder();  // every recording written and closed
    if (self->reader_ != nullptr) self->reader_->Stop();
    self->storage_.Stop();  // commits every queued audit event (recording failures too)
    self->poster_.Close();
    self->server_.BeginDestroy();
    for (uv_handle_t* h : {reinterpret_cast<uv_handle_t*>(&self->sigterm_),
                           reinterpret_cast<uv_handle_t*>(&self->sigint_),
                           reinterpret_cast<uv_handle_t*>(&self->poll_)}) {
      uv_close(h, nullptr);
    }
    tb::Log(tb::LogLevel::kInfo, "shutdown_done");
  }

  tb::Broker& broker_;
  tb::LwsServer& server_;
  tether::storage::StorageThread& storage_;
  tether::storage::StorageThread* reader_;  // null without a reader (in-memory database)
  tb::LoopPoster& poster_;
  uv_loop_t* loop_;
  uv_signal_t sigterm_{}, sigint_{};
  uv_timer_t poll_{};
  bool stopping_ = false;
  std::uint64_t deadline_ = 0;
};

// The reader thread (audit verification and search on a read-only connection), or null
// for an in-memory database, which a second connection cannot see: those reads then run
// on the storage thread.
std::unique_ptr<tether::storage::StorageThread> OpenReader(const std::string& db_path, tb::LoopPoster& poster) {
  if (db_path == ":memory:") return nullptr;
  auto store = tether::storage::OpenSqliteReader(db_path);
  if (!store.ok()) {
    tb::Log(tb::LogLevel::kWarn, "reader_unavailable",
            {{"db", db_path}, {"error", store.status().message()}, {"effect", "audit reads run on the storage thread"}});
    return nullptr;
  }
  // Read-only: no write transaction around its turns.
  return std::make_unique<tether::storage::StorageThread>(
      std::move(store).value(), [&poster](std::function<void()> task) { poster.Post(std::move(task)); },
      tether::storage::StorageThread::Turns::kJobByJob);
}

// The descriptor limit (core/descriptor_limit.h): the soft limit raised to the hard one,
// logged, and max_connections lowered to what fits it.
tb::BrokerConfig FitToDescriptors(tb::BrokerConfig config) {
  tb::DescriptorLimit limit = tb::RaiseDescriptorLimit();
  std::size_t fits = tb::ConnectionsWithin(limit.soft, config.max_connections);
  bool lowered = fits < config.max_connections;
  tb::Log(lowered ? tb::LogLevel::kWarn : tb::LogLevel::kInfo, "descriptor_limit",
          {{"soft", std::to_string(limit.soft)},
           {"hard", std::to_string(limit.hard)},
           {"raised", limit.raised ? "yes" : "no"},
           {"max_connections", std::to_string(fits)},
           {"configured", std::to_string(config.max_connections)}});
  config.max_connections = fits;
  return config;
}

int Run(const tb::BrokerConfig& configured, const std::string& port_file) {
  tb::SetLogLevel(configured.log_level);
  const tb::BrokerConfig config = FitToDescriptors(configured);
  // The database holds password and token hashes: everything we create is owner-only.
  ::umask(0077);
  std::filesystem::path db(config.db_path);
  if (db.has_parent_path()) std::filesystem::create_directories(db.parent_path());
  auto store = tether::storage::OpenSqliteStore(config.db_path);
  if (!store.ok()) {
    std::fprintf(stderr, "tether-broker: %s: %s\n", config.db_path.c_str(), store.status().ToString().c_str());
    return 1;
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  int exit_code = 0;
  {
    tb::LoopPoster poster(&loop);
    tether::storage::StorageThread storage(std::move(store).value(),
                                           [&poster](std::function<void()> task) { poster.Post(std::move(task)); });
    tb::SystemClock system_clock;
    tb::TestClock test_clock;
    tb::Clock& clock = config.test_clock ? static_cast<tb::Clock&>(test_clock) : system_clock;
    tb::Broker broker(config, clock, config.test_clock ? &test_clock : nullptr, storage, &loop, poster);
    std::unique_ptr<tether::storage::StorageThread> reader = OpenReader(config.db_path, poster);
    broker.set_reader(reader.get());
    lws_set_log_level(LLL_ERR | LLL_WARN, nullptr);  // before the context (STACK-NOTES.md)
    auto server = tb::LwsServer::Start(broker, &loop, config);
    if (!server.ok()) {
      std::fprintf(stderr, "tether-broker: %s\n", server.status().message().c_str());
      broker.StopRecorder();
      if (reader) reader->Stop();
      storage.Stop();
      poster.Close();
      uv_run(&loop, UV_RUN_DEFAULT);
      uv_loop_close(&loop);
      return 1;
    }
    if (!config.tls_cert.empty()) {
      auto fingerprint = tb::auth::CertificateFingerprint(config.tls_cert);
      if (fingerprint.ok()) broker.set_certificate_fingerprint(*fingerprint);
    }
    if (config.test_clock) {
      tb::Log(tb::LogLevel::kWarn, "TEST_CLOCK_ENABLED",
              {{"warning", "test.clock.advance is enabled: never run this in production"}});
    }
    if (!port_file.empty()) std::ofstream(port_file) << (*server)->port() << "\n";
    tb::Log(tb::LogLevel::kInfo, "listening",
            {{"address", config.listen_host + ":" + std::to_string((*server)->port())},
             {"tls", config.tls_cert.empty() ? "off" : "on"},
             {"db", config.db_path},
             {"recordings", tb::RecordingsDirectory(config)}});
    Process process(broker, **server, storage, reader.get(), poster, &loop);
    broker.StartTimers();
    broker.sessions().RecoverAfterRestart();
    broker.support_access().Load();
    uv_run(&loop, UV_RUN_DEFAULT);
    (*server)->FinishDestroy();  // the second stage of the lws shutdown
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  if (uv_loop_close(&loop) != 0) exit_code = 0;  // handles still open at exit are harmless here
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tether-broker: the Tether remote-support session broker"};
  Flags flags;
  app.add_option("--config", flags.config_file, "TOML configuration file")->check(CLI::ExistingFile);
  app.add_option("--db", flags.db, "SQLite database file (default var/tether.db)");
  app.add_option("--recordings-dir", flags.recordings_dir,
                 "where session recordings are written (default: 'recordings' beside the database)");
  app.add_option("--listen", flags.listen, "HOST:PORT to listen on (default 127.0.0.1:7070; port 0 = any)");
  app.add_option("--tls-cert", flags.tls_cert, "PEM certificate: serve wss://")->check(CLI::ExistingFile);
  app.add_option("--tls-key", flags.tls_key, "PEM private key of --tls-cert")->check(CLI::ExistingFile);
  app.add_flag("--test-clock", flags.test_clock,
               "enable test.clock.advance (tests only; refused unless listening on loopback)");
  app.add_option("--log-level", flags.log_level, "debug, info, warn or error");
  app.add_option("--hello-timeout-ms", flags.hello_timeout_ms, "close 4408 when no hello arrives in time")
      ->check(CLI::Range(std::int64_t{1}, tb::kMaxDurationMs));
  app.add_option("--port-file", flags.port_file, "write the bound port to this file once listening");
  CLI11_PARSE(app, argc, argv);

  tb::BrokerConfig config;
  auto built = BuildConfig(flags, config);
  if (!built.ok()) {
    std::fprintf(stderr, "tether-broker: %s\n", built.message().c_str());
    return 2;
  }
  return Run(config, flags.port_file);
}
