#include "gateway.h"

#include <arpa/inet.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <thread>

#include "build_info.h"
#include "clock.h"
#include "log.h"

namespace ssegw {
namespace {

// Connections beyond max_connections (which counts streams) left for health checks,
// metrics and publishes; each of them is bounded in time by request_timeout.
constexpr int64_t kRequestReserve = 256;
// How long accepting pauses when the process is out of descriptors, and how often that
// is logged: retrying at once would spin a core and flood the log.
constexpr int64_t kAcceptPauseMs = 100;
constexpr int64_t kAcceptLogIntervalMs = 10'000;

int worker_count(const ServerConfig& server) {
  if (server.workers > 0) return server.workers;
  unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

// Appended piece by piece: GCC 12 at -O2 reports a false -Werror=restrict inside the
// operator+ chain this used to be.
std::string host_port(const char* host, uint16_t port, bool bracketed) {
  const std::string port_text = std::to_string(port);
  std::string out;
  out.reserve(std::strlen(host) + port_text.size() + 3);
  if (bracketed) out.push_back('[');
  out.append(host);
  if (bracketed) out.push_back(']');
  out.push_back(':');
  out.append(port_text);
  return out;
}

std::string bound_address(evconnlistener* listener) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(evconnlistener_get_fd(listener), reinterpret_cast<sockaddr*>(&ss), &len);
  char host[INET6_ADDRSTRLEN] = {0};
  uint16_t port = 0;
  if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    port = ntohs(a->sin6_port);
    return host_port(host, port, true);
  }
  auto* a = reinterpret_cast<sockaddr_in*>(&ss);
  inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
  port = ntohs(a->sin_port);
  return host_port(host, port, false);
}

bool same_bridge(const BridgeConfig& a, const BridgeConfig& b) {
  return a.name == b.name && a.type == b.type && a.canonical == b.canonical;
}

}  // namespace

Gateway::Gateway(GatewayConfig config, BridgeCatalog catalog, EnvLookup env, GatewayOptions options)
    : config_(std::move(config)),
      catalog_(std::move(catalog)),
      env_(std::move(env)),
      options_(std::move(options)) {
  if (options_.listen_override) config_.server.listen = {*options_.listen_override};
  metrics_.max_connections.store(config_.server.max_connections, std::memory_order_relaxed);
  base_.reset(event_base_new());
  auto settings = std::make_shared<const ServerConfig>(config_.server);
  std::vector<FanoutTarget*> targets;
  fanout_workers_ = worker_count(config_.server);
  // One more worker than configured takes the publishes (see Worker::hand_over): a thread
  // that does no fan-out answers them while the others are busy writing to subscribers.
  for (int i = 0; i <= fanout_workers_; ++i) {
    workers_.push_back(std::make_unique<Worker>(i, settings, metrics_, *this, limiter_));
    targets.push_back(workers_.back().get());
  }
  channels_ = std::make_unique<ChannelDirectory>(options_.id_base, targets);
  open_history_store();
  channels_->apply(config_.channels);
  channels_->set_on_created([this](const std::shared_ptr<Channel>& channel) {
    for (auto& worker : workers_) worker->channel_added(channel);
  });
  for (auto& worker : workers_) {
    worker->attach(*channels_);
    if (worker != workers_.back()) worker->set_publish_worker(workers_.back().get());
  }
  context_ = std::make_unique<BridgeContext>(BridgeContext{*channels_, config_.server.state_dir});
  GatewayIdentity identity{std::string(build_version()), std::string(build_commit()),
                           options_.config_path, fanout_workers_, wall_ms()};
  status_feed_ = std::make_unique<StatusFeed>(std::move(identity), targets, options_.id_base);
}

