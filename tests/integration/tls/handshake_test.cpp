// Handshakes that go wrong (plain HTTP on the TLS port, a client that says nothing) are
// closed and counted without disturbing streams already running; the protocol floor and the
// certificate chosen by SNI are what the config says.
#include <gtest/gtest.h>

#include "tests/integration/tls/tls_support.h"
#include "tests/support/http_client.h"
#include "tests/support/raw_connection.h"

namespace ssegw::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const char* kHttpRequestFailures = "ssegw_tls_handshake_failures_total{reason=\"http_request\"}";
const char* kTimeoutFailures = "ssegw_tls_handshake_failures_total{reason=\"timeout\"}";

TEST(Handshake, PlainHttpOnTheTlsPortIsClosedAndCountedWhileTlsStreamsGoOn) {
  TlsGateway gw;
  ChildProcess witness(h2_script_argv("hold", gw.tls_port(), {"--events", "1"}));
  ASSERT_TRUE(witness.wait_for_output("open=", seconds(10))) << witness.output();

  RawConnection plain(gw.tls_port());
  ASSERT_TRUE(plain.connected());
  plain.send("GET /events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n");
  const std::string answer = plain.read_to_close(seconds(5));
  EXPECT_TRUE(plain.saw_close()) << "still open after plain HTTP; got: " << answer;
  EXPECT_EQ(answer.find("text/event-stream"), std::string::npos) << answer;
  EXPECT_TRUE(wait_until([&] { return metric_sample(gw.metrics(), kHttpRequestFailures) >= 1; },
                         seconds(5)))
      << gw.metrics();

  ASSERT_EQ(publish(gw.plain_port(), "/events", "still-streaming").status, 200);
  EXPECT_TRUE(witness.wait_exit(seconds(10))) << witness.output();
  EXPECT_NE(witness.output().find(" still-streaming\n"), std::string::npos) << witness.output();
}

TEST(Handshake, ClientThatSendsNothingIsClosedAfterTheHandshakeTimeout) {
  TlsGatewayOptions options;
  options.handshake_timeout = "1s";
  TlsGateway gw(options);
  const double before = metric_sample(gw.metrics(), kTimeoutFailures);
  RawConnection silent(gw.tls_port());
  ASSERT_TRUE(silent.connected());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent.wait_peer_gone(seconds(6)));
  const auto waited =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
  EXPECT_GE(waited.count(), 800) << "closed before the 1 s handshake timeout";
  EXPECT_LE(waited.count(), 4000);
  EXPECT_TRUE(wait_until(
      [&] { return metric_sample(gw.metrics(), kTimeoutFailures) >= std::max(before, 0.0) + 1; },
      seconds(5)))
      << gw.metrics();
  // The plain listener is not subject to it: an idle plain connection stays open past 1 s.
  RawConnection idle_plain(gw.plain_port());
  EXPECT_FALSE(idle_plain.wait_peer_gone(milliseconds(1500)));
}

TEST(Handshake, MinVersion13RefusesTls12) {
  TlsGatewayOptions options;
  options.min_version = "1.3";
  TlsGateway gw(options);
  auto connect = [&](const std::string& version) {
    return run_tool({"openssl", "s_client", version, "-connect",
                     "127.0.0.1:" + std::to_string(gw.tls_port()), "-servername", "localhost",
                     "-CAfile", test_pki().path("ca.pem")},
                    seconds(15));
  };
  ToolResult tls12 = connect("-tls1_2");
  EXPECT_NE(tls12.exit_code, 0) << tls12.output;
  ToolResult tls13 = connect("-tls1_3");
  EXPECT_EQ(tls13.exit_code, 0) << tls13.output;
  EXPECT_NE(tls13.output.find("TLSv1.3"), std::string::npos) << tls13.output;
}

TEST(Handshake, SniChoosesTheCertificateAndTheFirstIsTheDefault) {
  TlsGatewayOptions options;
  options.tls_block = "        certificates:\n"
                      "          - cert_file: " + test_pki().path("server.pem") + "\n" +
                      "            key_file: " + test_pki().path("server.key") + "\n" +
                      "          - cert_file: " + test_pki().path("other.pem") + "\n" +
                      "            key_file: " + test_pki().path("other.key") + "\n";
  TlsGateway gw(options);
  EXPECT_EQ(served_serial(gw.tls_port(), "other.test"), "3003");
  EXPECT_EQ(served_serial(gw.tls_port(), "localhost"), "1001");
  EXPECT_EQ(served_serial(gw.tls_port(), "unknown.example"), "1001");
}

}  // namespace
}  // namespace ssegw::testing
