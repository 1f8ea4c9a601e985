#pragma once
// Loading the public keys that verify tokens: one PEM file per key, or a JWK Set (RFC 7517)
// as an identity provider publishes it. Both refuse what does not belong in a public key
// file (private keys, shared secrets) rather than use or drop it quietly, and both are
// bounded, since a JWK Set may one day come from the network. Errors say what is wrong and
// never the path: the config loader adds file, line and key.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jws_signature.h"
#include "jwt_verifier.h"

namespace ssegw {

// Largest JWK Set (or PEM file) read, and most keys a set may hold.
inline constexpr size_t kMaxKeyFileBytes = 1024 * 1024;
inline constexpr size_t kMaxJwksKeys = 1000;
// RSA modulus sizes accepted: under 2048 bits is breakable, over 16384 is OpenSSL's own limit
// and costs seconds per signature check.
inline constexpr int kMinRsaBits = 2048;
inline constexpr int kMaxRsaBits = 16384;

// A PEM public key for `alg`: SubjectPublicKeyInfo ("PUBLIC KEY"), PKCS#1 ("RSA PUBLIC
// KEY"), or a certificate ("CERTIFICATE", the first in the file) whose key is used. A file
// holding any private key is refused, as is a key that cannot verify `alg`.
std::optional<JwsKey> load_public_key_file(JwsAlg alg, const std::string& path, std::string& error);

// The text of a JWK Set, {"keys":[...]}: RSA (n, e), EC (P-256, P-384: x, y) and OKP
// (Ed25519: x) keys, each for its "alg" or, without one, the algorithm its type implies
// (RS256, ES256, ES384, EdDSA). Keys for another "use" or without "verify" in "key_ops" are
// skipped; anything else that is not a usable public key is an error naming its index.
// Appends to `keys`; on false, `keys` is as it was and `error` says why.
bool parse_jwks(std::string_view json, std::vector<JwtKey>& keys, std::string& error);

// parse_jwks on a file's text, read up to kMaxKeyFileBytes.
bool load_jwks_file(const std::string& path, std::vector<JwtKey>& keys, std::string& error);

}  // namespace ssegw
