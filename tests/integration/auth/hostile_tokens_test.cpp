// One client pipelining forged tokens costs the gateway a signature check each (ES384 is the
// dearest: about a millisecond), but must not starve anyone else: a worker handles at most 32
// requests of one connection per loop turn, so a subscriber on the same gateway keeps getting
// its events on time while the flood is being answered with 401s.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/integration/auth/auth_support.h"
#include "tests/support/raw_connection.h"

namespace ssegw::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

// A token whose signature is checked and fails: its payload swapped after signing.
std::string forged(const std::string& token) {
  const size_t first = token.find('.');
  const size_t second = token.find('.', first + 1);
  std::string copy = token;
  char& c = copy[first + 1 + (second - first) / 2];  // one payload character changed
  c = c == 'A' ? 'B' : 'A';
  return copy;
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(HostileTokens, AFloodOfForgedTokensDoesNotStarveASubscriber) {
  AuthConfig config;
  config.workers = 1;  // the attacker and the subscriber share the one fan-out worker
  AuthGateway gw(config);
  Claims publisher;
  publisher.publish = {"/orders"};
  const std::vector<std::string> tokens =
      gw.mint({signed_by("HS256"), signed_by("ES384"), signed_by("HS256", publisher)});
  SseClient subscriber(gw.port(), "/orders", bearer(tokens[0]));
  ASSERT_TRUE(is_event_stream(subscriber)) << subscriber.status();

  constexpr int kFlood = 1500;
  std::string burst;
  const std::string bad = forged(tokens[1]);
  for (int i = 0; i < kFlood; ++i) {
    burst += "GET /orders HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer " + bad + "\r\n";
    burst += i + 1 == kFlood ? "Connection: close\r\n\r\n" : "\r\n";
  }
  RawConnection attacker(gw.port());
  ASSERT_TRUE(attacker.connected());
  std::string answers;
  std::thread reader([&] { answers = attacker.read_to_close(seconds(60 * slowdown())); });
  std::thread sender([&] { attacker.send(burst, seconds(30 * slowdown())); });

  // While the flood is answered, ten events published 100 ms apart each arrive well within a
  // second: the subscriber is not waiting behind the attacker's signature checks.
  milliseconds worst{0};
  for (int i = 0; i < 10; ++i) {
    // Appended, not "e" + to_string(i): GCC 12 warns falsely (-Wrestrict) on that operator+.
    std::string data = "e";
    data += std::to_string(i);
    const Clock::time_point sent = Clock::now();
    ASSERT_EQ(publish(gw.port(), "/orders", data, "", bearer(tokens[2])).status, 200);
    const std::optional<SseEvent> got = subscriber.next(seconds(5 * slowdown()));
    ASSERT_TRUE(got) << "event " << i << " did not arrive";
    EXPECT_EQ(got->data, data);
    worst = std::max(worst, std::chrono::duration_cast<milliseconds>(Clock::now() - sent));
    std::this_thread::sleep_for(milliseconds(100));
  }
  sender.join();
  reader.join();
  RecordProperty("worst_delivery_ms", static_cast<int>(worst.count()));
  EXPECT_LT(worst, milliseconds(1000 * slowdown())) << "a subscriber waited behind the flood";
  // Every forged request was answered 401, in order, on its own connection.
  EXPECT_EQ(count(answers, "HTTP/1.1 401 "), static_cast<size_t>(kFlood));
  EXPECT_GE(gw.metric("ssegw_auth_rejections_total{reason=\"invalid_token\"}", kFlood), kFlood);
}

}  // namespace
}  // namespace ssegw::testing
