'use strict';
// A real browser's EventSource against the real gateway: delivery, named events, CORS, and
// reconnection with Last-Event-ID after its connection drops or the gateway restarts.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const net = require('node:net');

const { useBrowserAndPageServer } = require('../lib/browser_fixture');
const { startGateway } = require('../lib/gateway_process');
const { DroppableProxy } = require('../lib/droppable_proxy');
const { receivedEvents, waitForReceived } = require('../lib/page_events');
const { publish } = require('../lib/http_publish');
const { metricValue } = require('../lib/gateway_metrics');
const { AWKWARD_PAYLOADS, asDelivered } = require('../lib/awkward_payloads');
const { waitUntil, sleep } = require('../lib/wait');

const CHANNEL = '/events';
const fixture = useBrowserAndPageServer();

function gatewayConfig({
  retryMs = 200, corsOrigins = [fixture.pageServer.origin], server = {}, history = 1000,
} = {}) {
  return {
    server: { workers: 2, heartbeat: '15s', cors_origins: corsOrigins, ...server },
    channels: [{ path: CHANNEL, history, publish: true, retry: retryMs }],
  };
}

// A fresh page (own context: no shared connections or cache) subscribed to `url`.
async function subscribedPage(t, url, eventTypes = []) {
  const context = await fixture.browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(fixture.pageServer.origin + '/');
  await page.evaluate(([u, types]) => window.subscribe(u, types), [url, eventTypes]);
  await page.waitForFunction(() => window.opens >= 1, null, { timeout: 15000 });
  return page;
}

async function publishAll(gateway, datas, options) {
  const ids = [];
  for (const data of datas) ids.push(await publish(gateway.origin, CHANNEL, data, options));
  return ids;
}

test('EventSource receives published events and named event types, cross-origin', async (t) => {
  const gateway = await startGateway(t, gatewayConfig());
  const page = await subscribedPage(t, gateway.url(CHANNEL), ['price']);

  const sent = [];
  sent.push({ type: 'message', data: 'hello', id: await publish(gateway.origin, CHANNEL, 'hello') });
  sent.push({ type: 'price', data: '42.5', id: await publish(gateway.origin, CHANNEL, '42.5', { event: 'price' }) });
  // No listener for this type: the browser must not hand it to onmessage.
  await publish(gateway.origin, CHANNEL, 'nobody listens', { event: 'unheard' });
  sent.push({ type: 'message', data: 'two\nlines', id: await publish(gateway.origin, CHANNEL, 'two\nlines') });
  sent.push({ type: 'price', data: '43', id: await publish(gateway.origin, CHANNEL, '43', { event: 'price' }) });

  const got = await waitForReceived(page, sent.length);
  await sleep(100);  // anything extra (the unheard event) would show up now
  const all = await receivedEvents(page);
  assert.deepEqual(all.map(({ type, data, id }) => ({ type, data, id })), sent);
  for (const event of all) assert.equal(event.origin, gateway.origin);
  assert.equal(got.length, sent.length);
});

test('EventSource gets multi-line and awkward data exactly as the WHATWG parser must', async (t) => {
  const gateway = await startGateway(t, gatewayConfig());
  const page = await subscribedPage(t, gateway.url(CHANNEL));
  for (const [, payload] of AWKWARD_PAYLOADS) await publish(gateway.origin, CHANNEL, payload);
  await publish(gateway.origin, CHANNEL, 'end');

  await waitForReceived(page, AWKWARD_PAYLOADS.length + 1);
  await sleep(100);
  const got = await receivedEvents(page);
  assert.equal(got.length, AWKWARD_PAYLOADS.length + 1);
  AWKWARD_PAYLOADS.forEach(([name, payload], i) => {
    assert.equal(got[i].type, 'message', name);
    assert.equal(got[i].data, asDelivered(payload), `payload "${name}"`);
  });
  assert.equal(got.at(-1).data, 'end');
});

// fetch() from the page, returning what the page could read: {status, body} or {error}.
function postFromPage(page, url, body, headers = {}) {
  return page.evaluate(async ([u, b, h]) => {
    try {
      const response = await fetch(u, { method: 'POST', body: b, headers: h });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      return { error: String(error) };
    }
  }, [url, body, headers]);
}

