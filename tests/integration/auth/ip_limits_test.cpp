// Per-IP limits: open connections per client address (a stream, or a keep-alive connection
// that made a request) and new connections per second. Over either, the request gets 429
// with Retry-After and the rejection is counted by reason.
#include <gtest/gtest.h>

#include <memory>

#include "tests/integration/auth/auth_support.h"
#include "tests/support/raw_connection.h"

namespace ssegw::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kHealthRequest = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

// True once a new connection's request gets 200 again: after a close, the gateway frees the
// address's slot on its next loop turn, and refills a rate as time passes.
bool taken_again_within(uint16_t port, std::chrono::milliseconds timeout) {
  return wait_until([&] { return http_request(port, "GET", "/healthz").status == 200; }, timeout);
}

bool has_retry_after(const std::map<std::string, std::string>& headers) {
  const std::string value = header(headers, "retry-after");
  return !value.empty() && value.find_first_not_of("0123456789") == std::string::npos;
}

// A gateway taking five connections per address, all of which come from 127.0.0.1 here.
class ConnectionsPerIp : public ::testing::Test {
 protected:
  static AuthConfig five_per_ip() {
    AuthConfig config;
    config.connections_per_ip = 5;
    return config;
  }
  void expect_rejections_counted() const {
    EXPECT_GE(gw.metric("ssegw_limit_rejections_total{reason=\"connections_per_ip\"}", 1), 1);
  }
  AuthGateway gw{five_per_ip()};
};

TEST_F(ConnectionsPerIp, SixthStreamGets429UntilOneCloses) {
  std::vector<std::unique_ptr<SseClient>> streams;
  for (int i = 0; i < 5; ++i) {
    streams.push_back(std::make_unique<SseClient>(gw.port(), "/open"));
    ASSERT_TRUE(is_event_stream(*streams.back()))
        << "stream " << i << ": " << streams.back()->status();
  }
  {
    SseClient sixth(gw.port(), "/open");
    EXPECT_EQ(sixth.status(), 429);
    EXPECT_TRUE(has_retry_after(sixth.headers())) << header(sixth.headers(), "retry-after");
  }
  streams.front()->close();
  EXPECT_TRUE(taken_again_within(gw.port(), seconds(5)));
  SseClient replacement(gw.port(), "/open");
  EXPECT_TRUE(is_event_stream(replacement)) << replacement.status();
  replacement.close();
  streams.clear();
  expect_rejections_counted();
}

TEST_F(ConnectionsPerIp, KeepAliveConnectionsThatMadeARequestCountToo) {
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 5; ++i) {
    held.push_back(std::make_unique<RawConnection>(gw.port()));
    held.back()->send(kHealthRequest);
    const std::string answer = held.back()->read_until("ok\n", seconds(5));
    ASSERT_EQ(answer.rfind("HTTP/1.1 200", 0), 0) << "connection " << i << ": " << answer;
  }
  RawConnection sixth(gw.port());
  sixth.send(kHealthRequest);
  const std::string refused = sixth.read_until("\r\n\r\n", seconds(5));
  EXPECT_EQ(refused.rfind("HTTP/1.1 429", 0), 0) << refused;
  EXPECT_NE(refused.find("Retry-After:"), std::string::npos) << refused;
  sixth.close();

  held.front()->close();
  EXPECT_TRUE(taken_again_within(gw.port(), seconds(5)));
  held.clear();
  expect_rejections_counted();
}

TEST(ConnectRatePerIp, BurstOfNewConnectionsAboveTheRateGets429) {
  AuthConfig config;
  config.connect_rate_per_ip = 5;
  AuthGateway gw(config);
  int accepted = 0;
  int limited = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    const HttpResponse r = http_request(gw.port(), "GET", "/healthz", "", {}, seconds(2));
    if (r.status == 200) ++accepted;
    if (r.status == 429) {
      ++limited;
      EXPECT_TRUE(has_retry_after(r.headers)) << header(r.headers, "retry-after");
    }
  }
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_LT(took, seconds(1)) << "the burst was too slow to say anything about a rate";
  EXPECT_GE(accepted, 1);
  EXPECT_GE(limited, 1) << accepted << " of 20 accepted within a second at 5 a second";
  EXPECT_EQ(accepted + limited, 20);
  const double counted = limited;
  EXPECT_GE(gw.metric("ssegw_limit_rejections_total{reason=\"connect_rate_per_ip\"}", counted),
            counted);
  EXPECT_TRUE(taken_again_within(gw.port(), seconds(3))) << "the rate did not refill";
}

}  // namespace
}  // namespace ssegw::testing