void Gateway::open_history_store() {
  if (!uses_disk_history(config_)) return;
  try {
    store_ =
        HistoryStore::open(config_.server.state_dir, history_map_bytes(config_.server.store_size));
  } catch (const StoreError& e) {
    throw ConfigError(e.what());
  }
  writer_ = std::make_unique<HistoryWriter>(*store_, config_.server.store_size);
  channels_->set_store(store_.get(), writer_.get());
  log_info("history store open", {{"file", store_->file()},
                                  {"channels", std::to_string(store_->channel_count())},
                                  {"event_bytes", std::to_string(store_->stored_event_bytes())}});
}

Gateway::~Gateway() {
  listeners_.clear();
  stop_all_bridges();
}

std::shared_ptr<const ListenerProfile> Gateway::make_profile(const ListenAddress& address) {
  auto profile = std::make_shared<ListenerProfile>();
  profile->http2 = address.http2;
  if (address.tls) {
    profile->tls = TlsContext::create(*address.tls, address.http2);
    profile->handshake_timeout_ms = address.tls->handshake_timeout_ms;
  }
  return profile;
}

bool Gateway::bind_listeners() {
  for (const ListenAddress& address : config_.server.listen) {
    const std::string text = address.text();
    std::string error;
    std::optional<SocketAddress> resolved = resolve_listen_address(address, error);
    if (!resolved) {
      log_error("cannot resolve listen host", {{"address", text}, {"error", error}});
      return false;
    }
    auto slot = std::make_unique<Listener>();
    slot->gateway = this;
    slot->address = address;
    try {
      slot->profile = make_profile(address);
    } catch (const ConfigError& e) {
      log_error("cannot load certificates", {{"address", text}, {"error", e.what()}});
      return false;
    }
    auto on_accept = [](evconnlistener*, evutil_socket_t fd, sockaddr*, int, void* arg) {
      auto* listener = static_cast<Listener*>(arg);
      listener->gateway->accept(fd, *listener);
    };
    evconnlistener* listener = evconnlistener_new_bind(
        base_.get(), on_accept, slot.get(),
        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 4096,
        reinterpret_cast<sockaddr*>(&resolved->storage), static_cast<int>(resolved->length));
    if (!listener) {
      log_error("cannot listen", {{"address", text},
                                  {"error", evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR())}});
      return false;
    }
    evconnlistener_set_error_cb(listener, [](evconnlistener*, void* arg) {
      static_cast<Listener*>(arg)->gateway->pause_accepting(EVUTIL_SOCKET_ERROR());
    });
    slot->handle.reset(listener);
    slot->bound = bound_address(listener);
    log_info("listening on " + slot->bound, {{"tls", address.tls ? "true" : "false"},
                                             {"http2", address.http2 ? "true" : "false"},
                                             {"workers", std::to_string(fanout_workers_)}});
    listeners_.push_back(std::move(slot));
  }
  return true;
}

// New handshakes take the new certificates; connections keep the context they began with.
// Addresses change only on restart, so entries are matched by position.
void Gateway::reload_certificates(const std::vector<ListenAddress>& next) {
  for (size_t i = 0; i < listeners_.size() && i < next.size(); ++i) {
    Listener& listener = *listeners_[i];
    if (!next[i].tls && !listener.address.tls) continue;
    try {
      ListenAddress address = listener.address;
      address.tls = next[i].tls;
      listener.profile = make_profile(address);
      listener.address = address;
      if (address.tls) log_info("certificates reloaded", {{"address", listener.bound}});
    } catch (const ConfigError& e) {
      log_error("certificate reload rejected; keeping the loaded ones",
                {{"address", listener.bound}, {"error", e.what()}});
    }
  }
}