test('a page publishes with fetch across origins, and with a token after a CORS preflight', async (t) => {
  const config = gatewayConfig();
  config.channels.push({ path: '/secure', publish: { token: 'page-token' }, retry: 200 });
  const gateway = await startGateway(t, config);
  const page = await subscribedPage(t, gateway.url(CHANNEL), ['chat']);
  const securePage = await subscribedPage(t, gateway.url('/secure'));

  const plain = await postFromPage(page, gateway.url(`${CHANNEL}?event=chat`), 'from the page');
  assert.equal(plain.status, 200, JSON.stringify(plain));
  // Authorization is not a CORS-safelisted header: the browser sends OPTIONS first.
  const secured = await postFromPage(page, gateway.url('/secure'), 'with token',
                                     { Authorization: 'Bearer page-token' });
  assert.equal(secured.status, 200, JSON.stringify(secured));

  const [chat] = await waitForReceived(page, 1);
  assert.deepEqual({ type: chat.type, data: chat.data }, { type: 'chat', data: 'from the page' });
  assert.ok(plain.body.includes(chat.id), `the answer ${plain.body} names id ${chat.id}`);
  const [secure] = await waitForReceived(securePage, 1);
  assert.equal(secure.data, 'with token');
  assert.ok(secured.body.includes(secure.id));
});

test('a page can read why the gateway refused its publish (CORS headers on error answers)', async (t) => {
  const config = gatewayConfig({ server: { max_body_bytes: 1024 } });
  config.channels.push({ path: '/secure', publish: { token: 'page-token' }, retry: 200 });
  const gateway = await startGateway(t, config);
  const context = await fixture.browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(fixture.pageServer.origin + '/');
  const auth = { Authorization: 'Bearer page-token' };
  assert.equal((await postFromPage(page, gateway.url('/secure'), 'no token')).status, 401);
  assert.equal((await postFromPage(page, gateway.url('/secure'), 'x', { Authorization: 'Bearer no' })).status, 403);
  assert.equal((await postFromPage(page, gateway.url('/secure'), 'x'.repeat(2000), auth)).status, 413);
  assert.equal((await postFromPage(page, gateway.url('/secure?event=a%0Ab'), 'x', auth)).status, 400);
});

test('EventSource is refused by CORS when its page origin is not allowed', async (t) => {
  const gateway = await startGateway(t, gatewayConfig({ corsOrigins: ['http://app.example.invalid'] }));
  const context = await fixture.browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(fixture.pageServer.origin + '/');
  await page.evaluate((u) => window.subscribe(u, []), gateway.url(CHANNEL));
  // CORS failure is fatal for EventSource: error event and readyState CLOSED (2), no open.
  await page.waitForFunction(() => window.errorStates.includes(2), null, { timeout: 15000 });
  assert.equal(await page.evaluate(() => window.opens), 0);
});

test('after its connection drops, EventSource reconnects with Last-Event-ID and gets the missed events once, in order', async (t) => {
  const gateway = await startGateway(t, gatewayConfig({ retryMs: 200 }));
  const proxy = await DroppableProxy.start(gateway.port);
  t.after(() => proxy.close());

  await publishAll(gateway, ['before-1', 'before-2']);  // before subscribing: not for this client
  const page = await subscribedPage(t, proxy.url(CHANNEL));
  const liveIds = await publishAll(gateway, ['live-1', 'live-2', 'live-3']);
  await waitForReceived(page, 3);

  proxy.hold();
  const droppedAt = Date.now();
  assert.equal(proxy.dropAll(), 1, 'the page had one connection to cut');
  await publishAll(gateway, ['gap-1', 'gap-2', 'gap-3', 'gap-4', 'gap-5']);
  // The browser reconnects by itself (retry: 200); its request waits in the proxy.
  await waitUntil(() => proxy.pending.length > 0, { what: 'the browser to reconnect', intervalMs: 5 });
  t.diagnostic(`Chromium reconnected ${Date.now() - droppedAt} ms after the drop (retry: 200)`);
  await page.waitForFunction(() => window.errorStates.includes(0), null, { timeout: 5000 });
  proxy.release();
  await waitForReceived(page, 8);
  await publishAll(gateway, ['after-1', 'after-2']);
  const got = await waitForReceived(page, 10);
  await sleep(100);

  assert.deepEqual((await receivedEvents(page)).map((e) => e.data), [
    'live-1', 'live-2', 'live-3', 'gap-1', 'gap-2', 'gap-3', 'gap-4', 'gap-5', 'after-1', 'after-2']);
  const gets = proxy.requestHeads.filter((head) => head.method === 'GET');
  assert.equal(gets.length, 2, `two GETs expected, saw ${JSON.stringify(proxy.requestHeads)}`);
  assert.equal(gets[0].headers['last-event-id'], undefined);
  assert.equal(gets[1].headers['last-event-id'], liveIds[2]);
  assert.equal(await page.evaluate(() => window.opens), 2);
  assert.equal(got[2].id, liveIds[2]);
});

