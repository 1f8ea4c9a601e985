#pragma once
// JWS signatures (RFC 7515, algorithms of RFC 7518 and RFC 8037) checked with OpenSSL's EVP:
// HS256/384/512, RS256/384/512, PS256/384/512, ES256/384 and EdDSA (Ed25519). A key is made
// for one algorithm and refuses every other: the algorithm-confusion attack (an HS token
// checked against an RSA or EC public key's bytes) has no key to use.
#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ssegw {

enum class JwsAlg {
  kHS256,
  kHS384,
  kHS512,
  kRS256,
  kRS384,
  kRS512,
  kPS256,
  kPS384,
  kPS512,
  kES256,
  kES384,
  kEdDSA
};

// "HS256" and so on; nullopt for "none" and anything unknown.
std::optional<JwsAlg> parse_jws_alg(std::string_view name);
// The name a JOSE header gives it, for messages.
std::string_view jws_alg_name(JwsAlg alg);

// base64url without padding (RFC 7515 section 2); nullopt for any other character or a
// length no encoding has.
std::optional<std::string> base64url_decode(std::string_view text);

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

class JwsKey {
 public:
  // An HMAC secret for an HS algorithm.
  static JwsKey secret(JwsAlg alg, std::string secret);
  // A public key (RSA for RS/PS, EC P-256/P-384 for ES256/ES384, Ed25519 for EdDSA); null
  // when the key's type does not fit the algorithm.
  static std::optional<JwsKey> public_key(JwsAlg alg, EvpPkeyPtr key);

  JwsAlg alg() const { return alg_; }
  // Whether `signature` (the decoded third part) signs `signing_input` (the first two parts
  // and their dot) with this key, for a token whose header says `alg`.
  bool verify(JwsAlg alg, std::string_view signing_input, std::string_view signature) const;

 private:
  JwsKey(JwsAlg alg, std::string secret, std::shared_ptr<EVP_PKEY> key)
      : alg_(alg), secret_(std::move(secret)), key_(std::move(key)) {}
  JwsAlg alg_;
  std::string secret_;
  std::shared_ptr<EVP_PKEY> key_;  // shared: keys are copied into each reloaded key set
};

}  // namespace ssegw