void Gateway::pause_accepting(int error) {
  metrics_.accept_pauses.fetch_add(1, std::memory_order_relaxed);
  for (auto& listener : listeners_) evconnlistener_disable(listener->handle.get());
  const int64_t now = mono_ms();
  ++accept_errors_unlogged_;
  if (!accept_error_logged_ms_ || now - *accept_error_logged_ms_ >= kAcceptLogIntervalMs) {
    log_warn("accept failed; pausing new connections",
             {{"error", evutil_socket_error_to_string(error)},
              {"pause_ms", std::to_string(kAcceptPauseMs)},
              {"times_since_last_log", std::to_string(accept_errors_unlogged_)}});
    accept_error_logged_ms_ = now;
    accept_errors_unlogged_ = 0;
  }
  if (!accept_resume_ev_) {
    accept_resume_ev_.reset(evtimer_new(
        base_.get(),
        [](evutil_socket_t, short, void* arg) {
          auto* self = static_cast<Gateway*>(arg);
          for (auto& listener : self->listeners_) evconnlistener_enable(listener->handle.get());
        },
        this));
  }
  const timeval pause = to_timeval(kAcceptPauseMs);
  evtimer_add(accept_resume_ev_.get(), &pause);
}

void Gateway::accept(evutil_socket_t fd, const Listener& listener) {
  if (metrics_.connections_open.load(std::memory_order_relaxed) >=
      config_.server.max_connections + kRequestReserve) {
    static const char kBusy[] =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\nConnection: "
        "close\r\n\r\n";
    ssize_t ignored = ::send(fd, kBusy, sizeof kBusy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)ignored;
    ::close(fd);
    metrics_.connections_rejected.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  metrics_.connections_open.fetch_add(1, std::memory_order_relaxed);
  metrics_.connections_accepted.fetch_add(1, std::memory_order_relaxed);
  workers_[next_worker_++ % static_cast<size_t>(fanout_workers_)]->adopt(fd, listener.profile);
}

void Gateway::start_bridges(const std::string& kind, const std::vector<BridgeConfig>& configs) {
  for (const BridgeConfig& config : configs) {
    RunningBridge running{kind, config, config.plan->build(*context_)};
    running.bridge->start();
    log_info("bridge started", {{"kind", kind}, {"name", config.name}, {"type", config.type}});
    std::lock_guard lock(bridges_mu_);
    bridges_.push_back(std::move(running));
  }
}

void Gateway::sync_bridges(const std::string& kind, const std::vector<BridgeConfig>& wanted) {
  std::vector<RunningBridge> stopped;
  {
    std::lock_guard lock(bridges_mu_);
    for (auto it = bridges_.begin(); it != bridges_.end();) {
      bool keep = it->kind != kind;
      for (const BridgeConfig& w : wanted) keep = keep || same_bridge(w, it->config);
      if (keep) {
        ++it;
      } else {
        stopped.push_back(std::move(*it));
        it = bridges_.erase(it);
      }
    }
  }
  for (RunningBridge& r : stopped) {
    r.bridge->stop();
    log_info("bridge stopped", {{"kind", kind}, {"name", r.config.name}});
  }
  std::vector<BridgeConfig> added;
  for (const BridgeConfig& w : wanted) {
    bool running = false;
    std::lock_guard lock(bridges_mu_);
    for (const RunningBridge& r : bridges_)
      running = running || (r.kind == kind && same_bridge(w, r.config));
    if (!running) added.push_back(w);
  }
  start_bridges(kind, added);
}

void Gateway::stop_all_bridges() {
  // Sources first so sinks see everything the sources had, then sinks, then backbones.
  for (const char* kind : {"source", "sink", "backbone"}) {
    std::vector<RunningBridge> stopping;
    {
      std::lock_guard lock(bridges_mu_);
      for (auto it = bridges_.begin(); it != bridges_.end();) {
        if (it->kind == kind) {
          stopping.push_back(std::move(*it));
          it = bridges_.erase(it);
        } else {
          ++it;
        }
      }
    }
    // In parallel: with a broker down each Kafka producer's stop waits out its own flush
    // timeout, and one after another they would outlast systemd's TimeoutStopSec.
    std::vector<std::thread> stoppers;
    for (RunningBridge& r : stopping) stoppers.emplace_back([&r] { r.bridge->stop(); });
    for (std::thread& t : stoppers) t.join();
  }
}

// The store is opened once, and a channel's place in it (memory or disk, its sync) is fixed
// when the channel is made: say so rather than apply half of such a change.
void Gateway::warn_of_store_changes(const GatewayConfig& next) const {
  if (next.server.state_dir != config_.server.state_dir ||
      next.server.store_size != config_.server.store_size) {
    log_warn("server.state_dir and server.store_size change only on restart");
  }
  std::map<std::string_view, const ChannelOptions*> running;
  for (const ChannelOptions& options : config_.channels) running[options.path] = &options;
  for (const ChannelOptions& wanted : next.channels) {
    auto it = running.find(wanted.path);
    if (it == running.end()) continue;
    if (it->second->history_on_disk != wanted.history_on_disk ||
        it->second->history_sync != wanted.history_sync) {
      log_warn("history.store and history.sync change only on restart", {{"path", wanted.path}});
    }
  }
}

void Gateway::reload() {
  notifier_.reloading();
  log_info("reloading config", {{"file", options_.config_path}});
  try {
    GatewayConfig next = load_config_file(options_.config_path, catalog_, env_);
    if (options_.listen_override) next.server.listen = {*options_.listen_override};
    if (next.server.listen.size() != config_.server.listen.size() ||
        next.server.workers != config_.server.workers) {
      log_warn("listen addresses and worker count change only on restart");
    }
    if (next.server.log_format != config_.server.log_format) {
      log_warn("server.log_format changes only on restart");
    }
    warn_of_store_changes(next);
    reload_certificates(next.server.listen);
    next.server.listen = config_.server.listen;
    next.server.workers = config_.server.workers;
    for (auto& removed : channels_->apply(next.channels)) {
      log_info("channel removed", {{"path", removed->path()}});
      for (auto& worker : workers_) worker->drop_channel(removed);
    }
    auto settings = std::make_shared<const ServerConfig>(next.server);
    for (auto& worker : workers_) worker->update_settings(settings);
    metrics_.max_connections.store(next.server.max_connections, std::memory_order_relaxed);
    if (next.server.status_page != config_.server.status_page) end_status_streams();
    sync_bridges("backbone", next.backbones);
    sync_bridges("sink", next.sinks);
    sync_bridges("source", next.sources);
    config_ = std::move(next);
    log_info("config reloaded", {{"channels", std::to_string(config_.channels.size())},
                                 {"sources", std::to_string(config_.sources.size())},
                                 {"sinks", std::to_string(config_.sinks.size())}});
  } catch (const ConfigError& e) {
    log_error("config reload rejected; keeping the running config", {{"error", e.what()}});
  }
  notifier_.notify("READY=1\nSTATUS=serving " + std::to_string(config_.channels.size()) +
                   " channels");
}

void Gateway::sweep_idle_channels() {
  for (auto& idle : channels_->sweep_idle(wall_ms())) {
    log_debug("idle channel removed", {{"path", idle->path()}});
    for (auto& worker : workers_) worker->drop_channel(idle);
  }
}

// Once a second whether or not status_page is configured (a reload may turn it on); with
// nobody watching it samples nothing.
void Gateway::publish_status() {
  auto sample = [this] {
    return collect_status(metrics_, *channels_, bridge_statuses(), mono_ms(), wall_ms());
  };
  for (auto& unwatched : status_feed_->publish(sample)) {
    for (auto& worker : workers_) worker->drop_channel(unwatched);
  }
}

// The page's path or auth changed (or it was turned off): its viewers' streams end, so a
// reconnect is judged by the rule now in force.
void Gateway::end_status_streams() {
  for (auto& channel : status_feed_->close_all()) {
    for (auto& worker : workers_) worker->drop_channel(channel);
  }
}

void Gateway::begin_shutdown() {
  if (stopping_) return;
  stopping_ = true;
  notifier_.notify("STOPPING=1");
  log_info("shutting down", {{"timeout_ms", std::to_string(config_.server.shutdown_timeout_ms)}});
  listeners_.clear();
  event_base_loopexit(base_.get(), nullptr);
}

void Gateway::arm_signals() {
  auto on_signal = [](evutil_socket_t sig, short, void* arg) {
    auto* self = static_cast<Gateway*>(arg);
    if (sig == SIGHUP) {
      self->reload();
    } else {
      self->begin_shutdown();
    }
  };
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) {
    signal_events_.emplace_back(evsignal_new(base_.get(), sig, on_signal, this));
    event_add(signal_events_.back().get(), nullptr);
  }
  // Template channels that went idle are removed once a second.
  sweep_ev_.reset(event_new(
      base_.get(), -1, EV_PERSIST,
      [](evutil_socket_t, short, void* arg) { static_cast<Gateway*>(arg)->sweep_idle_channels(); },
      this));
  const timeval second = to_timeval(1000);
  event_add(sweep_ev_.get(), &second);
  status_ev_.reset(event_new(
      base_.get(), -1, EV_PERSIST,
      [](evutil_socket_t, short, void* arg) { static_cast<Gateway*>(arg)->publish_status(); },
      this));
  event_add(status_ev_.get(), &second);
  if (auto interval = notifier_.watchdog_interval_ms()) {
    watchdog_ev_.reset(event_new(
        base_.get(), -1, EV_PERSIST,
        [](evutil_socket_t, short, void* arg) {
          static_cast<Gateway*>(arg)->notifier_.notify("WATCHDOG=1");
        },
        this));
    const timeval tv = to_timeval(*interval);
    event_add(watchdog_ev_.get(), &tv);
  }
}

