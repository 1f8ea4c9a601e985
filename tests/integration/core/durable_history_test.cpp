// Durable history (history.store: disk) against the real binary: restarts by SIGTERM and by
// SIGKILL resume exactly, a lost store is told with the reset event, start positions, a full
// store's 507 and its recovery, a corrupt store stopping the start.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace ssegw::testing {
namespace {

using namespace std::chrono_literals;

std::string id_of(const HttpResponse& r) {
  const size_t at = r.body.find("\"id\":\"");
  if (r.status != 200 || at == std::string::npos) return "";
  return r.body.substr(at + 6, r.body.find('"', at + 6) - at - 6);
}

std::string rfc3339_now() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  const std::time_t s = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char text[40];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", text, static_cast<int>(ms.count() % 1000));
  return out;
}

class DurableHistory : public ::testing::Test {
 protected:
  std::string config(const std::string& history, const std::string& server_extra = "") const {
    return "server:\n  workers: 2\n  state_dir: " + state_.path() + "\n" + server_extra +
           "channels:\n  - {path: /events, publish: true, history: " + history + "}\n";
  }
  std::unique_ptr<GatewayProcess> start(const std::string& yaml) {
    return std::make_unique<GatewayProcess>(yaml);
  }
  static void stop(std::unique_ptr<GatewayProcess>& gw, int sig) {
    gw->process().signal(sig);
    auto status = gw->process().wait_exit(20s);
    ASSERT_TRUE(status) << gw->output();
    if (sig == SIGTERM) {
      EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
    }
    gw.reset();
  }
  std::vector<std::string> publish_numbered(uint16_t port, int from, int to) {
    std::vector<std::string> ids;
    for (int i = from; i <= to; ++i) {
      std::string id = id_of(publish(port, "/events", "e" + std::to_string(i)));
      EXPECT_FALSE(id.empty()) << i;
      ids.push_back(id);
    }
    return ids;
  }
  static std::vector<std::string> numbered(int from, int to) {
    std::vector<std::string> out;
    for (int i = from; i <= to; ++i) out.push_back("e" + std::to_string(i));
    return out;
  }

  TempDir state_;
};

TEST_F(DurableHistory, ASigtermRestartResumesFromThe500thIdWithNoGapAndNoDuplicate) {
  const std::string yaml = config("{size: 2000, store: disk, sync: batch}");
  auto gw = start(yaml);
  std::vector<std::string> ids = publish_numbered(gw->port(), 1, 1000);
  stop(gw, SIGTERM);

  gw = start(yaml);
  SseClient sub(gw->port(), "/events", {{"Last-Event-ID", ids[499]}});
  ASSERT_EQ(sub.status(), 200);
  std::vector<SseEvent> got = sub.take(500, 20s);
  EXPECT_EQ(data_of(got), numbered(501, 1000));
  ASSERT_EQ(got.size(), 500u);
  EXPECT_EQ(got.front().id, ids[500]);
  EXPECT_EQ(got.back().id, ids[999]);
  // Live follows the replay, with an id above every earlier one.
  const std::string next = id_of(publish(gw->port(), "/events", "after"));
  auto live = sub.next();
  ASSERT_TRUE(live);
  EXPECT_EQ(live->data, "after");
  EXPECT_EQ(live->id, next);
  EXPECT_GT(std::stoull(next), std::stoull(ids.back()));
}

