"""Mints JSON Web Tokens for the auth suite with PyJWT, and forges the ones PyJWT refuses to.

    mint.py --alg ALG (--key PRIVATE_KEY_PEM | --secret TEXT) [--claims JSON] [--headers JSON]
            [--expires-in SECONDS] [--not-before-in SECONDS] [--forge none|tamper|hmac-raw]
    mint.py --specs FILE

prints one compact token a line: one for the arguments, or one for each line of FILE, a JSON
object {"alg", "key" or "secret", "claims", "headers", "expires_in", "not_before_in",
"forge"} (the tests mint all a test needs in one run, since each start of Python costs a
tenth of a second).

iat is the time of signing, and exp and nbf, when asked for, are that many seconds after it:
reckoned here rather than by the caller, so a slow start of Python on a busy machine does
not eat into a token meant to live three seconds.

headers are added to the JWS header (a "kid"; under hmac-raw they may replace "alg" too).
Forgeries:
  none      "alg": "none" and an empty signature, the unsigned token of RFC 7519 section 6
  tamper    signed, then the payload part re-encoded with every channel granted; the
            signature is the original's, so it no longer covers the payload
  hmac-raw  HMAC by hand, keyed with the bytes of --key (or --secret): with an RSA public key
            PEM this is the algorithm-confusion token, which PyJWT refuses to make
"""

import argparse
import base64
import hashlib
import hmac
import json
import sys
import time

import jwt

HMAC_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_json(obj):
    return b64url(json.dumps(obj, separators=(",", ":")).encode("utf-8"))


def key_material(spec):
    if spec.get("key"):
        with open(spec["key"], "rb") as f:
            return f.read()
    if spec.get("secret") is not None:
        return spec["secret"].encode("utf-8")
    raise SystemExit("a token needs a key file or a secret")


def timed_claims(spec):
    claims = dict(spec.get("claims") or {})
    now = int(time.time())
    claims["iat"] = now
    if spec.get("expires_in") is not None:
        claims["exp"] = now + spec["expires_in"]
    if spec.get("not_before_in") is not None:
        claims["nbf"] = now + spec["not_before_in"]
    return claims


def mint(spec):
    alg = spec["alg"]
    claims = timed_claims(spec)
    headers = spec.get("headers") or {}
    forge = spec.get("forge") or ""
    if forge == "none":
        header = {"alg": "none", "typ": "JWT", **headers}
        return b64url_json(header) + "." + b64url_json(claims) + "."
    if forge == "hmac-raw":
        if alg not in HMAC_HASHES:
            raise SystemExit(f"hmac-raw signs with HS256, HS384 or HS512, not {alg}")
        header = {"alg": alg, "typ": "JWT", **headers}
        signing_input = b64url_json(header) + "." + b64url_json(claims)
        mac = hmac.new(key_material(spec), signing_input.encode("ascii"), HMAC_HASHES[alg])
        return signing_input + "." + b64url(mac.digest())
    token = jwt.encode(claims, key_material(spec), algorithm=alg, headers=headers or None)
    if forge == "tamper":
        header_part, _, signature = token.split(".")
        granted = dict(claims, sse={"subscribe": ["/**"], "publish": ["/**"]})
        return header_part + "." + b64url_json(granted) + "." + signature
    if forge:
        raise SystemExit(f"unknown forgery {forge!r}")
    return token


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--alg")
    parser.add_argument("--key")
    parser.add_argument("--secret")
    parser.add_argument("--claims", default="{}")
    parser.add_argument("--headers", default="{}")
    parser.add_argument("--expires-in", type=int)
    parser.add_argument("--not-before-in", type=int)
    parser.add_argument("--forge", default="")
    parser.add_argument("--specs")
    args = parser.parse_args()
    if args.specs:
        with open(args.specs, encoding="utf-8") as f:
            specs = [json.loads(line) for line in f if line.strip()]
    elif args.alg:
        specs = [{"alg": args.alg, "key": args.key, "secret": args.secret,
                  "claims": json.loads(args.claims), "headers": json.loads(args.headers),
                  "expires_in": args.expires_in, "not_before_in": args.not_before_in,
                  "forge": args.forge}]
    else:
        parser.error("give --alg and a key, or --specs FILE")
    for spec in specs:
        print(mint(spec))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
