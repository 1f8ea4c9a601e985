'use strict';
// Headless Chromium over https to the gateway's TLS listener, the test CA's server key
// trusted by its SPKI hash: the page is a navigation to the gateway itself (its /healthz),
// so the EventSources are same-origin and share one HTTP/2 connection. Ten of them must all
// open and receive; over HTTP/1.1 Chromium would open only six to one origin.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const { publish } = require('../../browser/lib/http_publish');
const { metricValue } = require('../../browser/lib/gateway_metrics');
const { waitUntil } = require('../../browser/lib/wait');

const STREAMS = 10;
let pkiDir;
let gateway;
let browser;

// The gateway on a plain listener (publishing, /metrics) and a TLS one with HTTP/2; each
// logs "listening on 127.0.0.1:PORT" with tls= and http2= fields.
async function startGateway(dir) {
  const config = {
    server: {
      workers: 2,
      heartbeat: '15s',
      listen: [
        '127.0.0.1:0',
        {
          address: '127.0.0.1:0',
          tls: { cert_file: path.join(dir, 'server.pem'), key_file: path.join(dir, 'server.key'),
                 min_version: '1.2', handshake_timeout: '10s' },
          http2: true,
        },
      ],
    },
    channels: [{ path: '/events', history: 100, publish: true }],
  };
  const configFile = path.join(dir, 'gateway.yaml');
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2) + '\n');
  const child = spawn(process.env.SSEGW_BINARY, ['--config', configFile],
                      { stdio: ['ignore', 'ignore', 'pipe'] });
  const started = { child, stderr: '', plain: 0, tls: 0 };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => { started.stderr += chunk; });
  process.on('exit', () => child.kill('SIGKILL'));
  await waitUntil(() => {
    for (const line of started.stderr.split('\n')) {
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(line);
      if (!match) continue;
      if (/ tls=true/.test(line)) started.tls = Number(match[1]);
      else started.plain = Number(match[1]);
    }
    if (child.exitCode !== null) throw new Error(`gateway exited:\n${started.stderr}`);
    return started.plain && started.tls;
  }, { timeoutMs: 15000, what: `a plain and a TLS listener; stderr so far:\n${started.stderr}` });
  return started;
}

before(async () => {
  pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssegw-tls-chromium-'));
  execFileSync('bash', [path.join(__dirname, '..', 'make_test_ca.sh'), pkiDir]);
  gateway = await startGateway(pkiDir);
  const spki = fs.readFileSync(path.join(pkiDir, 'server.spki'), 'utf8').trim();
  browser = await chromium.launch({
    executablePath: process.env.SSEGW_CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           `--ignore-certificate-errors-spki-list=${spki}`],
    timeout: 60000,
  });
});

after(async () => {
  if (browser) await browser.close();
  if (gateway) {
    gateway.child.kill('SIGTERM');
    await new Promise((resolve) => {
      if (gateway.child.exitCode !== null) resolve();
      else gateway.child.on('exit', resolve);
    });
  }
  if (pkiDir) fs.rmSync(pkiDir, { recursive: true, force: true });
});

test(`${STREAMS} EventSources on one https origin all receive, over h2`, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const origin = `https://localhost:${gateway.tls}`;
  const navigation = await page.goto(`${origin}/healthz`);
  assert.equal(navigation.status(), 200);
  assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation')[0].nextHopProtocol),
               'h2', 'the page itself came over HTTP/2');

  await page.evaluate((count) => {
    window.opened = 0;
    window.received = Array.from({ length: count }, () => []);
    for (let i = 0; i < count; i += 1) {
      const source = new EventSource('/events');
      source.onopen = () => { window.opened += 1; };
      source.onmessage = (event) => window.received[i].push(event.data);
    }
  }, STREAMS);
  await page.waitForFunction((count) => window.opened === count, STREAMS, { timeout: 15000 })
    .catch(async (error) => {
      const opened = await page.evaluate(() => window.opened);
      throw new Error(`${opened} of ${STREAMS} EventSources opened (HTTP/1.1 allows 6)`, { cause: error });
    });

  const plainOrigin = `http://127.0.0.1:${gateway.plain}`;
  const datas = ['one', 'two', 'three'];
  for (const data of datas) await publish(plainOrigin, '/events', data);
  await page.waitForFunction((n) => window.received.every((r) => r.length >= n), datas.length,
                             { timeout: 15000 })
    .catch(async (error) => {
      throw new Error(`received: ${JSON.stringify(await page.evaluate(() => window.received))}`,
                      { cause: error });
    });
  const received = await page.evaluate(() => window.received);
  for (const events of received) assert.deepEqual(events, datas);

  // A request the page makes now goes on the same connection, and says so.
  // Its Resource Timing entry is queued once the body has been read, not when fetch resolves.
  await page.evaluate(async () => { await (await fetch('/healthz?probe')).text(); });
  const probe = await page.waitForFunction(() => {
    const entry = performance.getEntriesByType('resource').find((e) => e.name.endsWith('?probe'));
    return entry && entry.nextHopProtocol;
  }, null, { timeout: 5000 });
  assert.equal(await probe.jsonValue(), 'h2');
  const streamsOpen = await metricValue(plainOrigin, 'ssegw_h2_streams_open');
  assert.ok(streamsOpen >= STREAMS, `ssegw_h2_streams_open ${streamsOpen}, want >= ${STREAMS}`);
  await context.close();
});