test('events published continuously across repeated drops arrive exactly once, in order', async (t) => {
  const gateway = await startGateway(t, gatewayConfig({ retryMs: 50 }));
  const proxy = await DroppableProxy.start(gateway.port);
  t.after(() => proxy.close());
  const page = await subscribedPage(t, proxy.url(CHANNEL));

  const total = 300;
  const expected = [];
  for (let i = 0; i < total; i++) {
    expected.push(`n${i}`);
    await publish(gateway.origin, CHANNEL, `n${i}`);
    if (i % 60 === 30) proxy.dropAll();  // no hold: the reconnect races the publisher
    if (i % 10 === 0) await sleep(5);
  }
  await waitForReceived(page, total, 30000);
  await sleep(200);
  assert.deepEqual((await receivedEvents(page)).map((e) => e.data), expected);
  assert.ok(proxy.accepted >= 3, `the page reconnected (connections: ${proxy.accepted})`);
});

test('when the gateway drops it as a slow subscriber, EventSource reconnects and misses nothing', async (t) => {
  const gateway = await startGateway(t, gatewayConfig({
    retryMs: 200, history: 5000, server: { subscriber_queue_bytes: 16384 } }));
  const proxy = await DroppableProxy.start(gateway.port);
  t.after(() => proxy.close());
  const page = await subscribedPage(t, proxy.url(CHANNEL));
  const expected = [];
  const send = async (data) => {
    await publish(gateway.origin, CHANNEL, data);
    expected.push(data);
  };
  await send('first');
  await waitForReceived(page, 1);

  // The page stops draining (as a busy tab on a slow link would) until the gateway gives up
  // on it; bounded at 4,000 events of 4 KiB.
  proxy.stall();
  const filler = 'f'.repeat(4096);
  const disconnectsBefore = await metricValue(gateway.origin, 'ssegw_slow_subscriber_disconnects_total');
  let dropped = false;
  for (let i = 0; i < 4000 && !dropped; i++) {
    await send(`${i}:${filler}`);
    if (i % 50 === 49) {
      dropped = await metricValue(gateway.origin, 'ssegw_slow_subscriber_disconnects_total') > disconnectsBefore;
    }
  }
  assert.ok(dropped, 'the gateway dropped the stalled subscriber');
  t.diagnostic(`dropped after ${expected.length - 1} events of 4 KiB`);
  await send('while-away-1');
  await send('while-away-2');
  proxy.unstall();

  await waitForReceived(page, expected.length, 60000);
  await send('after');
  await waitForReceived(page, expected.length, 15000);
  await sleep(100);
  const got = (await receivedEvents(page)).map((e) => e.data);
  assert.equal(got.length, expected.length, 'nothing lost, nothing twice');
  assert.ok(got.every((data, i) => data === expected[i]), 'in publish order');
  assert.ok((await page.evaluate(() => window.errorStates)).includes(0), 'the browser saw the drop');
  const gets = proxy.requestHeads.filter((head) => head.method === 'GET');
  assert.ok(gets.length >= 2 && gets[1].headers['last-event-id'], 'reconnected with Last-Event-ID');
});

