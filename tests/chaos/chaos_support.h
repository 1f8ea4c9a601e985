#pragma once
// What every chaos test needs: counting each expected event's deliveries into lost and
// duplicated, printing the figures in one greppable line, and bounded polls of the gateway.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.h"

namespace ssegw::testing::chaos {

struct Tally {
  uint64_t expected = 0;      // distinct events that should have arrived
  uint64_t delivered = 0;     // deliveries seen, repeats included
  uint64_t lost = 0;          // expected events that never arrived
  uint64_t duplicated = 0;    // deliveries beyond the first of an event
  uint64_t unexpected = 0;    // deliveries of events nobody sent
  uint64_t out_of_order = 0;  // first deliveries that came before an earlier expected event
  std::vector<std::string> lost_examples;  // the first few lost events, for the report
  Tally& operator+=(const Tally& other);
};

// `expected` in the order it was sent, `got` in the order it arrived.
Tally count(const std::vector<std::string>& expected, const std::vector<std::string>& got);

// Prints "[chaos] <what>: expected N delivered N lost N duplicated N ..." and records the
// figures as test properties (they land in ctest's --output-junit XML).
void report(const std::string& what, const Tally& t);

// Polls `done` every 5 ms until it is true (returns true) or the timeout passes (false).
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);

// Polls GET /readyz until it answers 200.
bool wait_ready(uint16_t port, std::chrono::milliseconds timeout);
// One series' value from /metrics (the line that starts with `series` and a space).
std::optional<double> metric(uint16_t port, const std::string& series);

// Runs a broker script (tests/brokers/NAME) with a subcommand and a state folder; true on
// exit 0 within the timeout.
bool broker_script(const std::string& script, const std::string& subcommand,
                   const std::string& state, std::chrono::seconds timeout,
                   const std::map<std::string, std::string>& env = {});

// One subscription read on its own thread until `want` events, the end of the stream, or
// `limit`; the data of every event kept in arrival order.
class Collector {
 public:
  Collector(uint16_t port, const std::string& path, size_t want, std::chrono::seconds limit,
            const Headers& headers = {});
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;
  ~Collector();

  int status() const { return client_.status(); }
  size_t size() const;
  // Waits for the reader to finish, then returns every event's data.
  std::vector<std::string> finish();
  // Waits until `distinct` different events arrived (or the timeout), lets `linger` pass for
  // late duplicates, then stops the reader and returns every event's data.
  std::vector<std::string> finish_after(size_t distinct, std::chrono::milliseconds timeout,
                                        std::chrono::milliseconds linger);
  // Event types and ids, valid after finish().
  const std::vector<std::string>& types() const { return types_; }
  const std::vector<std::string>& ids() const { return ids_; }
  bool closed() const { return closed_; }  // the gateway ended the stream

 private:
  SseClient client_;
  size_t want_;
  mutable std::mutex mutex_;
  std::vector<std::string> got_;
  std::vector<std::string> types_;
  std::vector<std::string> ids_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> closed_{false};
  std::thread thread_;
};

// "n=<k>" for k in [first, last].
std::vector<std::string> numbered(int first, int last, const std::string& prefix = "n=");

}  // namespace ssegw::testing::chaos
