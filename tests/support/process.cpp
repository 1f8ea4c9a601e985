#include "tests/support/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace ssegw::testing {
namespace {

std::string temp_path(const std::string& prefix, const std::string& suffix) {
  std::string pattern = "/tmp/" + prefix + "XXXXXX" + suffix;
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  int fd = mkstemps(buf.data(), static_cast<int>(suffix.size()));
  if (fd < 0) throw std::runtime_error("mkstemps failed");
  ::close(fd);
  return std::string(buf.data());
}

// Sanitizer builds run the integration suites too; a report from a child (often the gateway,
// caught in a thread the test never looks at) must fail the test even when its exit code
// is never checked.
void expect_no_sanitizer_report(const std::string& program, const std::string& output) {
  // A crash under a sanitizer is reported as "ERROR: <Name>Sanitizer: SEGV" (DEADLYSIGNAL).
  for (const char* report :
       {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "WARNING: ThreadSanitizer",
        "ERROR: ThreadSanitizer", ": runtime error: "}) {
    if (output.find(report) != std::string::npos) {
      ADD_FAILURE() << "sanitizer report from " << program << ":\n" << output;
      return;
    }
  }
}

}  // namespace

ChildProcess::ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env)
    : program_(argv.at(0)) {
  log_path_ = temp_path("ssegw-child-", ".log");
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int fd = ::open(log_path_.c_str(), O_WRONLY | O_TRUNC);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    int null_fd = ::open("/dev/null", O_RDONLY);
    dup2(null_fd, STDIN_FILENO);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  expect_no_sanitizer_report(program_, output());
  ::unlink(log_path_.c_str());
}

void ChildProcess::signal(int sig) const {
  if (pid_ > 0 && !reaped_) ::kill(pid_, sig);
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (reaped_) return 0;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      return status;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool ChildProcess::running() {
  if (reaped_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

std::string ChildProcess::output() const {
  std::ifstream in(log_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool ChildProcess::wait_for_output(const std::string& needle,
                                   std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (output().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return output().find(needle) != std::string::npos;
}

TempFile::TempFile(const std::string& content, const std::string& suffix) {
  path_ = temp_path("ssegw-test-", suffix);
  rewrite(content);
}

TempFile::~TempFile() {
  ::unlink(path_.c_str());
}

void TempFile::rewrite(const std::string& content) const {
  std::ofstream out(path_, std::ios::trunc);
  out << content;
}

TempDir::TempDir() {
  std::string pattern = "/tmp/ssegw-test-dir-XXXXXX";
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::filesystem::remove_all(path_);
}

void copy_file(const std::string& from, const std::string& to) {
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
}

ToolResult run_tool(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  ChildProcess child(argv);
  const std::optional<int> status = child.wait_exit(timeout);
  ToolResult result;
  result.output = child.output();
  if (status && WIFEXITED(*status)) result.exit_code = WEXITSTATUS(*status);
  return result;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

std::string gateway_binary() {
  if (const char* env = std::getenv("SSEGW_BINARY")) return env;
  return SSEGW_BINARY;
}
std::string source_dir() {
  return SSEGW_SOURCE_DIR;
}
std::string build_dir() {
  return SSEGW_BUILD_DIR;
}

std::optional<uint16_t> listening_port(const std::string& output) {
  const std::string marker = "listening on ";
  size_t at = output.find(marker);
  if (at == std::string::npos) return std::nullopt;
  size_t end = output.find_first_of(" \"\n", at + marker.size());
  std::string address = output.substr(at + marker.size(), end - at - marker.size());
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) return std::nullopt;
  return static_cast<uint16_t>(std::stoi(address.substr(colon + 1)));
}

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

GatewayProcess::GatewayProcess(const std::string& config_yaml, std::vector<std::string> extra_args,
                               std::map<std::string, std::string> env)
    : config_(config_yaml) {
  std::vector<std::string> argv = {gateway_binary(), "--config", config_.path()};
  bool has_listen = false;
  for (const auto& a : extra_args)
    has_listen = has_listen || a == "--listen" || a.rfind("--listen=", 0) == 0;
  if (!has_listen) {
    argv.push_back("--listen");
    argv.push_back("127.0.0.1:0");
  }
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  child_.emplace(argv, env);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto port = listening_port(child_->output())) {
      port_ = *port;
      return;
    }
    if (!child_->running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("gateway did not start listening; output:\n" + child_->output());
}

}  // namespace ssegw::testing
