'use strict';
// JSON Web Tokens minted by PyJWT (Debian's python3-jwt): a JOSE library that shares no code
// with the gateway's verifier, as a real issuer would not.
const { execFileSync } = require('node:child_process');

const PYTHON = '/usr/bin/python3';
const MINT = [
  'import json, sys, jwt',
  'print(jwt.encode(json.loads(sys.argv[2]), sys.argv[1], algorithm="HS256"))',
].join('\n');

function mintHs256(secret, claims) {
  try {
    return execFileSync(PYTHON, ['-c', MINT, secret, JSON.stringify(claims)], {
      encoding: 'utf8',
      timeout: 10000,
    }).trim();
  } catch (error) {
    const why = error.stderr || error.message;
    throw new Error(`PyJWT could not mint a token (is python3-jwt installed?): ${why}`);
  }
}

module.exports = { mintHs256 };
