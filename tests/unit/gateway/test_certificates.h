#pragma once
// Certificates for the TLS tests, made with OpenSSL's API (no openssl CLI, no clock tricks)
// into a temporary directory that is removed with the object: a CA and leaves it signs.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

namespace ssegw::tls_test {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Deleter {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

struct LeafSpec {
  std::string common_name = "localhost";
  std::string subject_alt_names = "DNS:localhost,IP:127.0.0.1";  // X509v3 config syntax
  long serial = 2;
  long valid_from_s = -3600;  // relative to now
  long valid_to_s = 86400;
};

struct CertificateFiles {
  std::string cert_file;  // the leaf, then the CA
  std::string key_file;
};

class TestCertificates {
 public:
  TestCertificates() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ssegw-tls-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    ca_key_ = new_key();
    ca_ = new_certificate(ca_key_.get(), "sse-gateway test CA", 1, -3600, 86400);
    X509_set_issuer_name(ca_.get(), X509_get_subject_name(ca_.get()));
    add_extension(ca_.get(), ca_.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(ca_.get(), ca_.get(), NID_key_usage, "critical,keyCertSign");
    X509_sign(ca_.get(), ca_key_.get(), EVP_sha256());
    ca_file_ = write_pem(dir_ + "/ca.pem", [&](FILE* f) { PEM_write_X509(f, ca_.get()); });
  }
  ~TestCertificates() { std::filesystem::remove_all(dir_); }
  TestCertificates(const TestCertificates&) = delete;
  TestCertificates& operator=(const TestCertificates&) = delete;

  const std::string& dir() const { return dir_; }
  const std::string& ca_file() const { return ca_file_; }

  // A leaf signed by the CA, written as `stem`.pem (leaf then CA) and `stem`.key.
  CertificateFiles leaf(const std::string& stem, const LeafSpec& spec = {}) {
    PkeyPtr key = new_key();
    X509Ptr certificate = new_certificate(key.get(), spec.common_name, spec.serial,
                                          spec.valid_from_s, spec.valid_to_s);
    X509_set_issuer_name(certificate.get(), X509_get_subject_name(ca_.get()));
    add_extension(certificate.get(), ca_.get(), NID_subject_alt_name, spec.subject_alt_names);
    X509_sign(certificate.get(), ca_key_.get(), EVP_sha256());
    CertificateFiles files;
    files.cert_file = write_pem(dir_ + "/" + stem + ".pem", [&](FILE* f) {
      PEM_write_X509(f, certificate.get());
      PEM_write_X509(f, ca_.get());
    });
    files.key_file = write_pem(dir_ + "/" + stem + ".key", [&](FILE* f) {
      PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    });
    return files;
  }

  std::string write(const std::string& name, const std::string& text) const {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

 private:
  static PkeyPtr new_key() { return PkeyPtr(EVP_EC_gen("P-256")); }

  static X509Ptr new_certificate(EVP_PKEY* key, const std::string& common_name, long serial,
                                 long valid_from_s, long valid_to_s) {
    X509Ptr certificate(X509_new());
    X509_set_version(certificate.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), serial);
    X509_gmtime_adj(X509_getm_notBefore(certificate.get()), valid_from_s);
    X509_gmtime_adj(X509_getm_notAfter(certificate.get()), valid_to_s);
    X509_set_pubkey(certificate.get(), key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(certificate.get()), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                               0);
    return certificate;
  }

  static void add_extension(X509* certificate, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!extension) throw std::runtime_error("bad extension " + value);
    X509_add_ext(certificate, extension, -1);
    X509_EXTENSION_free(extension);
  }

  struct FileCloser {
    void operator()(FILE* file) const { std::fclose(file); }
  };

  template <typename Write>
  static std::string write_pem(const std::string& path, Write write) {
    std::unique_ptr<FILE, FileCloser> file(std::fopen(path.c_str(), "w"));
    if (!file) throw std::runtime_error("cannot write " + path);
    write(file.get());
    return path;
  }

  std::string dir_;
  std::string ca_file_;
  PkeyPtr ca_key_;
  X509Ptr ca_;
};

}  // namespace ssegw::tls_test
