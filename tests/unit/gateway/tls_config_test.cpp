// server.listen maps (tls, http2) and server.http2, with real certificate files.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "gateway/config.h"
#include "test_certificates.h"

namespace ssegw {
namespace {

using tls_test::CertificateFiles;
using tls_test::TestCertificates;

GatewayConfig load(const std::string& yaml) {
  const EnvLookup no_env = [](const std::string&) { return std::optional<std::string>(); };
  return load_config_text(yaml, "gw.yaml", BridgeCatalog{}, no_env);
}

std::string error_of(const std::string& yaml) {
  try {
    load(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// The TLS listener is item 1; cert_file's value starts at 6:20 and key_file's at 7:19.
std::string listener(const std::string& cert, const std::string& key,
                     const std::string& more = "") {
  return "server:\n"
         "  listen:\n"
         "    - 127.0.0.1:8080\n"
         "    - address: 127.0.0.1:8443\n"
         "      tls:\n"
         "        cert_file: " +
         cert + "\n        key_file: " + key + "\n" + more;
}

// One TLS listener with a certificates list; item i starts at line 6+i, column 13.
std::string certificate_list(const std::vector<CertificateFiles>& entries) {
  std::string yaml =
      "server:\n  listen:\n    - address: 127.0.0.1:8443\n      tls:\n        certificates:\n";
  for (const CertificateFiles& entry : entries)
    yaml += "          - {cert_file: " + entry.cert_file + ", key_file: " + entry.key_file + "}\n";
  return yaml;
}

class TlsConfigTest : public ::testing::Test {
 protected:
  std::string error_with(const std::string& cert, const std::string& key) {
    return error_of(listener(cert, key));
  }

  TestCertificates certificates_;
  CertificateFiles good_ = certificates_.leaf("good");
};

TEST_F(TlsConfigTest, StringAndMapFormsParse) {
  GatewayConfig c = load(listener(good_.cert_file, good_.key_file,
                                  "        min_version: \"1.3\"\n"
                                  "        handshake_timeout: 3s\n"
                                  "        ktls: true\n"
                                  "      http2: true\n"
                                  "    - {address: \"[::1]:8081\", http2: true}\n"));
  ASSERT_EQ(c.server.listen.size(), 3u);
  EXPECT_EQ(c.server.listen[0].text(), "127.0.0.1:8080");
  EXPECT_FALSE(c.server.listen[0].tls);
  EXPECT_FALSE(c.server.listen[0].http2);
  const ListenAddress& tls = c.server.listen[1];
  EXPECT_EQ(tls.text(), "127.0.0.1:8443");
  EXPECT_TRUE(tls.http2);
  ASSERT_TRUE(tls.tls);
  ASSERT_EQ(tls.tls->certificates.size(), 1u);
  EXPECT_EQ(tls.tls->certificates[0].cert_file, good_.cert_file);
  EXPECT_EQ(tls.tls->certificates[0].key_file, good_.key_file);
  EXPECT_EQ(tls.tls->certificates[0].where, "gw.yaml:6:9");
  EXPECT_EQ(tls.tls->min_version, TLS1_3_VERSION);
  EXPECT_EQ(tls.tls->handshake_timeout_ms, 3000);
  EXPECT_TRUE(tls.tls->ktls);
  EXPECT_EQ(c.server.listen[2].text(), "[::1]:8081");
  EXPECT_TRUE(c.server.listen[2].http2) << "plain with http2: h2c";
  EXPECT_FALSE(c.server.listen[2].tls);
}

TEST_F(TlsConfigTest, Defaults) {
  GatewayConfig c = load(listener(good_.cert_file, good_.key_file));
  const TlsSettings& tls = *c.server.listen[1].tls;
  EXPECT_EQ(tls.min_version, TLS1_2_VERSION);
  EXPECT_EQ(tls.handshake_timeout_ms, 10000);
  EXPECT_FALSE(tls.ktls);
  EXPECT_FALSE(c.server.listen[1].http2);
  EXPECT_EQ(c.server.http2.max_concurrent_streams, 256u);
  EXPECT_EQ(c.server.http2.initial_window_size, 1u << 20);
  EXPECT_EQ(c.server.http2.max_header_list_size, 64u * 1024);
}

TEST_F(TlsConfigTest, CertificatesList) {
  CertificateFiles other = certificates_.leaf("other", {"other.example", "DNS:other.example", 5});
  GatewayConfig c = load(certificate_list({good_, other}));
  const TlsSettings& tls = *c.server.listen[0].tls;
  ASSERT_EQ(tls.certificates.size(), 2u);
  EXPECT_EQ(tls.certificates[0].cert_file, good_.cert_file);
  EXPECT_EQ(tls.certificates[0].where, "gw.yaml:6:13");
  EXPECT_EQ(tls.certificates[1].key_file, other.key_file);
  EXPECT_EQ(tls.certificates[1].where, "gw.yaml:7:13");
}

TEST_F(TlsConfigTest, MissingCertificateNamesKeyPathAndReason) {
  const std::string path = certificates_.dir() + "/absent.pem";
  EXPECT_EQ(error_with(path, good_.key_file),
            "gw.yaml:6:20: key 'server.listen[1].tls.cert_file': " + path +
                ": cannot load a PEM certificate chain: "
                "error:80000002:system library::No such file or directory");
}

TEST_F(TlsConfigTest, MissingKeyNamesKeyFile) {
  const std::string path = certificates_.dir() + "/absent.key";
  const std::string err = error_with(good_.cert_file, path);
  EXPECT_EQ(err.rfind("gw.yaml:7:19: key 'server.listen[1].tls.key_file': " + path +
                          ": cannot load a PEM private key",
                      0),
            0u)
      << err;
  EXPECT_NE(err.find("No such file"), std::string::npos) << err;
}

TEST_F(TlsConfigTest, UnreadableFilesAreNamed) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads any file";
  const std::string path = certificates_.write("locked.key", "x");
  chmod(path.c_str(), 0);
  const std::string err = error_with(good_.cert_file, path);
  EXPECT_NE(err.find("key 'server.listen[1].tls.key_file': " + path), std::string::npos) << err;
  EXPECT_NE(err.find("Permission denied"), std::string::npos) << err;
}

TEST_F(TlsConfigTest, NotPemIsRefused) {
  const std::string junk = certificates_.write("junk.pem", "not a certificate\n");
  std::string err = error_with(junk, good_.key_file);
  EXPECT_EQ(err.rfind("gw.yaml:6:20: key 'server.listen[1].tls.cert_file': " + junk, 0), 0u) << err;
  EXPECT_NE(err.find("error:"), std::string::npos) << err;
  err = error_with(good_.cert_file, junk);
  EXPECT_EQ(err.rfind("gw.yaml:7:19: key 'server.listen[1].tls.key_file': " + junk, 0), 0u) << err;
  // A certificate where the key should be is not a key either.
  err = error_with(good_.cert_file, good_.cert_file);
  EXPECT_NE(err.find("key 'server.listen[1].tls.key_file'"), std::string::npos) << err;
}

TEST_F(TlsConfigTest, KeyOfAnotherCertificateIsRefused) {
  CertificateFiles other = certificates_.leaf("other");
  const std::string err = error_with(good_.cert_file, other.key_file);
  EXPECT_EQ(err, "gw.yaml:7:19: key 'server.listen[1].tls.key_file': " + other.key_file +
                     ": cannot load a PEM private key for " + good_.cert_file +
                     ": error:05800074:x509 certificate routines::key values mismatch");
}

TEST_F(TlsConfigTest, ExpiredAndNotYetValidCertificatesAreRefused) {
  CertificateFiles expired =
      certificates_.leaf("expired", {.valid_from_s = -7200, .valid_to_s = -3600});
  std::string err = error_with(expired.cert_file, expired.key_file);
  EXPECT_EQ(err.rfind("gw.yaml:6:20: key 'server.listen[1].tls.cert_file': " + expired.cert_file +
                          ": certificate expired on 20",
                      0),
            0u)
      << err;
  CertificateFiles early = certificates_.leaf("early", {.valid_from_s = 3600, .valid_to_s = 7200});
  err = error_with(early.cert_file, early.key_file);
  EXPECT_NE(err.find("key 'server.listen[1].tls.cert_file': " + early.cert_file +
                     ": certificate is not valid before 20"),
            std::string::npos)
      << err;
}

TEST_F(TlsConfigTest, BadEntryInCertificatesListIsIndexed) {
  CertificateFiles other = certificates_.leaf("other");
  const std::string err = error_of(certificate_list({good_, {good_.cert_file, other.key_file}}));
  EXPECT_NE(err.find("key 'server.listen[0].tls.certificates[1].key_file'"), std::string::npos)
      << err;
  EXPECT_NE(err.find("key values mismatch"), std::string::npos) << err;
}

TEST_F(TlsConfigTest, ExactlyOneWayToGiveCertificates) {
  EXPECT_EQ(error_of("server: {listen: [{address: 127.0.0.1:1, tls: {ktls: true}}]}"),
            "gw.yaml:1:47: key 'server.listen[0].tls': needs cert_file and key_file, or a "
            "certificates list");
  EXPECT_NE(error_of(listener(good_.cert_file, good_.key_file, "        certificates: []\n"))
                .find("key 'server.listen[1].tls.certificates': give either cert_file and "
                      "key_file or certificates, not both"),
            std::string::npos);
  EXPECT_NE(error_of("server: {listen: [{address: 127.0.0.1:1, tls: {certificates: []}}]}")
                .find("key 'server.listen[0].tls.certificates': needs at least one certificate"),
            std::string::npos);
  EXPECT_NE(error_of("server: {listen: [{address: 127.0.0.1:1, tls: {cert_file: " +
                     good_.cert_file + "}}]}")
                .find("missing required key 'key_file'"),
            std::string::npos);
}

TEST_F(TlsConfigTest, UnknownKeysAreRefused) {
  EXPECT_NE(error_of(listener(good_.cert_file, good_.key_file, "        ciphers: HIGH\n"))
                .find("gw.yaml:8:9: key 'server.listen[1].tls.ciphers': unknown key"),
            std::string::npos);
  EXPECT_NE(error_of("server: {listen: [{address: 127.0.0.1:1, tsl: {}}]}")
                .find("key 'server.listen[0].tsl': unknown key (expected one of: address, tls, "
                      "http2)"),
            std::string::npos);
  EXPECT_NE(error_of("server: {listen: [{address: 127.0.0.1:1, tls: {certificates: [{cert: a}]}}]}")
                .find("key 'server.listen[0].tls.certificates[0].cert': unknown key"),
            std::string::npos);
  EXPECT_NE(error_of("server: {listen: [{http2: true}]}")
                .find("key 'server.listen[0]': missing required key 'address'"),
            std::string::npos);
  EXPECT_NE(error_of("server: {http2: {max_streams: 5}}").find("key 'server.http2.max_streams'"),
            std::string::npos);
}

TEST_F(TlsConfigTest, MinVersionAndHandshakeTimeout) {
  EXPECT_EQ(load(listener(good_.cert_file, good_.key_file, "        min_version: 1.2\n"))
                .server.listen[1]
                .tls->min_version,
            TLS1_2_VERSION);
  EXPECT_EQ(error_of(listener(good_.cert_file, good_.key_file, "        min_version: \"1.1\"\n")),
            "gw.yaml:8:22: key 'server.listen[1].tls.min_version': expected \"1.2\" or \"1.3\", "
            "got \"1.1\"");
  EXPECT_NE(error_of(listener(good_.cert_file, good_.key_file, "        handshake_timeout: 0s\n"))
                .find("key 'server.listen[1].tls.handshake_timeout': must be positive"),
            std::string::npos);
}

TEST_F(TlsConfigTest, Http2SettingsAndTheirBounds) {
  GatewayConfig c = load(
      "server:\n  http2: {max_concurrent_streams: 100000, initial_window_size: 64KiB, "
      "max_header_list_size: 1MiB}\n");
  EXPECT_EQ(c.server.http2.max_concurrent_streams, 100000u);
  EXPECT_EQ(c.server.http2.initial_window_size, 65536u);
  EXPECT_EQ(c.server.http2.max_header_list_size, 1u << 20);
  EXPECT_EQ(
      load("server: {http2: {initial_window_size: 2147483647}}").server.http2.initial_window_size,
      2147483647u);
  EXPECT_EQ(load("server: {http2: {max_header_list_size: 1KiB}}").server.http2.max_header_list_size,
            1024u);
  const std::pair<std::string, std::string> bad[] = {
      {"max_concurrent_streams: 0", "out of range [1, 100000]"},
      {"max_concurrent_streams: 100001", "out of range [1, 100000]"},
      {"initial_window_size: 65534", "size 65534 out of range [65535, 2147483647]"},
      {"initial_window_size: 2GiB", "out of range [65535, 2147483647]"},
      {"max_header_list_size: 1023", "size 1023 out of range [1024, 1048576]"},
      {"max_header_list_size: 2MiB", "out of range [1024, 1048576]"},
  };
  for (const auto& [setting, problem] : bad) {
    const std::string err = error_of("server:\n  http2:\n    " + setting + "\n");
    const std::string key = setting.substr(0, setting.find(':'));
    EXPECT_NE(err.find("gw.yaml:3:"), std::string::npos) << err;
    EXPECT_NE(err.find("key 'server.http2." + key + "'"), std::string::npos) << err;
    EXPECT_NE(err.find(problem), std::string::npos) << err;
  }
}

}  // namespace
}  // namespace ssegw
