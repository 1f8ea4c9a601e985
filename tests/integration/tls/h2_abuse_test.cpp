// HTTP/2 peers that abuse the protocol: the rapid-reset flood (CVE-2023-44487), PING and
// SETTINGS floods get GOAWAY ENHANCE_YOUR_CALM and a close, while another h2 connection keeps
// streaming; streams over max_concurrent_streams get RST_STREAM REFUSED_STREAM.
#include <gtest/gtest.h>

#include "tests/integration/tls/tls_support.h"
#include "tests/support/http_client.h"

namespace ssegw::testing {
namespace {

using std::chrono::seconds;

class H2Abuse : public ::testing::Test {
 protected:
  // Runs the abusive `mode` with a witness stream open on another connection, then checks
  // the abuser got GOAWAY ENHANCE_YOUR_CALM and was closed, and the witness still streams.
  // `reason` is the label of ssegw_h2_goaway_sent_total the gateway counts it under.
  void expect_calm_goaway(const std::string& mode, const std::string& reason,
                          const std::vector<std::string>& args) {
    ChildProcess witness(h2_script_argv("hold", gw.tls_port(), {"--events", "1", "--timeout", "60"}));
    ASSERT_TRUE(witness.wait_for_output("open=", seconds(10))) << witness.output();
    H2Result r = run_h2(mode, gw.tls_port(), args, seconds(60));
    EXPECT_EQ(r.field("goaway"), "1") << r.output << "\ngateway:\n" << gw.output();
    EXPECT_EQ(r.field("goaway_code"), "ENHANCE_YOUR_CALM") << r.output;
    EXPECT_EQ(r.field("closed"), "1") << r.output;
    EXPECT_EQ(metric_sample(gw.metrics(),
                            "ssegw_h2_goaway_sent_total{reason=\"" + reason + "\"}"),
              1)
        << gw.metrics();

    ASSERT_TRUE(gw.process().running()) << gw.output();
    ASSERT_EQ(publish(gw.plain_port(), "/events", "after-" + mode).status, 200);
    EXPECT_TRUE(witness.wait_exit(seconds(10))) << witness.output();
    EXPECT_NE(witness.output().find(" after-" + mode + "\n"), std::string::npos)
        << witness.output();
  }

  TlsGateway gw;
};

TEST_F(H2Abuse, RapidResetFloodGetsGoawayEnhanceYourCalm) {
  expect_calm_goaway("rapid-reset", "rapid_reset", {"--count", "20000", "--timeout", "40"});
}

TEST_F(H2Abuse, PingFloodGetsGoawayEnhanceYourCalm) {
  expect_calm_goaway("ping-flood", "ping_flood", {"--count", "200000", "--timeout", "40"});
}

TEST_F(H2Abuse, SettingsFloodGetsGoawayEnhanceYourCalm) {
  expect_calm_goaway("settings-flood", "settings_flood", {"--count", "200000", "--timeout", "40"});
}

TEST(H2Limits, StreamsOverMaxConcurrentStreamsAreRefused) {
  TlsGatewayOptions options;
  options.max_concurrent_streams = 10;
  TlsGateway gw(options);
  H2Result r = run_h2("max-streams", gw.tls_port(), {"--streams", "15", "--timeout", "20"},
                      seconds(40));
  EXPECT_EQ(r.exit_code, 0) << r.output << "\ngateway:\n" << gw.output();
  EXPECT_EQ(r.field("server_max_concurrent_streams"), "10") << r.output;
  EXPECT_EQ(r.field("accepted"), "10") << r.output;
  EXPECT_EQ(r.field("refused"), "5") << r.output;
  EXPECT_EQ(r.field("refused_ids"), "21,23,25,27,29") << r.output;
  EXPECT_GE(metric_sample(gw.metrics(), "ssegw_h2_rst_sent_total"), 5) << gw.metrics();
  EXPECT_EQ(metric_sample(gw.metrics(), "ssegw_h2_streams_refused_total"), 5) << gw.metrics();
}

}  // namespace
}  // namespace ssegw::testing
