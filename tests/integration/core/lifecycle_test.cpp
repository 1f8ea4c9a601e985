// The process's life: config errors, signals, reload, systemd notification.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace ssegw::testing {
namespace {

using namespace std::chrono_literals;

TEST(Lifecycle, BadConfigExitsNonZeroNamingFileAndLine) {
  TempFile config("server:\n  workers: 2\n  listen_on: 127.0.0.1:1\n");
  ChildProcess gw({gateway_binary(), "--config", config.path()});
  auto status = gw.wait_exit(10s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_NE(WEXITSTATUS(*status), 0);
  EXPECT_NE(gw.output().find(config.path() + ":3:3"), std::string::npos) << gw.output();
  EXPECT_NE(gw.output().find("server.listen_on"), std::string::npos) << gw.output();
}

TEST(Lifecycle, CheckConfig) {
  TempFile good("channels: [{path: /a}]\n");
  ChildProcess ok({gateway_binary(), "--config", good.path(), "--check-config"});
  EXPECT_EQ(WEXITSTATUS(ok.wait_exit(10s).value()), 0);
  TempFile bad("channels: [{path: a}]\n");
  ChildProcess ko({gateway_binary(), "--config", bad.path(), "--check-config"});
  EXPECT_EQ(WEXITSTATUS(ko.wait_exit(10s).value()), 1);
  EXPECT_NE(ko.output().find("channels[0].path"), std::string::npos) << ko.output();
}

// --check-config on `config`: the exit code and what the gateway printed.
std::pair<int, std::string> check_config(const TempFile& config) {
  ChildProcess check({gateway_binary(), "--config", config.path(), "--check-config"});
  auto status = check.wait_exit(10s);
  EXPECT_TRUE(status && WIFEXITED(*status)) << check.output();
  return {status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1, check.output()};
}

TEST(Lifecycle, CheckConfigRefusesDuplicateKeys) {
  TempFile config("channels:\n  - path: /a\nchannels:\n  - path: /b\n");
  auto [code, out] = check_config(config);
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find(config.path() + ":3:1: key 'channels': duplicate key (first at line 1)"),
            std::string::npos)
      << out;
}

TEST(Lifecycle, CheckConfigRefusesOverflowingSizesAndDurations) {
  TempFile size("server:\n  max_body_bytes: 17179869184GiB\n");
  auto [size_code, size_out] = check_config(size);
  EXPECT_EQ(size_code, 1);
  EXPECT_NE(size_out.find(size.path() + ":2:19: key 'server.max_body_bytes'"), std::string::npos)
      << size_out;
  TempFile duration("server:\n  heartbeat: 9999999999999999h\n");
  auto [duration_code, duration_out] = check_config(duration);
  EXPECT_EQ(duration_code, 1);
  EXPECT_NE(duration_out.find(duration.path() + ":2:14: key 'server.heartbeat'"), std::string::npos)
      << duration_out;
}

TEST(Lifecycle, UnresolvableListenHostFailsCheckAndStartup) {
  // .invalid never resolves (RFC 6761).
  TempFile config("server:\n  listen:\n    - no-such-host.invalid:8080\n");
  const std::string expected = config.path() + ":3:7: key 'server.listen[0]': cannot resolve";
  auto [code, out] = check_config(config);
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find(expected), std::string::npos) << out;
  ChildProcess gw({gateway_binary(), "--config", config.path()});
  auto status = gw.wait_exit(10s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) != 0);
  EXPECT_NE(gw.output().find(expected), std::string::npos) << gw.output();
}

TEST(Lifecycle, ListenHostNameIsResolvedAndTheBoundAddressLogged) {
  GatewayProcess gw("channels: [{path: /e}]\n", {"--listen", "localhost:0"});
  EXPECT_NE(gw.output().find("listening on 127.0.0.1:" + std::to_string(gw.port())),
            std::string::npos)
      << gw.output();
  gw.process().signal(SIGTERM);
  auto status = gw.process().wait_exit(10s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << gw.output();
}

TEST(Lifecycle, DefaultConfigIsValid) {
  ChildProcess ok(
      {gateway_binary(), "--config", source_dir() + "/conf/gateway.yaml", "--check-config"});
  EXPECT_EQ(WEXITSTATUS(ok.wait_exit(10s).value()), 0) << ok.output();
}

TEST(Lifecycle, VersionAndHelp) {
  ChildProcess v({gateway_binary(), "--version"});
  EXPECT_EQ(WEXITSTATUS(v.wait_exit(10s).value()), 0);
  EXPECT_NE(v.output().find("sse-gateway "), std::string::npos);
  ChildProcess h({gateway_binary(), "--bogus"});
  EXPECT_NE(WEXITSTATUS(h.wait_exit(10s).value()), 0);
}

TEST(Lifecycle, SigtermClosesStreamsAndExitsZero) {
  GatewayProcess gw("channels: [{path: /e, publish: true}]\n");
  SseClient sub(gw.port(), "/e");
  ASSERT_EQ(sub.status(), 200);
  ASSERT_EQ(publish(gw.port(), "/e", "before").status, 200);
  gw.process().signal(SIGTERM);
  auto e = sub.next(5s);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->data, "before");
  EXPECT_FALSE(sub.next(5s));
  EXPECT_TRUE(sub.closed());
  auto status = gw.process().wait_exit(10s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
}

TEST(Lifecycle, SighupAddsAChannelAndKeepsSubscribers) {
  GatewayProcess gw("channels: [{path: /old, history: 10, publish: true}]\n");
  SseClient old_sub(gw.port(), "/old");
  ASSERT_EQ(publish(gw.port(), "/old", "1").status, 200);
  ASSERT_TRUE(old_sub.next());
  EXPECT_EQ(http_request(gw.port(), "GET", "/new").status, 404);
  gw.rewrite_config(
      "channels:\n  - {path: /old, history: 10, publish: true}\n  - {path: /new, publish: true}\n");
  gw.process().signal(SIGHUP);
  ASSERT_TRUE(gw.process().wait_for_output("config reloaded", 10s)) << gw.output();
  SseClient new_sub(gw.port(), "/new");
  EXPECT_EQ(new_sub.status(), 200);
  ASSERT_EQ(publish(gw.port(), "/new", "n").status, 200);
  EXPECT_EQ(new_sub.next()->data, "n");
  ASSERT_EQ(publish(gw.port(), "/old", "2").status, 200);
  auto e = old_sub.next();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->data, "2");
}

