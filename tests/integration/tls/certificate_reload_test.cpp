// SIGHUP reloads the certificate files: new handshakes present the new certificate while a
// stream opened before the reload keeps its connection and keeps receiving.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "tests/integration/tls/tls_support.h"
#include "tests/support/http_client.h"

namespace ssegw::testing {
namespace {

using std::chrono::seconds;

// The gateway's certificate files are copies in a folder of the test's own, overwritten in
// place before the SIGHUP, so the config stays the same and only the files change.
class CertificateReload : public ::testing::Test {
 protected:
  CertificateReload() {
    copy_file(test_pki().path("server.pem"), dir.path("live.pem"));
    copy_file(test_pki().path("server.key"), dir.path("live.key"));
  }
  TlsGatewayOptions live_options() const {
    TlsGatewayOptions options;
    options.cert_file = dir.path("live.pem");
    options.key_file = dir.path("live.key");
    return options;
  }
  TempDir dir;
};

TEST_F(CertificateReload, NewHandshakesGetTheNewCertificateAndOpenStreamsKeepGoing) {
  TlsGateway gw(live_options());
  ASSERT_EQ(served_serial(gw.tls_port()), "1001");
  ChildProcess holder(h2_script_argv("hold", gw.tls_port(), {"--events", "2", "--timeout", "40"}));
  ASSERT_TRUE(holder.wait_for_output("open=", seconds(10))) << holder.output();
  EXPECT_EQ(parse_fields(holder.output())["peer_serial"], "1001");
  ASSERT_EQ(publish(gw.plain_port(), "/events", "before-reload").status, 200);
  ASSERT_TRUE(holder.wait_for_output(" before-reload\n", seconds(10))) << holder.output();

  copy_file(test_pki().path("server2.pem"), dir.path("live.pem"));
  copy_file(test_pki().path("server2.key"), dir.path("live.key"));
  gw.process().signal(SIGHUP);
  EXPECT_TRUE(wait_until([&] { return served_serial(gw.tls_port()) == "2002"; }, seconds(15)))
      << "still serving " << served_serial(gw.tls_port()) << "; gateway:\n"
      << gw.output();

  ASSERT_EQ(publish(gw.plain_port(), "/events", "after-reload").status, 200);
  EXPECT_TRUE(holder.wait_exit(seconds(10))) << holder.output();
  EXPECT_NE(holder.output().find(" after-reload\n"), std::string::npos) << holder.output();
  EXPECT_TRUE(gw.process().running());
}

// A reload that cannot load the new files keeps the certificate it has (as a bad config
// keeps the running one), and the gateway keeps serving handshakes.
TEST_F(CertificateReload, UnreadableNewKeyKeepsTheOldCertificate) {
  TlsGateway gw(live_options());
  ASSERT_EQ(served_serial(gw.tls_port()), "1001");
  copy_file(test_pki().path("server2.pem"), dir.path("live.pem"));
  std::ofstream(dir.path("live.key"), std::ios::trunc) << "not a key\n";
  const size_t logged_before = gw.output().size();
  gw.process().signal(SIGHUP);
  // The reload is over once the gateway has logged, as an error or a warning, that it failed.
  EXPECT_TRUE(wait_until(
      [&] {
        const std::string since = gw.output().substr(logged_before);
        return since.find("level=error") != std::string::npos ||
               since.find("level=warn") != std::string::npos;
      },
      seconds(10)))
      << gw.output();
  EXPECT_TRUE(gw.process().running());
  EXPECT_EQ(served_serial(gw.tls_port()), "1001") << gw.output();
}

}  // namespace
}  // namespace ssegw::testing
