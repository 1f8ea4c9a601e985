#include "gateway/metrics.h"

#include <gtest/gtest.h>

#include <string>

#include "gateway/build_info.h"

namespace ssegw {
namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

NamedStatus bridge(std::string kind, std::string name, std::map<std::string, double> gauges) {
  NamedStatus b;
  b.kind = std::move(kind);
  b.name = std::move(name);
  b.type = "mqtt";
  b.status.gauges = std::move(gauges);
  return b;
}

TEST(Metrics, ExportsMaxConnectionsAsAGauge) {
  Metrics metrics;
  metrics.max_connections.store(2500);
  ChannelDirectory channels(0, {});
  const std::string text = render_prometheus(metrics, channels, {});
  EXPECT_NE(text.find("# TYPE ssegw_max_connections gauge\nssegw_max_connections 2500\n"),
            std::string::npos)
      << text;
}

TEST(Metrics, NamesTheVersionAndCommitBuiltFrom) {
  Metrics metrics;
  ChannelDirectory channels(0, {});
  const std::string text = render_prometheus(metrics, channels, {});
  const std::string line = "ssegw_build_info{version=\"" + std::string(build_version()) +
                           "\",commit=\"" + std::string(build_commit()) + "\"} 1\n";
  EXPECT_NE(text.find("# TYPE ssegw_build_info gauge\n" + line), std::string::npos) << text;
  EXPECT_FALSE(build_commit().empty());
}

// The text format wants one family's lines together after one TYPE line, whichever bridges
// report the key.
TEST(Metrics, GroupsABridgeGaugeOfSeveralBridgesUnderOneTypeLine) {
  Metrics metrics;
  ChannelDirectory channels(0, {});
  const std::string text = render_prometheus(
      metrics, channels,
      {bridge("sink", "a", {{"queue_depth", 3}, {"spool_bytes", 10}}),
       bridge("source", "b", {{"connected", 1}}), bridge("sink", "c", {{"queue_depth", 4}})});
  EXPECT_EQ(count(text, "# TYPE ssegw_bridge_queue_depth gauge\n"), 1u) << text;
  EXPECT_NE(text.find("# TYPE ssegw_bridge_queue_depth gauge\n"
                      "ssegw_bridge_queue_depth{kind=\"sink\",name=\"a\"} 3\n"
                      "ssegw_bridge_queue_depth{kind=\"sink\",name=\"c\"} 4\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE ssegw_bridge_spool_bytes gauge\n"
                      "ssegw_bridge_spool_bytes{kind=\"sink\",name=\"a\"} 10\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE ssegw_bridge_connected gauge\n"
                      "ssegw_bridge_connected{kind=\"source\",name=\"b\"} 1\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace ssegw