test('when the gateway restarts on the same port, EventSource reconnects and gets what the new process published meanwhile', async (t) => {
  const config = gatewayConfig({ retryMs: 1000 });
  const first = await startGateway(t, config);
  const port = first.port;
  const page = await subscribedPage(t, first.url(CHANNEL));
  const firstIds = await publishAll(first, ['old-1', 'old-2']);
  await waitForReceived(page, 2);

  const exit = await first.stop('SIGTERM');
  assert.deepEqual(exit, { code: 0, signal: null }, `SIGTERM exit; stderr:\n${first.stderr}`);
  await page.waitForFunction(() => window.errorStates.length >= 1, null, { timeout: 5000 });

  const second = await startGateway(t, config, { listen: `127.0.0.1:${port}` });
  assert.equal(second.port, port);
  // The browser still holds an id from the previous run, which the new process does not
  // have: it must replay everything it retains.
  const secondIds = await publishAll(second, ['new-1', 'new-2', 'new-3']);
  await waitForReceived(page, 5);
  await publishAll(second, ['new-4']);
  const got = await waitForReceived(page, 6);
  await sleep(100);

  assert.deepEqual((await receivedEvents(page)).map((e) => e.data),
                   ['old-1', 'old-2', 'new-1', 'new-2', 'new-3', 'new-4']);
  assert.deepEqual(got.slice(2, 5).map((e) => e.id), secondIds);
  assert.ok(secondIds.every((id) => !firstIds.includes(id)), 'ids are unique across restarts');
  if ([...firstIds, ...secondIds].every((id) => /^\d+$/.test(id))) {
    assert.ok(BigInt(secondIds[0]) > BigInt(firstIds[1]), `${secondIds[0]} > ${firstIds[1]}`);
  }
});

test('a SIGHUP reload that adds a channel keeps the open EventSource connected and receiving', async (t) => {
  const config = gatewayConfig();
  const gateway = await startGateway(t, config);
  const page = await subscribedPage(t, gateway.url(CHANNEL));
  await publishAll(gateway, ['before-reload']);
  await waitForReceived(page, 1);

  gateway.reload({ ...config, channels: [...config.channels, { path: '/added', publish: true }] });
  await waitUntil(async () => (await fetch(gateway.url('/added'), { method: 'POST', body: 'probe' })).status === 200,
                  { what: `/added to exist after SIGHUP; stderr:\n${gateway.stderr}`, intervalMs: 100 });
  const other = await subscribedPage(t, gateway.url('/added'));
  await publishAll(gateway, ['after-reload']);
  await publish(gateway.origin, '/added', 'on the new channel');

  await waitForReceived(page, 2);
  await waitForReceived(other, 1);
  await sleep(100);
  assert.deepEqual((await receivedEvents(page)).map((e) => e.data), ['before-reload', 'after-reload']);
  assert.deepEqual((await receivedEvents(other)).map((e) => e.data), ['on the new channel']);
  assert.equal(await page.evaluate(() => window.opens), 1, 'never reconnected');
  assert.deepEqual(await page.evaluate(() => window.errorStates), []);
});

// ss -K destroys a socket from outside (needs CONFIG_INET_DIAG_DESTROY and CAP_NET_ADMIN).
function killSockets(filter) {
  return new Promise((resolve) => {
    execFile('ss', ['-K', ...filter], (error) => resolve(!error));
  });
}

async function socketKillWorks() {
  const server = net.createServer((socket) => socket.on('error', () => {}));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  const client = net.connect(port, '127.0.0.1');
  client.on('error', () => {});
  const closed = new Promise((resolve) => client.on('close', () => resolve(true)));
  await new Promise((resolve) => client.on('connect', resolve));
  await killSockets(['dst', '127.0.0.1', 'dport', '=', String(port)]);
  const works = await Promise.race([closed, sleep(2000).then(() => false)]);
  client.destroy();
  server.close();
  return works;
}

test('after the kernel aborts its TCP connection (ss -K), EventSource resumes without loss or duplicates', async (t) => {
  if (!(await socketKillWorks())) {
    t.skip('ss -K cannot destroy sockets here (CONFIG_INET_DIAG_DESTROY or CAP_NET_ADMIN missing)');
    return;
  }
  const gateway = await startGateway(t, gatewayConfig({ retryMs: 500 }));
  const page = await subscribedPage(t, gateway.url(CHANNEL));
  await publishAll(gateway, ['a-1', 'a-2']);
  await waitForReceived(page, 2);

  assert.ok(await killSockets(['dst', '127.0.0.1', 'dport', '=', String(gateway.port)]));
  await publishAll(gateway, ['b-1', 'b-2', 'b-3']);
  await page.waitForFunction(() => window.opens >= 2, null, { timeout: 10000 });
  await publishAll(gateway, ['c-1']);
  await waitForReceived(page, 6);
  await sleep(100);
  assert.deepEqual((await receivedEvents(page)).map((e) => e.data), ['a-1', 'a-2', 'b-1', 'b-2', 'b-3', 'c-1']);
  assert.ok((await page.evaluate(() => window.errorStates)).includes(0));
});
