// SseSource's behaviour towards its channels (resume point, backpressure, failure states),
// with an in-process fake upstream on a loopback socket. The real-upstream cases are in
// tests/integration/sse.
#include "bridges/sse/sse_source.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "bridges/sse/sse_source_options.h"

namespace ssegw::sse {
namespace {

using namespace std::chrono_literals;

// Accepts one connection at a time and lets the test script what it answers.
class FakeUpstream {
 public:
  FakeUpstream() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(listen_fd_, 8);
    socklen_t len = sizeof(addr);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~FakeUpstream() {
    close_client();
    ::close(listen_fd_);
  }
  uint16_t port() const { return port_; }

  // The next request's head, or "" if none arrived in time.
  std::string accept_request(std::chrono::milliseconds timeout = 5s) {
    close_client();
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) != 1) return "";
    client_fd_ = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos) {
      pollfd c{client_fd_, POLLIN, 0};
      if (poll(&c, 1, static_cast<int>(timeout.count())) != 1) break;
      const ssize_t n = read(client_fd_, buf, sizeof(buf));
      if (n <= 0) break;
      head.append(buf, static_cast<size_t>(n));
    }
    return head;
  }
  void send(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = write(client_fd_, bytes.data() + done, bytes.size() - done);
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }
  void open_stream() { send("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"); }
  void close_client() {
    if (client_fd_ >= 0) ::close(client_fd_);
    client_fd_ = -1;
  }

 private:
  int listen_fd_ = -1;
  int client_fd_ = -1;
  uint16_t port_ = 0;
};

// Collects what a channel publishes.
class Recorder : public ChannelTap {
 public:
  void on_frame(const FrameRef& frame) override {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(frame->event());
    cv_.notify_all();
  }
  bool wait_for(size_t n, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return events_.size() >= n; });
  }
  std::vector<Event> events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> events_;
};

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

class SseSourceTest : public ::testing::Test {
 protected:
  SseSourceTest() : channels_(1000, {}) {
    ChannelOptions options;
    options.path = "/x";
    channels_.apply({options});
    channel_ = channels_.find("/x");
    channel_->add_tap(&recorder_);
  }
  ~SseSourceTest() override {
    if (source_) source_->stop();
    channel_->remove_tap(&recorder_);
  }
  void start(const std::string& extra_yaml = "") {
    const std::string yaml =
        "name: up\ntype: sse\nendpoint: http://127.0.0.1:" + std::to_string(upstream_.port()) +
        "/s\nto: /x\n" + extra_yaml;
    const EnvLookup env = [](const std::string&) { return std::optional<std::string>(); };
    ConfigNode node(YAML::Load(yaml), "t.yaml", "sources[0]", &env);
    auto options = std::make_shared<const SseSourceOptions>(parse_sse_source_options(node));
    source_ = std::make_unique<SseSource>(options, channels_);
    source_->start();
  }

  FakeUpstream upstream_;
  ChannelDirectory channels_;
  std::shared_ptr<Channel> channel_;
  Recorder recorder_;
  std::unique_ptr<SseSource> source_;
};

TEST_F(SseSourceTest, PublishesWithSourceNameOriginIdAndRawType) {
  start();
  ASSERT_NE(upstream_.accept_request(), "");
  upstream_.open_stream();
  upstream_.send("id: 7\nevent: t\ndata: a\n\nid: 8\ndata: b\n\n");
  ASSERT_TRUE(recorder_.wait_for(2));
  const auto events = recorder_.events();
  EXPECT_EQ(events[0].source, "up");
  EXPECT_EQ(events[0].origin_id, "7");
  EXPECT_EQ(events[0].type, "t");
  EXPECT_EQ(events[0].data, "a");
  EXPECT_EQ(events[1].type, "");  // no event: field; the framer leaves it as "message"
  EXPECT_EQ(events[1].origin_id, "8");
  EXPECT_TRUE(eventually([&] { return source_->ready(); }));
  EXPECT_TRUE(eventually([&] { return source_->status().events_out == 2; }));
  EXPECT_EQ(source_->status().events_in, 2u);
}

TEST_F(SseSourceTest, FirstRequestResumesFromTheChannelsResumePoint) {
  channel_->set_resume_point("up", "41");
  start();
  const std::string request = upstream_.accept_request();
  EXPECT_NE(request.find("\r\nLast-Event-ID: 41\r\n"), std::string::npos) << request;
}

TEST_F(SseSourceTest, NoResumePointMeansNoLastEventId) {
  channel_->set_resume_point("someone-else", "41");
  start();
  const std::string request = upstream_.accept_request();
  ASSERT_NE(request, "");
  EXPECT_EQ(request.find("Last-Event-ID"), std::string::npos) << request;
}

TEST_F(SseSourceTest, ReadingPausesWhileTheChannelIsHeld) {
  channel_->hold();
  start();
  ASSERT_NE(upstream_.accept_request(), "");
  upstream_.open_stream();
  upstream_.send("id: 1\ndata: first\n\n");
  ASSERT_TRUE(recorder_.wait_for(1));
  ASSERT_TRUE(eventually([&] { return source_->status().gauges["paused"] == 1; }));
  upstream_.send("id: 2\ndata: second\n\nid: 3\ndata: third\n\n");
  EXPECT_FALSE(recorder_.wait_for(2, 300ms)) << "read while the channel was held";
  channel_->release_hold();
  ASSERT_TRUE(recorder_.wait_for(3));
  EXPECT_EQ(recorder_.events()[2].data, "third");
  EXPECT_TRUE(eventually([&] { return source_->status().gauges["paused"] == 0; }));
}

