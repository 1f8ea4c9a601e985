// curl as the subscriber over each protocol the gateway speaks: HTTP/2 over TLS (ALPN h2),
// HTTP/1.1 over TLS (ALPN http/1.1), and h2c with prior knowledge on a plain listener.
#include <gtest/gtest.h>

#include "tests/integration/tls/tls_support.h"
#include "tests/support/http_client.h"

namespace ssegw::testing {
namespace {

using std::chrono::seconds;

class CurlProtocols : public ::testing::Test {
 protected:
  TlsGateway gw;

  // A curl -N subscriber to `url` with `flags`, its response head and one published event.
  void expect_stream(const std::vector<std::string>& flags, const std::string& url,
                     const std::string& status_line, const std::string& data) {
    std::vector<std::string> argv = {"curl", "-sSN", "-v", "--max-time", "30"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.push_back(url);
    ChildProcess curl(argv);
    ASSERT_TRUE(curl.wait_for_output(status_line, seconds(10)))
        << curl.output() << "\ngateway:\n"
        << gw.output();
    ASSERT_EQ(publish(gw.plain_port(), "/events", data).status, 200);
    EXPECT_TRUE(curl.wait_for_output("data: " + data + "\n", seconds(10))) << curl.output();
  }

  std::string http_version(const std::vector<std::string>& flags, const std::string& url) {
    std::vector<std::string> argv = {"curl", "-sS", "-o", "/dev/null", "-w", "%{http_version}",
                                     "--max-time", "10"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.push_back(url);
    return run_tool(argv, seconds(15)).output;
  }

  std::string https(const std::string& path) const {
    return "https://localhost:" + std::to_string(gw.tls_port()) + path;
  }
  std::string h2c(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(gw.h2c_port()) + path;
  }
  const std::string ca = test_pki().path("ca.pem");
};

TEST_F(CurlProtocols, Http2OverTlsReceivesPublishedEvents) {
  expect_stream({"--http2", "--cacert", ca}, https("/events"), "< HTTP/2 200", "over-h2-tls");
  EXPECT_EQ(http_version({"--http2", "--cacert", ca}, https("/healthz")), "2");
}

TEST_F(CurlProtocols, Http11OverTlsStillWorks) {
  expect_stream({"--http1.1", "--cacert", ca}, https("/events"), "< HTTP/1.1 200", "over-h1-tls");
  EXPECT_EQ(http_version({"--http1.1", "--cacert", ca}, https("/healthz")), "1.1");
}

TEST_F(CurlProtocols, H2cWithPriorKnowledgeOnThePlainHttp2Listener) {
  expect_stream({"--http2-prior-knowledge"}, h2c("/events"), "< HTTP/2 200", "over-h2c");
  EXPECT_EQ(http_version({"--http2-prior-knowledge"}, h2c("/healthz")), "2");
}

TEST_F(CurlProtocols, CertificateChainsToTheTestCaOnly) {
  // Without the test CA, curl must refuse the certificate: the gateway serves the configured
  // chain, not something every client trusts by accident.
  ToolResult untrusted = run_tool({"curl", "-sS", "--max-time", "10", https("/healthz")}, seconds(15));
  EXPECT_NE(untrusted.exit_code, 0) << untrusted.output;
  EXPECT_EQ(http_version({"--cacert", ca}, https("/healthz")), "2");
}

}  // namespace
}  // namespace ssegw::testing
