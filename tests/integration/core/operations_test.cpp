// What an operator runs by hand or a log shipper reads: --version, --print-config and
// server.log_format: json, against the real binary.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace ssegw::testing {
namespace {

using namespace std::chrono_literals;

struct Finished {
  int status = -1;
  std::string output;
};

Finished run_gateway(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), gateway_binary());
  ChildProcess child(args, std::move(env));
  const std::optional<int> status = child.wait_exit(20s);
  EXPECT_TRUE(status && WIFEXITED(*status)) << child.output();
  return {status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1, child.output()};
}

TEST(Operations, VersionNamesTheReleaseAndTheCommitItWasBuiltFrom) {
  const Finished run = run_gateway({"--version"});
  EXPECT_EQ(run.status, 0);
  const std::regex shape(R"(sse-gateway \d+\.\d+\.\d+ \(commit ([0-9a-f]{7,40}(-dirty)?|unknown)\)
)");
  EXPECT_TRUE(std::regex_match(run.output, shape)) << run.output;
}

TEST(Operations, PrintConfigOfTheDefaultConfigIsItselfAValidConfig) {
  const Finished printed =
      run_gateway({"--print-config", "--config", source_dir() + "/conf/gateway.yaml"});
  ASSERT_EQ(printed.status, 0) << printed.output;
  for (const char* key : {"state_dir: ./state", "store: disk",
                          "heartbeat:", "max_connections:", "log_format: text", "path: /events"}) {
    EXPECT_NE(printed.output.find(key), std::string::npos) << key << "\n" << printed.output;
  }
  TempFile copy(printed.output);
  const Finished check = run_gateway({"--check-config", "--config", copy.path()});
  EXPECT_EQ(check.status, 0) << check.output;
  const Finished again = run_gateway({"--print-config", "--config", copy.path()});
  EXPECT_EQ(again.output, printed.output) << "printing is a fixed point";
}

TEST(Operations, PrintConfigShowsNoSecretAndABadConfigItsError) {
  TempFile config(
      "channels:\n  - {path: /p, publish: {token: '{{ PUB_TOKEN }}'}}\n"
      "  - {path: /q, publish: {token: written-in-the-file}}\n"
      "sinks:\n  - name: k\n    type: kafka\n    from: /p\n    brokers: 127.0.0.1:9\n"
      "    topic: t\n    properties: {sasl.username: me, sasl.password: '{{ KAFKA_PASSWORD }}'}\n");
  const Finished run = run_gateway({"--print-config", "--config", config.path()},
                              {{"PUB_TOKEN", "pub-7f3a9"}, {"KAFKA_PASSWORD", "kpw-22b1"}});
  EXPECT_EQ(run.status, 0) << run.output;
  for (const char* secret : {"pub-7f3a9", "kpw-22b1", "written-in-the-file"}) {
    EXPECT_EQ(run.output.find(secret), std::string::npos) << secret << "\n" << run.output;
  }
  EXPECT_NE(run.output.find("sasl.username: me"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("token: \"***\""), std::string::npos) << run.output;

  TempFile bad("server:\n  log_format: xml\n");
  const Finished refused = run_gateway({"--print-config", "--config", bad.path()});
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.output.find(bad.path() + ":2:15: key 'server.log_format'"), std::string::npos)
      << refused.output;
}

// Every line a JSON object, by Python's json module (an independent parser).
TEST(Operations, JsonLogsAreOneObjectPerLineWithTheListeningLineInMsg) {
  GatewayProcess gw(
      "server: {log_format: json, workers: 1}\nchannels:\n  - {path: /e, publish: true}\n");
  ASSERT_EQ(publish(gw.port(), "/e", "x").status, 200);
  ASSERT_EQ(http_request(gw.port(), "GET", "/nope\x01").status, 400);
  gw.process().signal(SIGTERM);
  ASSERT_TRUE(gw.process().wait_exit(20s));
  TempFile log(gw.output(), ".log");
  ChildProcess check(
      {"python3", "-c",
       "import json,sys\n"
       "lines=open(sys.argv[1],encoding='utf-8').read().splitlines()\n"
       "assert lines, 'no output'\n"
       "for l in lines:\n"
       "    o=json.loads(l)\n"
       "    assert isinstance(o,dict) and list(o)[:3]==['ts','level','msg'], l\n"
       "assert any(o['msg'].startswith('listening on 127.0.0.1:') for o in map(json.loads,lines))\n"
       "print('checked', len(lines))\n",
       log.path()});
  const std::optional<int> status = check.wait_exit(20s);
  ASSERT_TRUE(status);
  EXPECT_EQ(WEXITSTATUS(*status), 0) << check.output() << "\n" << gw.output();
  EXPECT_NE(check.output().find("checked"), std::string::npos) << check.output();
}

}  // namespace
}  // namespace ssegw::testing
