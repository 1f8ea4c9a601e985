'use strict';
// The status page (server.status_page) in headless Chromium while 500 subscribers listen and
// 50 publishes/s arrive: the page's own EventSource on /status/stream must bring the live
// channel names, subscriber counts and the SSE source bridge's state onto the page, its
// filter box must narrow the channels, and a hostile channel name must stay text.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const { launchChromium } = require('../lib/chromium');
const { startGateway } = require('../lib/gateway_process');
const { freePort } = require('../lib/free_port');
const { openSubscribers } = require('../lib/subscriber_crowd');
const { startPublishing } = require('../lib/publish_load');

// 500 subscribers in all; the bridge is one more subscriber of /prices.
const SUBSCRIBERS = { '/prices': 300, '/news': 150, '/rooms/lobby': 50 };
const PUBLISH_WEIGHTS = { '/prices': 6, '/news': 3, '/rooms/lobby': 1 };
// A name a page that used innerHTML would turn into markup: the template lets anyone make
// it (a segment holds no '/' or space, so no attribute; the elements would show it).
const HOSTILE = '/t/<b>bold<i>&amp;"x';
// SSEGW_STATUS_SCREENSHOT=tests/integration/browser/status.png refreshes the checked-in one.
const SCREENSHOT = process.env.SSEGW_STATUS_SCREENSHOT || path.join(os.tmpdir(), 'ssegw-status.png');

function gatewayConfig(port) {
  return {
    server: { workers: 2, heartbeat: '15s', status_page: { path: '/status' } },
    channels: [
      { path: '/prices', publish: true },
      { path: '/news', publish: true },
      { path: '/rooms/lobby', publish: true },
      { path: '/mirror' },
      { path: '/t/{name}', publish: true },
    ],
    sources: [{ name: 'prices-relay', type: 'sse', endpoint: `http://127.0.0.1:${port}/prices`, to: '/mirror' }],
  };
}

// A publish whose path goes on the wire byte for byte (fetch would percent-encode it).
function rawPublish(port, target) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx`);
    });
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => { answer += chunk; });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer to the raw publish')));
  });
}

function rowText(page, channel) {
  return page.evaluate((c) => {
    for (const row of document.querySelectorAll('#channels tbody tr')) {
      if (row.getAttribute('data-channel') === c) return [...row.cells].map((td) => td.textContent);
    }
    return null;
  }, channel);
}

test('the status page shows live channels, subscriber counts and the bridge state under load', async (t) => {
  const port = await freePort();
  const gateway = await startGateway(t, gatewayConfig(port), { listen: `127.0.0.1:${port}` });
  const answer = await rawPublish(port, HOSTILE);
  assert.match(answer, /^HTTP\/1\.1 200/, `the hostile channel is made: ${answer}`);

  const crowd = await openSubscribers(port, SUBSCRIBERS);
  t.after(() => crowd.close());
  assert.equal(crowd.count, 500);
  const load = startPublishing(gateway.origin, 50, PUBLISH_WEIGHTS);
  t.after(() => load.stop());

  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  const response = await page.goto(gateway.url('/status'));
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-security-policy'], /default-src 'none'/);

  // Live updates: a quarter minute of frames (the charts have a line to show), with every
  // subscriber counted and the relay streaming.
  await page.waitForFunction(() => Number(document.body.getAttribute('data-updates')) >= 15, null,
                             { timeout: 30000 });
  await page.waitForFunction(() => {
    const cell = document.querySelector('#channels tr[data-channel="/prices"] td.subscribers');
    const state = document.querySelector('#bridges tr[data-bridge="prices-relay"] .state');
    return cell && cell.textContent === '301' && state && state.textContent === 'streaming';
  }, null, { timeout: 20000 }).catch(() => {});
  assert.deepEqual((await rowText(page, '/prices')).slice(0, 2), ['/prices', '301'],
                   '300 subscribers and the relay bridge');
  assert.deepEqual((await rowText(page, '/news')).slice(0, 2), ['/news', '150']);
  assert.deepEqual((await rowText(page, '/rooms/lobby')).slice(0, 2), ['/rooms/lobby', '50']);
  assert.deepEqual((await rowText(page, '/mirror')).slice(0, 2), ['/mirror', '0']);
  const prices = await rowText(page, '/prices');
  assert.ok(Number(prices[2]) >= 15 && Number(prices[2]) <= 45, `/prices publishes/s near 30: ${prices}`);
  const bridge = await page.$eval('#bridges tr[data-bridge="prices-relay"]',
                                  (row) => [...row.cells].map((td) => td.textContent));
  assert.deepEqual(bridge.slice(0, 4), ['source', 'prices-relay', 'sse', 'streaming']);
  assert.match(await page.textContent('#version'), /^\d+\.\d+\.\d+$/);
  assert.equal(await page.textContent('#config'), gateway.configFile);
  assert.match(await page.textContent('#v-sub'), /^50[0-9]$/, 'total subscribers: 500 and the relay');

  // The hostile name is a row's text; nothing it holds became markup.
  assert.deepEqual((await rowText(page, HOSTILE)).slice(0, 1), [HOSTILE]);
  assert.equal(await page.evaluate(() => document.querySelectorAll('#channels b, #channels i').length), 0);

  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  t.diagnostic(`screenshot: ${SCREENSHOT}`);

  // The filter box reconnects the stream with ?filter=: only matching channels come back.
  await page.fill('#filter', 'rooms');
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('#channels tbody tr')];
    return rows.length === 1 && rows[0].getAttribute('data-channel') === '/rooms/lobby';
  }, null, { timeout: 15000 });
  assert.match(await page.textContent('#channel-count'), /^top 1 of 1 matching \u201crooms\u201d \(5 in all\)/);

  const stats = await load.stop();
  assert.equal(stats.failed, 0, `publishes failed: ${stats.errors.join('; ')}`);
  assert.ok(stats.sent > 50, `publishes sent: ${stats.sent}`);
  assert.deepEqual(pageErrors, [], 'the page threw nothing');
});
