#pragma once
// What the TLS suite's tests share: the test PKI (make_test_ca.sh), a gateway listening on a
// plain HTTP/1.1, a TLS (ALPN h2 + http/1.1) and an h2c address at once, each found by the
// fields of its "listening on" line, and the outside clients (curl, openssl s_client, the h2
// script) run with a bound on their time.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/raw_connection.h"

namespace ssegw::testing {

// A CA and the certificates it signed, made once per test process, removed at its exit.
class TestPki {
 public:
  TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;
  // ca.pem; server.pem/.key (serial 1001), server2.pem/.key (2002): DNS:localhost and
  // IP:127.0.0.1; other.pem/.key (3003): DNS:other.test. The .pem files are full chains.
  std::string path(const std::string& name) const { return dir_.path(name); }
  std::string spki(const std::string& name) const;  // base64 SHA-256 of NAME's public key

 private:
  TempDir dir_;
};
const TestPki& test_pki();

// One "listening on HOST:PORT" line and its tls= and http2= fields.
struct Listener {
  uint16_t port = 0;
  bool tls = false;
  bool http2 = false;
};
std::vector<Listener> listeners(const std::string& output);

struct TlsGatewayOptions {
  std::string cert_file = test_pki().path("server.pem");
  std::string key_file = test_pki().path("server.key");
  std::string min_version = "1.2";
  std::string handshake_timeout = "10s";
  int max_concurrent_streams = 256;
  std::string subscriber_queue_bytes = "1MiB";
  std::string tls_block;  // replaces the cert_file/key_file lines when set (SNI list)
};
std::string tls_gateway_config(const TlsGatewayOptions& options);

// sse-gateway on tls_gateway_config(): a plain HTTP/1.1 listener (publishing and /metrics),
// a TLS listener with HTTP/2, and a plain h2c one, all on 127.0.0.1 with ports it picks.
class TlsGateway {
 public:
  explicit TlsGateway(const TlsGatewayOptions& options = {});
  uint16_t plain_port() const { return plain_; }
  uint16_t tls_port() const { return tls_; }
  uint16_t h2c_port() const { return h2c_; }
  ChildProcess& process() { return *child_; }
  std::string output() const { return child_->output(); }
  // /metrics from the plain listener.
  std::string metrics() const;

 private:
  TempFile config_;
  std::optional<ChildProcess> child_;
  uint16_t plain_ = 0;
  uint16_t tls_ = 0;
  uint16_t h2c_ = 0;
};

// h2_streams.py MODE against a TLS port; `fields` are its key=value lines (the last of each).
struct H2Result {
  int exit_code = -1;
  std::string output;
  std::map<std::string, std::string> fields;
  std::string field(const std::string& key) const;
};
std::vector<std::string> h2_script_argv(const std::string& mode, uint16_t tls_port,
                                        const std::vector<std::string>& args);
H2Result run_h2(const std::string& mode, uint16_t tls_port, const std::vector<std::string>& args,
                std::chrono::milliseconds timeout);
std::map<std::string, std::string> parse_fields(const std::string& output);

// The serial, in hex as openssl prints it, of the certificate a new handshake presents.
std::string served_serial(uint16_t tls_port, const std::string& server_name = "localhost");

}  // namespace ssegw::testing
