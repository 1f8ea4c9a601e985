'use strict';
// Runs the real sse-gateway binary (SSEGW_BINARY, set by CTest) on a loopback port with a
// config written to a temporary file, and stops it by its PID.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const LISTENING = /listening on 127\.0\.0\.1:(\d+)/;
// What AddressSanitizer, LeakSanitizer and UBSan print when the binary is a sanitizer build.
const SANITIZER_REPORT = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/;

// Gateways still running when the test process exits (a failed assertion, a timeout) are
// killed by PID so no stray gateway outlives the suite.
const running = new Set();
process.on('exit', () => {
  for (const gateway of running) {
    try {
      process.kill(gateway.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function gatewayBinary() {
  const binary = process.env.SSEGW_BINARY;
  if (!binary) throw new Error('SSEGW_BINARY is not set (CTest sets it to the built sse-gateway)');
  if (!fs.existsSync(binary)) throw new Error(`SSEGW_BINARY ${binary} does not exist; build it first`);
  return binary;
}

class GatewayProcess {
  // config: a plain object; YAML is a superset of JSON, so it is written as JSON.
  // listen: '127.0.0.1:0' for a free port, or a fixed '127.0.0.1:PORT' to restart on a port.
  static async start(config, { listen = '127.0.0.1:0', startTimeoutMs = 15000 } = {}) {
    const gateway = new GatewayProcess(config, listen);
    await gateway.waitUntilListening(startTimeoutMs);
    return gateway;
  }

  constructor(config, listen) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssegw-browser-'));
    this.configFile = path.join(this.dir, 'gateway.yaml');
    fs.writeFileSync(this.configFile, JSON.stringify(config, null, 2) + '\n');
    this.stderr = '';
    this.child = spawn(gatewayBinary(), ['--config', this.configFile, '--listen', listen], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.pid = this.child.pid;
    running.add(this);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        running.delete(this);
        resolve({ code, signal });
      });
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk) => {
      this.stderr += chunk;
    });
  }

  waitUntilListening(timeoutMs) {
    return new Promise((resolve, reject) => {
      const fail = (why) => {
        cleanup();
        this.kill();
        reject(new Error(`gateway ${why}; its stderr:\n${this.stderr}`));
      };
      const check = () => {
        const match = LISTENING.exec(this.stderr);
        if (match) {
          cleanup();
          this.port = Number(match[1]);
          resolve();
        }
      };
      const onExit = (code, signal) => fail(`exited (code ${code}, signal ${signal}) before listening`);
      const timer = setTimeout(() => fail(`printed no 'listening on' line within ${timeoutMs} ms`), timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.child.stderr.off('data', check);
        this.child.off('exit', onExit);
      };
      this.child.stderr.on('data', check);
      this.child.on('exit', onExit);
      check();
    });
  }

  get origin() {
    return `http://127.0.0.1:${this.port}`;
  }

  url(pathAndQuery) {
    return this.origin + pathAndQuery;
  }

  // Rewrites the config file and sends SIGHUP; the caller checks the effect it expects.
  reload(config) {
    fs.writeFileSync(this.configFile, JSON.stringify(config, null, 2) + '\n');
    this.kill('SIGHUP');
  }

  kill(signal = 'SIGKILL') {
    try {
      process.kill(this.pid, signal);
    } catch {
      // already gone
    }
  }

  // Sends `signal` and waits for the exit; SIGKILL after timeoutMs. Returns {code, signal}.
  async stop(signal = 'SIGTERM', timeoutMs = 10000) {
    if (running.has(this)) this.kill(signal);
    let timer;
    const overdue = new Promise((resolve) => {
      timer = setTimeout(() => resolve('overdue'), timeoutMs);
    });
    let result = await Promise.race([this.exited, overdue]);
    clearTimeout(timer);
    if (result === 'overdue') {
      this.kill('SIGKILL');
      result = { ...(await this.exited), overdue: true };
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    return result;
  }

  // The end of every test: SIGTERM must drain and exit 0, with no sanitizer report.
  async stopCleanly() {
    const result = await this.stop('SIGTERM');
    if (SANITIZER_REPORT.test(this.stderr)) {
      throw new Error(`the gateway's sanitizer reported a problem:\n${this.stderr}`);
    }
    if (result.code !== 0 || result.overdue) {
      throw new Error(`SIGTERM ended the gateway with ${JSON.stringify(result)}; stderr:\n${this.stderr}`);
    }
    return result;
  }
}

// A gateway for test t, stopped when t ends; it must then exit cleanly (see stopCleanly).
async function startGateway(t, config, options) {
  const gateway = await GatewayProcess.start(config, options);
  t.after(() => gateway.stopCleanly());
  return gateway;
}

module.exports = { GatewayProcess, startGateway };
