// https upstreams: a test CA and server certificates made with openssl at test time; the
// source trusts the CA through tls.ca_file, and refuses a certificate for another name.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/integration/sse/upstream_server.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace ssegw::testing {
namespace {

using std::chrono::seconds;

void run_openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess child(argv);
  const auto status = child.wait_exit(seconds(30));
  ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << child.output();
}

// A CA and two server certificates it signed: one for localhost, one for another name.
class TestPki {
 public:
  TestPki() {
    char pattern[] = "/tmp/ssegw-sse-tls-XXXXXX";
    dir_ = mkdtemp(pattern);
    run_openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                 "-nodes", "-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "2", "-subj",
                 "/CN=ssegw test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                 "keyUsage=critical,keyCertSign"});
    issue("localhost", "DNS:localhost");
    issue("wrong", "DNS:upstream.wrong.example");
  }
  ~TestPki() { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  void issue(const std::string& name, const std::string& san) {
    std::ofstream(path(name + ".ext"))
        << "subjectAltName=" << san << "\nbasicConstraints=CA:FALSE\n"
        << "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n";
    run_openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", path(name + ".key"), "-out", path(name + ".csr"), "-subj",
                 "/CN=" + name});
    run_openssl({"x509", "-req", "-in", path(name + ".csr"), "-CA", path("ca.pem"), "-CAkey",
                 path("ca.key"), "-CAcreateserial", "-out", path(name + ".pem"), "-days", "2",
                 "-extfile", path(name + ".ext")});
  }
  std::string dir_;
};

class SseSourceTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new TestPki(); }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  static TestPki* pki_;
};
TestPki* SseSourceTls::pki_ = nullptr;

std::string https_source(uint16_t port, const std::string& ca_file) {
  return "    endpoint: \"https://localhost:" + std::to_string(port) +
         "/stream?count=3&data=raw\"\n    tls: {ca_file: " + ca_file + "}\n    to: /relay\n";
}

TEST_F(SseSourceTls, CertificateFromTheConfiguredCaIsAccepted) {
  UpstreamServer up(0, {}, pki_->path("localhost.pem"), pki_->path("localhost.key"));
  GatewayProcess gw(gateway_config({"/relay"}, https_source(up.port(), pki_->path("ca.pem"))));
  SseClient client(gw.port(), "/relay?lastEventId=earliest");
  const auto events = client.take(3, seconds(20));
  ASSERT_EQ(events.size(), 3u) << gw.output();
  EXPECT_EQ(events[2].data, "n=3");
  EXPECT_EQ(up.requests().at(0).header("Host"), "localhost:" + std::to_string(up.port()));
  expect_clean_stop(gw);
}

TEST_F(SseSourceTls, CertificateForAnotherHostNameIsRefused) {
  UpstreamServer up(0, {}, pki_->path("wrong.pem"), pki_->path("wrong.key"));
  GatewayProcess gw(gateway_config({"/relay"}, https_source(up.port(), pki_->path("ca.pem"))));
  EXPECT_GE(wait_metric(gw.port(), "ssegw_bridge_reconnects_total", "up", 2), 2);
  EXPECT_TRUE(up.requests().empty()) << "a request went out over an unverified connection";
  EXPECT_NE(gw.output().find("hostname mismatch"), std::string::npos) << gw.output();
  EXPECT_EQ(http_request(gw.port(), "GET", "/readyz").status, 503);
  expect_clean_stop(gw);
}

TEST_F(SseSourceTls, SystemCasDoNotTrustTheTestCa) {
  UpstreamServer up(0, {}, pki_->path("localhost.pem"), pki_->path("localhost.key"));
  GatewayProcess gw(
      gateway_config({"/relay"}, "    endpoint: \"https://localhost:" + std::to_string(up.port()) +
                                     "/stream?count=1\"\n    to: /relay\n"));
  EXPECT_GE(wait_metric(gw.port(), "ssegw_bridge_reconnects_total", "up", 1), 1);
  EXPECT_TRUE(up.requests().empty());
  EXPECT_NE(gw.output().find("unable to get local issuer certificate"), std::string::npos)
      << gw.output();
  expect_clean_stop(gw);
}

}  // namespace
}  // namespace ssegw::testing