TEST_F(DurableHistory, AfterSigkillWithSyncAlwaysEveryAcknowledgedPublishIsThere) {
  const std::string yaml = config("{size: 100000, store: disk, sync: always}");
  auto gw = start(yaml);
  const uint16_t port = gw->port();
  std::vector<std::string> acked;
  std::atomic<size_t> count{0};
  std::thread publisher([&] {
    // Bounded: at most 5,000 publishes; it ends at the first one not acknowledged.
    for (int i = 1; i <= 5000; ++i) {
      std::string id = id_of(publish(port, "/events", "e" + std::to_string(i)));
      if (id.empty()) break;
      acked.push_back(id);
      count.store(acked.size());
    }
  });
  ASSERT_TRUE(wait_until([&] { return count.load() >= 300; }, 30s));
  gw->process().signal(SIGKILL);
  publisher.join();
  ASSERT_TRUE(gw->process().wait_exit(10s));
  gw.reset();

  gw = start(yaml);
  SseClient sub(gw->port(), "/events?lastEventId=earliest");
  std::vector<SseEvent> got = sub.take(acked.size() + 1, 20s);
  // Every acknowledged publish, in order; at most the one in flight beyond them.
  ASSERT_GE(got.size(), acked.size());
  EXPECT_LE(got.size(), acked.size() + 1);
  for (size_t i = 0; i < acked.size(); ++i) {
    ASSERT_EQ(got[i].id, acked[i]) << i;
    ASSERT_EQ(got[i].data, "e" + std::to_string(i + 1)) << i;
  }
}

TEST_F(DurableHistory, AResumeAfterTheStoreWasDeletedStartsWithTheResetEvent) {
  const std::string yaml = config("{size: 100, store: disk}");
  auto gw = start(yaml);
  std::vector<std::string> ids = publish_numbered(gw->port(), 1, 10);
  stop(gw, SIGTERM);
  std::filesystem::remove_all(state_.path() + "/history");

  gw = start(yaml);
  const std::string fresh = id_of(publish(gw->port(), "/events", "new"));
  SseClient sub(gw->port(), "/events", {{"Last-Event-ID", ids[4]}});
  auto reset = sub.next();
  ASSERT_TRUE(reset);
  EXPECT_EQ(reset->type, "reset");
  EXPECT_FALSE(reset->id_field);
  EXPECT_EQ(reset->data, "{\"last_event_id\":\"" + ids[4] + "\",\"oldest_id\":\"" + fresh +
                             "\",\"reason\":\"unknown\"}");
  auto retained = sub.next();
  ASSERT_TRUE(retained);
  EXPECT_EQ(retained->data, "new");
  // With the store in place, an id older than the history has expired.
  stop(gw, SIGTERM);
  gw = start(config("{size: 1, store: disk}"));
  SseClient old(gw->port(), "/events", {{"Last-Event-ID", ids[4]}});
  auto expired = old.next();
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->type, "reset");
  EXPECT_NE(expired->data.find("\"reason\":\"unknown\""), std::string::npos) << expired->data;
}

TEST_F(DurableHistory, AnIdOlderThanTheStoredHistoryHasExpiredAcrossARestart) {
  const std::string yaml = config("{size: 5, store: disk}");
  auto gw = start(yaml);
  std::vector<std::string> ids = publish_numbered(gw->port(), 1, 20);
  stop(gw, SIGTERM);
  gw = start(yaml);
  SseClient sub(gw->port(), "/events", {{"Last-Event-ID", ids[2]}});
  std::vector<SseEvent> got = sub.take(6, 5s);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[0].type, "reset");
  EXPECT_EQ(got[0].data, "{\"last_event_id\":\"" + ids[2] + "\",\"oldest_id\":\"" + ids[15] +
                             "\",\"reason\":\"expired\"}");
  got.erase(got.begin());
  EXPECT_EQ(data_of(got), numbered(16, 20));
  // The id just before the oldest retained one is exact: no reset.
  SseClient exact(gw->port(), "/events", {{"Last-Event-ID", ids[14]}});
  EXPECT_EQ(data_of(exact.take(5, 5s)), numbered(16, 20));
}

