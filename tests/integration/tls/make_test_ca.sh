#!/usr/bin/env bash
# Makes the test PKI of the TLS suite in DIR with openssl: a CA, and two server certificates
# it signed for DNS:localhost and IP:127.0.0.1 with known serials (the second one is what a
# SIGHUP reload switches to), and a third for DNS:other.test (the SNI test). Each certificate file is the full chain (leaf, then CA), and
# NAME.spki holds the base64 SHA-256 of the leaf's public key, the form Chromium's
# --ignore-certificate-errors-spki-list takes.
#
#   make_test_ca.sh DIR  ->  DIR/ca.pem DIR/ca.key
#                            DIR/server.pem DIR/server.key DIR/server.spki   (serial 1001)
#                            DIR/server2.pem DIR/server2.key DIR/server2.spki (serial 2002)
#                            DIR/other.pem DIR/other.key DIR/other.spki       (serial 3003)
set -euo pipefail

dir=${1:?usage: make_test_ca.sh DIR}
mkdir -p "$dir"
cd "$dir"

ec_key=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)

openssl req -x509 "${ec_key[@]}" -keyout ca.key -out ca.pem -days 2 \
  -subj "/CN=ssegw TLS suite test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
  2>/dev/null

issue() {
  local name=$1 serial=$2 names=$3
  cat > "$name.ext" <<EXT
subjectAltName=$names
basicConstraints=CA:FALSE
keyUsage=digitalSignature
extendedKeyUsage=serverAuth
EXT
  openssl req "${ec_key[@]}" -keyout "$name.key" -out "$name.csr" -subj "/CN=$name" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -set_serial "0x$serial" \
    -days 2 -extfile "$name.ext" -out "$name.leaf.pem" 2>/dev/null
  cat "$name.leaf.pem" ca.pem > "$name.pem"
  openssl x509 -in "$name.leaf.pem" -pubkey -noout | openssl pkey -pubin -outform der |
    openssl dgst -sha256 -binary | base64 > "$name.spki"
  rm -f "$name.csr" "$name.ext"
}

issue server 1001 DNS:localhost,IP:127.0.0.1
issue server2 2002 DNS:localhost,IP:127.0.0.1
issue other 3003 DNS:other.test