int Gateway::run() {
  arm_signals();
  for (auto& worker : workers_) worker->start();
  start_bridges("backbone", config_.backbones);
  start_bridges("sink", config_.sinks);
  start_bridges("source", config_.sources);
  if (!bind_listeners()) {
    for (auto& worker : workers_) worker->drain(0);
    for (auto& worker : workers_) worker->join();
    return 1;
  }
  notifier_.notify("READY=1\nSTATUS=serving " + std::to_string(config_.channels.size()) +
                   " channels");
  event_base_loop(base_.get(), EVLOOP_NO_EXIT_ON_EMPTY);
  for (auto& worker : workers_) worker->drain(config_.server.shutdown_timeout_ms);
  for (auto& worker : workers_) worker->join();
  stop_all_bridges();
  log_info("stopped");
  return 0;
}

std::vector<NamedStatus> Gateway::bridge_statuses() const {
  std::lock_guard lock(bridges_mu_);
  std::vector<NamedStatus> out;
  for (const RunningBridge& r : bridges_) {
    out.push_back(
        NamedStatus{r.kind, r.config.name, r.config.type, r.bridge->status(), r.bridge->ready()});
  }
  return out;
}

std::string Gateway::metrics_text() const {
  std::string text = render_prometheus(metrics_, *channels_, bridge_statuses());
  if (writer_) text += render_store_metrics(*store_, *writer_);
  return text;
}

std::shared_ptr<Channel> Gateway::status_stream(const std::string& filter, bool* full) const {
  if (stopping_) {
    *full = false;
    return nullptr;
  }
  return status_feed_->open(filter, full);
}

std::pair<bool, std::string> Gateway::readiness() const {
  bool ready = !stopping_;
  std::string text = stopping_ ? "stopping\n" : "";
  for (const NamedStatus& b : bridge_statuses()) {
    if (b.kind == "sink") continue;  // readiness is about what feeds the channels
    ready = ready && b.ready;
    text += b.kind + " " + b.name + ": " + to_string(b.status.state);
    if (!b.status.detail.empty()) text += " (" + b.status.detail + ")";
    text += "\n";
  }
  return {ready, ready ? "ready\n" + text : text};
}

}  // namespace ssegw
