#include "bridges/kafka/kafka_feed.h"

#include <gtest/gtest.h>

namespace ssegw::kafka {
namespace {

// The lag alert and the dashboard need the series before the first assignment, even while
// no broker answers.
TEST(KafkaFeed, ReportsZeroLagAndPartitionsBeforeItStarts) {
  FeedOptions options;
  options.name = "orders";
  options.brokers = "127.0.0.1:1";
  options.topics = {"orders"};
  const KafkaFeed feed(options, {});
  const BridgeStatus status = feed.status();
  ASSERT_EQ(status.gauges.count("consumer_lag"), 1u);
  EXPECT_EQ(status.gauges.at("consumer_lag"), 0);
  ASSERT_EQ(status.gauges.count("partitions"), 1u);
  EXPECT_EQ(status.gauges.at("partitions"), 0);
}

}  // namespace
}  // namespace ssegw::kafka
