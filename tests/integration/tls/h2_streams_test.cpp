// Many SSE streams on one HTTP/2 connection over TLS (h2_streams.py, Python h2): fan-out to
// every stream, a stream whose flow-control window is exhausted is reset without holding up
// the others, and Last-Event-ID resume per stream.
#include <gtest/gtest.h>

#include "tests/integration/tls/tls_support.h"
#include "tests/support/http_client.h"

namespace ssegw::testing {
namespace {

using std::chrono::seconds;

TEST(H2Streams, HundredStreamsOnOneConnectionGetEveryEventInOrder) {
  TlsGateway gw;
  H2Result r = run_h2("fanout", gw.tls_port(),
                      {"--plain-port", std::to_string(gw.plain_port()), "--streams", "100",
                       "--events", "20", "--timeout", "40"},
                      seconds(60));
  EXPECT_EQ(r.exit_code, 0) << r.output << "\ngateway:\n" << gw.output();
  EXPECT_EQ(r.field("streams"), "100") << r.output;
  EXPECT_EQ(r.field("published"), "20") << r.output;
  EXPECT_EQ(r.field("complete"), "100") << r.output;
  EXPECT_EQ(r.field("peer_serial"), "1001") << r.output;
}

// 64 KiB of queue per subscriber and 16 KiB events: the stream that never sends WINDOW_UPDATE
// has its 64 KiB window and then its queue full after a handful of events.
TEST(H2Streams, StreamThatStopsReadingIsResetWhileTheOthersGetEveryEvent) {
  TlsGatewayOptions options;
  options.subscriber_queue_bytes = "64KiB";
  TlsGateway gw(options);
  H2Result r = run_h2("stall", gw.tls_port(),
                      {"--plain-port", std::to_string(gw.plain_port()), "--streams", "100",
                       "--events", "24", "--size", "16384", "--timeout", "60"},
                      seconds(90));
  EXPECT_EQ(r.exit_code, 0) << r.output << "\ngateway:\n" << gw.output();
  EXPECT_EQ(r.field("stalled_reset"), "1") << r.output;
  EXPECT_EQ(r.field("complete"), "99") << r.output;
  EXPECT_LT(std::stoi(r.fields.count("stalled_events") ? r.field("stalled_events") : "99"), 24)
      << r.output;
  EXPECT_GE(metric_sample(gw.metrics(), "ssegw_h2_rst_sent_total"), 1) << gw.metrics();
}

TEST(H2Streams, LastEventIdResumesWithExactlyTheEventsAfterIt) {
  TlsGateway gw;
  H2Result r = run_h2("resume", gw.tls_port(),
                      {"--plain-port", std::to_string(gw.plain_port()), "--timeout", "20"},
                      seconds(40));
  EXPECT_EQ(r.exit_code, 0) << r.output << "\ngateway:\n" << gw.output();
  EXPECT_EQ(r.field("got_ids"), r.field("want_ids")) << r.output;
}

// While one h2 stream is open over TLS the protocol gauges say so, and they fall back when
// the client goes.
TEST(H2Streams, MetricsCountH2ConnectionsAndStreams) {
  TlsGateway gw;
  {
    ChildProcess holder(h2_script_argv("hold", gw.tls_port(), {"--events", "1"}));
    ASSERT_TRUE(holder.wait_for_output("open=", seconds(10))) << holder.output();
    const char* h2_tls = "ssegw_connections_open_by_protocol{protocol=\"h2\",tls=\"true\"}";
    EXPECT_TRUE(wait_until([&] { return metric_sample(gw.metrics(), h2_tls) == 1; }, seconds(5)))
        << gw.metrics();
    EXPECT_GE(metric_sample(gw.metrics(), "ssegw_h2_streams_open"), 1) << gw.metrics();
    ASSERT_EQ(publish(gw.plain_port(), "/events", "counted").status, 200);
    EXPECT_TRUE(holder.wait_exit(seconds(10))) << holder.output();
    EXPECT_NE(holder.output().find(" counted\n"), std::string::npos) << holder.output();
  }
  EXPECT_TRUE(wait_until([&] { return metric_sample(gw.metrics(), "ssegw_h2_streams_open") == 0; },
                         seconds(5)))
      << gw.metrics();
}

}  // namespace
}  // namespace ssegw::testing
