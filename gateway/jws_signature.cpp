#include "jws_signature.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <array>
#include <utility>

#include "openssl_handles.h"

namespace ssegw {
namespace {

struct AlgInfo {
  std::string_view name;
  JwsAlg alg;
};
constexpr std::array<AlgInfo, 12> kAlgs = {{{"HS256", JwsAlg::kHS256},
                                            {"HS384", JwsAlg::kHS384},
                                            {"HS512", JwsAlg::kHS512},
                                            {"RS256", JwsAlg::kRS256},
                                            {"RS384", JwsAlg::kRS384},
                                            {"RS512", JwsAlg::kRS512},
                                            {"PS256", JwsAlg::kPS256},
                                            {"PS384", JwsAlg::kPS384},
                                            {"PS512", JwsAlg::kPS512},
                                            {"ES256", JwsAlg::kES256},
                                            {"ES384", JwsAlg::kES384},
                                            {"EdDSA", JwsAlg::kEdDSA}}};

const EVP_MD* digest_of(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kHS256:
    case JwsAlg::kRS256:
    case JwsAlg::kPS256:
    case JwsAlg::kES256:
      return EVP_sha256();
    case JwsAlg::kHS384:
    case JwsAlg::kRS384:
    case JwsAlg::kPS384:
    case JwsAlg::kES384:
      return EVP_sha384();
    case JwsAlg::kHS512:
    case JwsAlg::kRS512:
    case JwsAlg::kPS512:
      return EVP_sha512();
    case JwsAlg::kEdDSA:
      return nullptr;  // Ed25519 hashes inside the signature scheme
  }
  return nullptr;
}

bool is_hmac(JwsAlg a) {
  return a == JwsAlg::kHS256 || a == JwsAlg::kHS384 || a == JwsAlg::kHS512;
}
bool is_pss(JwsAlg a) {
  return a == JwsAlg::kPS256 || a == JwsAlg::kPS384 || a == JwsAlg::kPS512;
}
bool is_rsa(JwsAlg a) {
  return is_pss(a) || a == JwsAlg::kRS256 || a == JwsAlg::kRS384 || a == JwsAlg::kRS512;
}

// The curve an ES algorithm names, and its coordinate size (the halves of r || s).
std::pair<const char*, size_t> curve_of(JwsAlg a) {
  if (a == JwsAlg::kES256) return {"prime256v1", 32};
  if (a == JwsAlg::kES384) return {"secp384r1", 48};
  return {nullptr, 0};
}

bool key_fits(JwsAlg alg, EVP_PKEY* key) {
  if (is_rsa(alg)) return EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) >= 2048;
  if (alg == JwsAlg::kEdDSA) return EVP_PKEY_is_a(key, "ED25519");
  auto [curve, size] = curve_of(alg);
  if (curve == nullptr || !EVP_PKEY_is_a(key, "EC")) return false;
  char name[64] = {0};
  size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &length) !=
      1) {
    return false;
  }
  return std::string_view(name, length) == curve;
}

// JWS carries an ECDSA signature as r || s, fixed width; OpenSSL verifies DER.
std::optional<std::string> ecdsa_raw_to_der(std::string_view raw, size_t half) {
  if (raw.size() != 2 * half) return std::nullopt;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(half),
                        nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + half),
                        static_cast<int>(half), nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (length <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return out;
}

bool verify_hmac(JwsAlg alg, const std::string& secret, std::string_view input,
                 std::string_view signature) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(digest_of(alg), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
           &length) == nullptr) {
    return false;
  }
  return signature.size() == length && CRYPTO_memcmp(mac, signature.data(), length) == 0;
}

bool verify_public(JwsAlg alg, EVP_PKEY* key, std::string_view input, std::string_view signature) {
  std::string der;
  if (auto [curve, half] = curve_of(alg); curve != nullptr) {
    auto converted = ecdsa_raw_to_der(signature, half);
    if (!converted) return false;
    der = std::move(*converted);
    signature = der;
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, digest_of(alg), nullptr, key) != 1)
    return false;
  if (is_pss(alg) && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                          input.size()) == 1;
}

// One lookup per character: with a chain of range tests, decoding took a fifth of an HS256
// token's check (bench/micro/jwt_verify_bench under perf).
constexpr std::array<int8_t, 256> make_base64url_table() {
  std::array<int8_t, 256> table{};
  for (int8_t& v : table) v = -1;
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (size_t i = 0; i < kAlphabet.size(); ++i)
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return table;
}
constexpr std::array<int8_t, 256> kBase64url = make_base64url_table();

}  // namespace

std::optional<JwsAlg> parse_jws_alg(std::string_view name) {
  for (const AlgInfo& a : kAlgs)
    if (a.name == name) return a.alg;
  return std::nullopt;
}

std::string_view jws_alg_name(JwsAlg alg) {
  for (const AlgInfo& a : kAlgs)
    if (a.alg == alg) return a.name;
  return "?";
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  char* next = out.data();
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    const int v = kBase64url[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    bits = bits << 6 | static_cast<uint32_t>(v);
    if (++count == 4) {
      *next++ = static_cast<char>(bits >> 16);
      *next++ = static_cast<char>(bits >> 8);
      *next++ = static_cast<char>(bits);
      bits = 0;
      count = 0;
    }
  }
  // 2 or 3 characters left carry 1 or 2 bytes; their unused low bits must be zero.
  if (count == 2) {
    if (bits & 0xf) return std::nullopt;
    out.push_back(static_cast<char>(bits >> 4));
  } else if (count == 3) {
    if (bits & 0x3) return std::nullopt;
    out.push_back(static_cast<char>(bits >> 10));
    out.push_back(static_cast<char>(bits >> 2));
  }
  return out;
}

JwsKey JwsKey::secret(JwsAlg alg, std::string secret) {
  return JwsKey(alg, std::move(secret), nullptr);
}

std::optional<JwsKey> JwsKey::public_key(JwsAlg alg, EvpPkeyPtr key) {
  if (is_hmac(alg) || !key || !key_fits(alg, key.get())) return std::nullopt;
  return JwsKey(alg, "", std::shared_ptr<EVP_PKEY>(key.release(), EVP_PKEY_free));
}

bool JwsKey::verify(JwsAlg alg, std::string_view signing_input, std::string_view signature) const {
  // A forged signature queues OpenSSL errors; left there, the worker's next SSL_get_error
  // would read them and fail an unrelated TLS connection.
  const OpenSslErrorScope errors;
  if (alg != alg_) return false;  // a key serves its own algorithm only
  if (is_hmac(alg_)) return key_ == nullptr && verify_hmac(alg_, secret_, signing_input, signature);
  return key_ != nullptr && verify_public(alg_, key_.get(), signing_input, signature);
}

}  // namespace ssegw