TEST_F(SseSourceTest, EndedStreamReconnectsWithTheLastIdAndCountsIt) {
  start();
  ASSERT_NE(upstream_.accept_request(), "");
  upstream_.open_stream();
  upstream_.send("retry: 100\nid: 5\ndata: x\n\nid: 6\ndata: half");
  ASSERT_TRUE(recorder_.wait_for(1));
  upstream_.close_client();
  const std::string again = upstream_.accept_request();
  EXPECT_NE(again.find("\r\nLast-Event-ID: 5\r\n"), std::string::npos) << again;
  EXPECT_EQ(source_->status().reconnects, 1u);
  EXPECT_EQ(recorder_.events().size(), 1u);
}

TEST_F(SseSourceTest, BadDataFailStopsTheSource) {
  start("format: json\nbad_data: fail\n");
  ASSERT_NE(upstream_.accept_request(), "");
  upstream_.open_stream();
  upstream_.send("data: {\"ok\":1}\n\ndata: nope\n\ndata: {\"ok\":2}\n\n");
  ASSERT_TRUE(eventually([&] { return source_->status().state == BridgeState::kFailed; }));
  EXPECT_EQ(recorder_.events().size(), 1u);
  EXPECT_NE(source_->status().detail.find("not valid JSON"), std::string::npos);
  EXPECT_FALSE(source_->ready());
  EXPECT_EQ(upstream_.accept_request(500ms), "") << "a failed source reconnected";
}

TEST_F(SseSourceTest, StopReturnsWhileBackingOff) {
  start();
  ASSERT_NE(upstream_.accept_request(), "");
  upstream_.send("HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(eventually([&] { return source_->status().state == BridgeState::kBackingOff; }));
  EXPECT_NE(source_->status().detail.find("503"), std::string::npos);
  source_->stop();
  EXPECT_EQ(source_->status().state, BridgeState::kStopped);
  source_->stop();  // idempotent
}

}  // namespace
}  // namespace ssegw::sse

namespace ssegw::sse {
namespace {

TEST_F(SseSourceTest, GatewayIdsByDefault) {
  start();
  ASSERT_NE(upstream_.accept_request(), "");
  upstream_.open_stream();
  upstream_.send("id: 7\ndata: a\n\n");
  ASSERT_TRUE(recorder_.wait_for(1));
  EXPECT_NE(recorder_.events()[0].id, "7");
  EXPECT_EQ(recorder_.events()[0].origin_id, "7");
}

// Each refused kind falls back to an id of the channel's own; the reconnection resumes from
// the last id published as the upstream's (9), not from the refused one the stream ended on.
TEST_F(SseSourceTest, UpstreamIdsArePublishedWhereTheyPassAndResumeFromTheLastOne) {
  start("ids: upstream\n");
  ASSERT_NE(upstream_.accept_request(), "");
  upstream_.open_stream();
  upstream_.send(
      "retry: 100\nid: 7\ndata: a\n\ndata: no-id\n\nid: x y\ndata: bad\n\nid: 9\ndata: b\n\n"
      "id: 9\ndata: again\n\nid: 5\ndata: older\n\n");
  ASSERT_TRUE(recorder_.wait_for(6));
  const auto events = recorder_.events();
  EXPECT_EQ(events[0].id, "7");
  EXPECT_EQ(events[3].id, "9");
  for (size_t i : {1u, 2u, 4u, 5u}) {
    EXPECT_FALSE(events[i].id.empty()) << events[i].data;
    EXPECT_NE(events[i].id, events[i].origin_id) << events[i].data;
    EXPECT_NE(events[i].id, "7");
    EXPECT_NE(events[i].id, "9");
  }
  EXPECT_TRUE(eventually([&] { return source_->status().gauges["id_fallbacks"] == 4; }));
  upstream_.close_client();
  const std::string again = upstream_.accept_request();
  EXPECT_NE(again.find("\r\nLast-Event-ID: 9\r\n"), std::string::npos) << again;
}

TEST_F(SseSourceTest, LastEventIdOptionSetsTheFirstRequestAndTheFloorOfUpstreamIds) {
  start("ids: upstream\nlast_event_id: \"41\"\n");
  const std::string request = upstream_.accept_request();
  EXPECT_NE(request.find("\r\nLast-Event-ID: 41\r\n"), std::string::npos) << request;
  upstream_.open_stream();
  upstream_.send("id: 41\ndata: seen\n\nid: 42\ndata: next\n\n");
  ASSERT_TRUE(recorder_.wait_for(2));
  EXPECT_NE(recorder_.events()[0].id, "41");
  EXPECT_EQ(recorder_.events()[1].id, "42");
}

TEST_F(SseSourceTest, ResumePointWinsOverTheLastEventIdOption) {
  channel_->set_resume_point("up", "77");
  start("last_event_id: \"41\"\n");
  const std::string request = upstream_.accept_request();
  EXPECT_NE(request.find("\r\nLast-Event-ID: 77\r\n"), std::string::npos) << request;
}

}  // namespace
}  // namespace ssegw::sse
