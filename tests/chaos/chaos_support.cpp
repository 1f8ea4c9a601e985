#include "tests/chaos/chaos_support.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <iostream>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace ssegw::testing::chaos {

Tally& Tally::operator+=(const Tally& other) {
  expected += other.expected;
  delivered += other.delivered;
  lost += other.lost;
  duplicated += other.duplicated;
  unexpected += other.unexpected;
  out_of_order += other.out_of_order;
  for (const std::string& e : other.lost_examples) {
    if (lost_examples.size() < 12) lost_examples.push_back(e);
  }
  return *this;
}

Tally count(const std::vector<std::string>& expected, const std::vector<std::string>& got) {
  Tally t;
  std::unordered_map<std::string, size_t> position;
  for (size_t i = 0; i < expected.size(); ++i) position.emplace(expected[i], i);
  t.expected = position.size();
  t.delivered = got.size();
  std::vector<uint32_t> times(expected.size(), 0);
  size_t highest_first = 0;
  bool any = false;
  for (const std::string& g : got) {
    auto it = position.find(g);
    if (it == position.end()) {
      ++t.unexpected;
      continue;
    }
    if (times[it->second]++ > 0) {
      ++t.duplicated;
      continue;
    }
    if (any && it->second < highest_first) ++t.out_of_order;
    highest_first = any ? std::max(highest_first, it->second) : it->second;
    any = true;
  }
  for (size_t i = 0; i < times.size(); ++i) {
    if (times[i] != 0) continue;
    ++t.lost;
    if (t.lost_examples.size() < 12) t.lost_examples.push_back(expected[i]);
  }
  return t;
}

void report(const std::string& what, const Tally& t) {
  std::ostringstream line;
  line << "[chaos] " << what << ": expected " << t.expected << " delivered " << t.delivered
       << " lost " << t.lost << " duplicated " << t.duplicated << " unexpected " << t.unexpected
       << " out_of_order " << t.out_of_order;
  if (!t.lost_examples.empty()) {
    line << " (lost:";
    for (const std::string& e : t.lost_examples) line << " " << e.substr(0, 24);
    line << ")";
  }
  std::cout << line.str() << std::endl;
  ::testing::Test::RecordProperty("chaos_" + what, line.str());
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

bool wait_ready(uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (http_request(port, "GET", "/readyz").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::optional<double> metric(uint16_t port, const std::string& series) {
  const HttpResponse r = http_request(port, "GET", "/metrics");
  std::istringstream in(r.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

bool broker_script(const std::string& script, const std::string& subcommand,
                   const std::string& state, std::chrono::seconds timeout,
                   const std::map<std::string, std::string>& env) {
  ChildProcess child({"/bin/bash", source_dir() + "/tests/brokers/" + script, subcommand, state},
                     env);
  const std::optional<int> status = child.wait_exit(timeout);
  if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    ADD_FAILURE() << script << " " << subcommand << " failed:\n" << child.output();
    return false;
  }
  return true;
}

Collector::Collector(uint16_t port, const std::string& path, size_t want,
                     std::chrono::seconds limit, const Headers& headers)
    : client_(port, path, headers), want_(want) {
  thread_ = std::thread([this, limit] {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (size() < want_ && std::chrono::steady_clock::now() < deadline && !stop_) {
      if (auto e = client_.next(std::chrono::milliseconds(500))) {
        std::lock_guard lock(mutex_);
        got_.push_back(e->data);
        types_.push_back(e->type);
        ids_.push_back(e->id);
      } else if (client_.closed()) {
        closed_ = true;
        return;
      }
    }
  });
}

Collector::~Collector() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

size_t Collector::size() const {
  std::lock_guard lock(mutex_);
  return got_.size();
}

std::vector<std::string> Collector::finish() {
  if (thread_.joinable()) thread_.join();
  return got_;
}

std::vector<std::string> Collector::finish_after(size_t distinct, std::chrono::milliseconds timeout,
                                                 std::chrono::milliseconds linger) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline && !closed_) {
    {
      std::lock_guard lock(mutex_);
      if (std::unordered_set<std::string>(got_.begin(), got_.end()).size() >= distinct) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(linger);
  stop_ = true;
  return finish();
}

std::vector<std::string> numbered(int first, int last, const std::string& prefix) {
  std::vector<std::string> out;
  for (int k = first; k <= last; ++k) out.push_back(prefix + std::to_string(k));
  return out;
}

}  // namespace ssegw::testing::chaos
