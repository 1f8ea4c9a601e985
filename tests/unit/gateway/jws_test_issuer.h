#pragma once
// The token issuer's side, for the JWS and JWT tests: keys made with EVP, base64url, and
// signatures made as an identity provider makes them, so the verifier and the key loaders
// are checked against OpenSSL rather than against themselves.
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <string>
#include <string_view>

#include "gateway/jws_signature.h"
#include "gateway/openssl_handles.h"

namespace ssegw::jws_test {

// base64url without padding, from OpenSSL's base64.
inline std::string b64url(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(in.data()),
                                     static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(length));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

// A fresh key pair of the type `alg` needs (RSA 2048 for RS and PS).
inline EvpPkeyPtr generate(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kES256:
      return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    case JwsAlg::kES384:
      return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
    case JwsAlg::kEdDSA:
      return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    default:
      return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  }
}

inline const EVP_MD* digest_for(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kRS384:
    case JwsAlg::kPS384:
    case JwsAlg::kES384:
      return EVP_sha384();
    case JwsAlg::kRS512:
    case JwsAlg::kPS512:
      return EVP_sha512();
    case JwsAlg::kEdDSA:
      return nullptr;
    default:
      return EVP_sha256();
  }
}

// JWS carries ECDSA as fixed-width r || s where OpenSSL signs DER.
inline std::string ecdsa_der_to_raw(const std::string& der, size_t half) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* ecdsa = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  std::string raw(2 * half, '\0');
  if (ecdsa == nullptr) return raw;
  BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa), reinterpret_cast<unsigned char*>(raw.data()),
               static_cast<int>(half));
  BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa), reinterpret_cast<unsigned char*>(raw.data() + half),
               static_cast<int>(half));
  ECDSA_SIG_free(ecdsa);
  return raw;
}

// Signs `input` with the private key as a JWS producer would.
inline std::string sign(JwsAlg alg, EVP_PKEY* key, const std::string& input) {
  const EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, digest_for(alg), nullptr, key) != 1) return "";
  if (alg == JwsAlg::kPS256 || alg == JwsAlg::kPS384 || alg == JwsAlg::kPS512) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  size_t length = 0;
  EVP_DigestSign(ctx.get(), nullptr, &length, data, input.size());
  std::string sig(length, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &length, data,
                 input.size());
  sig.resize(length);
  if (alg == JwsAlg::kES256) return ecdsa_der_to_raw(sig, 32);
  if (alg == JwsAlg::kES384) return ecdsa_der_to_raw(sig, 48);
  return sig;
}

// A compact JWS of `claims` whose header is `header` (which should name `alg`).
inline std::string token(JwsAlg alg, EVP_PKEY* key, const std::string& header,
                         const std::string& claims) {
  const std::string input = b64url(header) + "." + b64url(claims);
  return input + "." + b64url(sign(alg, key, input));
}

// An HS256 token made with OpenSSL's one-shot HMAC, apart from the gateway's EVP code.
inline std::string hs256(const std::string& header, const std::string& claims,
                         const std::string& secret = "s3cret") {
  const std::string input = b64url(header) + "." + b64url(claims);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &length);
  return input + "." + b64url(std::string(reinterpret_cast<char*>(mac), length));
}

}  // namespace ssegw::jws_test
