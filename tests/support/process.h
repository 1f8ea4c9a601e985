#pragma once
// Child processes owned by a test: started with fork/exec, stopped by their PID in the
// destructor, their stderr captured to a file the test can read.
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ssegw::testing {

class ChildProcess {
 public:
  // argv[0] is the program path. env entries are added to (or override) the environment.
  ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env = {});
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // SIGKILL and reap if still running; a sanitizer report in the output fails the test.
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  void signal(int sig) const;
  // Waits for exit; returns the wait status, or nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool running();
  std::string output() const;  // everything written to stdout+stderr so far
  // Waits until output() contains `needle`; true if it did before the timeout.
  bool wait_for_output(const std::string& needle, std::chrono::milliseconds timeout) const;

 private:
  std::string program_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::string log_path_;
};

// A temp file removed by the destructor.
class TempFile {
 public:
  explicit TempFile(const std::string& content, const std::string& suffix = ".yaml");
  ~TempFile();
  const std::string& path() const { return path_; }
  void rewrite(const std::string& content) const;

 private:
  std::string path_;
};

// A fresh folder removed, with all in it, by the destructor: files a test writes or changes
// (a reload's certificate or key set).
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string path(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};
void copy_file(const std::string& from, const std::string& to);

struct ToolResult {
  int exit_code = -1;  // -1: killed after the timeout, or killed by a signal
  std::string output;  // stdout and stderr
};
// Runs argv to its end, or kills it after `timeout`.
ToolResult run_tool(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

// Polls `condition` every 20 ms until it holds or the timeout passes; its last answer.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// The built sse-gateway binary, and the source and build folders.
std::string gateway_binary();
std::string source_dir();
std::string build_dir();

// The port of the first "listening on HOST:PORT" line in a gateway's output, if any yet.
std::optional<uint16_t> listening_port(const std::string& output);

// A TCP port on 127.0.0.1 that was free a moment ago.
uint16_t free_port();

// sse-gateway on a config, listening on 127.0.0.1:0 (or `listen`), ready when it printed
// "listening on". `port()` is the bound port.
class GatewayProcess {
 public:
  explicit GatewayProcess(const std::string& config_yaml, std::vector<std::string> extra_args = {},
                          std::map<std::string, std::string> env = {});
  uint16_t port() const { return port_; }
  ChildProcess& process() { return *child_; }
  const std::string& config_path() const { return config_.path(); }
  void rewrite_config(const std::string& yaml) const { config_.rewrite(yaml); }
  std::string output() const { return child_->output(); }

 private:
  TempFile config_;
  std::optional<ChildProcess> child_;
  uint16_t port_ = 0;
};

}  // namespace ssegw::testing