TEST_F(DurableHistory, LastEventIdEarliestLatestAndATime) {
  auto gw = start(config("{size: 100, store: disk}"));
  publish_numbered(gw->port(), 1, 3);
  std::this_thread::sleep_for(50ms);
  const std::string since = rfc3339_now();
  std::this_thread::sleep_for(50ms);
  publish_numbered(gw->port(), 4, 5);
  SseClient earliest(gw->port(), "/events?lastEventId=earliest");
  EXPECT_EQ(data_of(earliest.take(5, 5s)), numbered(1, 5));
  SseClient from_time(gw->port(), "/events?lastEventId=" + since);
  EXPECT_EQ(data_of(from_time.take(2, 5s)), numbered(4, 5));
  SseClient latest(gw->port(), "/events?lastEventId=latest");
  ASSERT_EQ(latest.status(), 200);
  EXPECT_FALSE(latest.next(300ms));
  publish_numbered(gw->port(), 6, 6);
  for (SseClient* c : {&earliest, &from_time, &latest}) {
    auto e = c->next();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->data, "e6");  // no reset event anywhere, and live follows
  }
}

TEST_F(DurableHistory, AFullStoreAnswers507AndRecoversWhenRetentionFreesRoom) {
  auto gw = start(config("{size: 1000, max_age: 2s, store: disk}", "  store_size: 1MiB\n"));
  SseClient sub(gw->port(), "/events");
  const std::string big(64 << 10, 'x');
  int status = 0, accepted = 0;
  for (int i = 0; i < 40 && status != 507; ++i) {
    status = publish(gw->port(), "/events", big).status;
    if (status == 200) ++accepted;
  }
  ASSERT_EQ(status, 507);
  EXPECT_GE(accepted, 10);
  auto metrics = http_request(gw->port(), "GET", "/metrics");
  EXPECT_NE(metrics.body.find("ssegw_store_full 1"), std::string::npos);
  // Serving goes on: what was accepted reaches the subscriber, and new ones connect.
  EXPECT_EQ(sub.take(accepted, 10s).size(), static_cast<size_t>(accepted));
  SseClient another(gw->port(), "/events");
  EXPECT_EQ(another.status(), 200);
  // max_age 2s: retention frees the store; bounded wait for publishes to be taken again.
  EXPECT_TRUE(
      wait_until([&] { return publish(gw->port(), "/events", "small").status == 200; }, 10s));
  EXPECT_NE(gw->output().find("history store full"), std::string::npos);
}

// The store and a channel's place in it are fixed at start: a reload says so instead of
// applying half of the change, and the channel keeps its history where it was.
TEST_F(DurableHistory, AReloadThatMovesAChannelToDiskSaysItWaitsForARestart) {
  auto gw = start(config("{size: 100, store: memory}"));
  publish_numbered(gw->port(), 1, 3);
  gw->rewrite_config(config("{size: 100, store: disk, sync: always}"));
  gw->process().signal(SIGHUP);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  const std::string warning = "history.store and history.sync change only on restart";
  while (gw->output().find("config reloaded") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_NE(gw->output().find(warning), std::string::npos) << gw->output();
  SseClient sub(gw->port(), "/events?lastEventId=earliest");
  std::vector<std::string> data;
  for (const SseEvent& e : sub.take(3, 10s)) data.push_back(e.data);
  EXPECT_EQ(data, numbered(1, 3));
}

TEST_F(DurableHistory, ACorruptStoreStopsTheStartNamingTheFile) {
  const std::string yaml = config("{size: 10, store: disk}");
  std::filesystem::create_directories(state_.path() + "/history");
  const std::string file = state_.path() + "/history/data.mdb";
  {
    std::ofstream garbage(file, std::ios::binary);
    garbage << std::string(16384, '\x42');
  }
  TempFile config_file(yaml);
  for (bool check : {false, true}) {
    std::vector<std::string> argv = {gateway_binary(), "--config", config_file.path(), "--listen",
                                     "127.0.0.1:0"};
    if (check) argv.push_back("--check-config");
    ChildProcess gw(argv);
    auto status = gw.wait_exit(10s);
    ASSERT_TRUE(status);
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1) << gw.output();
    EXPECT_NE(gw.output().find(file), std::string::npos) << gw.output();
    EXPECT_EQ(gw.output().find("listening on"), std::string::npos);
  }
}

}  // namespace
}  // namespace ssegw::testing