TEST(Lifecycle, BadReloadKeepsTheRunningConfig) {
  GatewayProcess gw("channels: [{path: /keep, publish: true}]\n");
  SseClient sub(gw.port(), "/keep");
  gw.rewrite_config("channels: [{path: /keep, publish: maybe}]\n");
  gw.process().signal(SIGHUP);
  ASSERT_TRUE(gw.process().wait_for_output("config reload rejected", 10s)) << gw.output();
  EXPECT_NE(gw.output().find("channels[0].publish"), std::string::npos);
  ASSERT_EQ(publish(gw.port(), "/keep", "still").status, 200);
  EXPECT_EQ(sub.next()->data, "still");
}

TEST(Lifecycle, SighupRemovesAChannelAndEndsItsStreams) {
  GatewayProcess gw("channels: [{path: /a}, {path: /b}]\n");
  SseClient sub(gw.port(), "/b");
  gw.rewrite_config("channels: [{path: /a}]\n");
  gw.process().signal(SIGHUP);
  EXPECT_FALSE(sub.next(5s));
  EXPECT_TRUE(sub.closed());
  EXPECT_EQ(http_request(gw.port(), "GET", "/b").status, 404);
}

// A datagram socket standing in for systemd's notify socket.
class NotifySocket {
 public:
  NotifySocket() {
    path_ = "/tmp/ssegw-notify-" + std::to_string(getpid()) + "-" + std::to_string(rand());
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    timeval tv{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~NotifySocket() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }
  std::string receive() {
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }

 private:
  std::string path_;
  int fd_;
};

TEST(Lifecycle, SystemdNotifications) {
  NotifySocket notify;
  GatewayProcess gw("channels: [{path: /e}]\n", {},
                    {{"NOTIFY_SOCKET", notify.path()}, {"WATCHDOG_USEC", "400000"}});
  std::string ready = notify.receive();
  EXPECT_NE(ready.find("READY=1"), std::string::npos) << ready;
  EXPECT_NE(ready.find("STATUS="), std::string::npos) << ready;
  EXPECT_NE(notify.receive().find("WATCHDOG=1"), std::string::npos);
  gw.process().signal(SIGHUP);
  bool reloading = false, ready_again = false;
  for (int i = 0; i < 10 && !ready_again; ++i) {
    std::string m = notify.receive();
    reloading = reloading || m.find("RELOADING=1") != std::string::npos;
    ready_again = reloading && m.find("READY=1") != std::string::npos;
  }
  EXPECT_TRUE(reloading);
  EXPECT_TRUE(ready_again);
  gw.process().signal(SIGTERM);
  bool stopping = false;
  for (int i = 0; i < 10 && !stopping; ++i)
    stopping = notify.receive().find("STOPPING=1") != std::string::npos;
  EXPECT_TRUE(stopping);
}

// The near-max_connections alert divides by ssegw_max_connections: it must follow a reload.
TEST(Lifecycle, MaxConnectionsGaugeFollowsAReload) {
  GatewayProcess gw("server: {max_connections: 7}\nchannels: [{path: /e}]\n");
  EXPECT_NE(http_request(gw.port(), "GET", "/metrics").body.find("\nssegw_max_connections 7\n"),
            std::string::npos);
  gw.rewrite_config("server: {max_connections: 9}\nchannels: [{path: /e}]\n");
  gw.process().signal(SIGHUP);
  ASSERT_TRUE(gw.process().wait_for_output("config reloaded", 10s)) << gw.output();
  const std::string body = http_request(gw.port(), "GET", "/metrics").body;
  EXPECT_NE(body.find("# TYPE ssegw_max_connections gauge\nssegw_max_connections 9\n"),
            std::string::npos)
      << body;
}

}  // namespace
}  // namespace ssegw::testing
