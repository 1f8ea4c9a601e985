// Runs the real sse_floor briefly and checks that every write of every mode is accounted for.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

namespace {

// The numeric value of "key": in a flat JSON line; NaN when absent.
double number(const std::string& line, const std::string& key) {
  const size_t at = line.find("\"" + key + "\":");
  if (at == std::string::npos) return std::nan("");
  return std::strtod(line.c_str() + at + key.size() + 3, nullptr);
}

std::map<std::string, std::string> run_floor(const std::string& args) {
  // timeout(1) bounds the run even if sse_floor hangs.
  const std::string command = std::string("timeout 20 ") + SSE_FLOOR_BIN + " " + args;
  std::map<std::string, std::string> by_mode;
  FILE* out = popen(command.c_str(), "r");
  if (!out) return by_mode;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, out)) {
    const std::string line = buf;
    for (const char* mode : {"sendmsg", "uring"}) {
      if (line.find(std::string("\"mode\":\"") + mode + "\"") != std::string::npos)
        by_mode[mode] = line;
    }
  }
  EXPECT_EQ(pclose(out), 0) << command;
  return by_mode;
}

void expect_counted(const std::string& line) {
  SCOPED_TRACE(line);
  EXPECT_EQ(number(line, "rounds"), 20);
  EXPECT_EQ(number(line, "attempts"), 1000);
  EXPECT_EQ(number(line, "writes"), 1000 - number(line, "would_block"));
  EXPECT_EQ(number(line, "errors"), 0);
  EXPECT_GT(number(line, "cpu_ns_per_write"), 0);
  EXPECT_GT(number(line, "wall_ns_per_write"), 0);
}

TEST(FloorSmoke, BothModesCountEveryWrite) {
  const auto lines = run_floor("--connections 50 --rounds 20 --mode both --duration 5");
  ASSERT_TRUE(lines.count("sendmsg"));
  expect_counted(lines.at("sendmsg"));
  ASSERT_TRUE(lines.count("uring"));
  const std::string& uring = lines.at("uring");
#ifdef SSEGW_FLOOR_URING
  // Built with liburing: only a kernel that refuses rings may leave the mode out.
  if (uring.find("\"unavailable\":\"io_uring_queue_init") != std::string::npos) {
    GTEST_SKIP() << "the kernel refused an io_uring: " << uring;
  }
  expect_counted(uring);
  EXPECT_LE(number(uring, "syscalls"), 20);  // 50 sends fit one batch: one submit per round
#else
  EXPECT_NE(uring.find("built without liburing"), std::string::npos) << uring;
#endif
}

TEST(FloorSmoke, RejectsTooManyConnections) {
  const std::string command = std::string(SSE_FLOOR_BIN) + " --connections 19501 2>/dev/null";
  EXPECT_NE(std::system(command.c_str()), 0);
}

}  // namespace
