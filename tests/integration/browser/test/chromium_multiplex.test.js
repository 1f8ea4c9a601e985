'use strict';
// A real browser's EventSource on one multiplexed stream (GET /subscribe?channel=...&envelope=json):
// the page routes each event by its envelope's channel, and after its connection drops the
// browser's own reconnect (Last-Event-ID: the composite id) must resume every channel exactly.
const { test } = require('node:test');
const assert = require('node:assert/strict');

const { useBrowserAndPageServer } = require('../lib/browser_fixture');
const { startGateway } = require('../lib/gateway_process');
const { DroppableProxy } = require('../lib/droppable_proxy');
const { publish } = require('../lib/http_publish');
const { waitUntil, sleep } = require('../lib/wait');

const CHANNELS = ['/a', '/b', '/c'];
// /c publishes a named type: the SSE event: field keeps it under the envelope, so the page
// only hears it through addEventListener('tick').
const EVENT_TYPE = { '/a': undefined, '/b': undefined, '/c': 'tick' };
const fixture = useBrowserAndPageServer();

function gatewayConfig() {
  return {
    server: { workers: 2, heartbeat: '15s', cors_origins: [fixture.pageServer.origin] },
    channels: CHANNELS.map((path) => ({ path, history: 1000, publish: true, retry: 200 })),
  };
}

// A fresh page whose one EventSource on `url` files every event under its envelope's
// channel in window.byChannel; anything that is not a well-formed envelope goes to
// window.strays.
async function multiplexedPage(t, url, eventTypes) {
  const context = await fixture.browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(fixture.pageServer.origin + '/');
  await page.evaluate(([u, types]) => {
    window.byChannel = {};
    window.strays = [];
    window.lastIds = [];  // the lastEventId of every event, in arrival order
    window.opens = 0;
    window.errorStates = [];
    const source = new EventSource(u);
    const route = (event) => {
      window.lastIds.push(event.lastEventId);
      let envelope;
      try {
        envelope = JSON.parse(event.data);
      } catch {
        window.strays.push({ why: 'not JSON', type: event.type, data: event.data });
        return;
      }
      const keys = Object.keys(envelope ?? {}).sort().join(',');
      if (keys !== 'channel,data,type' || typeof envelope.data !== 'string') {
        window.strays.push({ why: 'not an envelope', type: event.type, data: event.data });
        return;
      }
      if (envelope.type !== event.type) {
        window.strays.push({ why: 'envelope type differs from event:', type: event.type, data: event.data });
      }
      (window.byChannel[envelope.channel] ??= []).push(envelope.data);
    };
    source.addEventListener('message', route);
    for (const type of types) source.addEventListener(type, route);
    source.onopen = () => { window.opens += 1; };
    source.onerror = () => { window.errorStates.push(source.readyState); };
    window.source = source;
  }, [url, eventTypes]);
  await page.waitForFunction(() => window.opens >= 1, null, { timeout: 15000 });
  return page;
}

function pageLists(page) {
  return page.evaluate(() => ({ byChannel: window.byChannel, strays: window.strays }));
}

// Waits until every channel's list has `count` events; the assertions after it say what is
// missing when one never gets there.
async function waitForEach(page, count, timeoutMs = 15000) {
  await page.waitForFunction(([channels, n]) => channels.every(
    (c) => (window.byChannel[c] ?? []).length >= n), [CHANNELS, count], { timeout: timeoutMs })
    .catch(() => {});
}

// A gate the publishers stop at until the test opens it.
function gate() {
  let open;
  const opened = new Promise((resolve) => { open = resolve; });
  return { opened, open };
}

test('one EventSource on three channels resumes each exactly after a drop, with three publishers racing it', async (t) => {
  const gateway = await startGateway(t, gatewayConfig());
  const proxy = await DroppableProxy.start(gateway.port);
  t.after(() => proxy.close());
  const query = CHANNELS.map((c) => `channel=${encodeURIComponent(c)}`).join('&');
  const page = await multiplexedPage(t, proxy.url(`/subscribe?${query}&envelope=json`), ['tick']);

  // Each publisher sends 1..total on its channel; it waits at a third for the drop and at
  // two thirds for the reconnect to be let through, so a third of every channel is
  // published while the browser is away and the last third races its replay.
  const total = 300;
  const dropped = gate();
  const released = gate();
  const published = Object.fromEntries(CHANNELS.map((c) => [c, 0]));
  const publisher = async (channel) => {
    for (let n = 1; n <= total; n++) {
      if (n === total / 3 + 1) await dropped.opened;
      if (n === (2 * total) / 3 + 1) await released.opened;
      await publish(gateway.origin, channel, String(n), { event: EVENT_TYPE[channel] });
      published[channel] = n;
      if (n % 25 === 0) await sleep(2);
    }
  };
  const publishers = Promise.all(CHANNELS.map(publisher));
  publishers.catch(() => {});  // awaited below; a failure must not go unhandled meanwhile

  await waitForEach(page, 20);
  proxy.hold();
  assert.equal(proxy.dropAll(), 1, 'the page had one connection to cut');
  dropped.open();
  // Once the page saw the error, it has seen every event that came before the cut.
  await page.waitForFunction(() => window.errorStates.includes(0), null, { timeout: 5000 });
  const idsBeforeDrop = await page.evaluate(() => window.lastIds.slice());
  await waitUntil(() => proxy.pending.length > 0, { what: 'the browser to reconnect', intervalMs: 5 });
  await waitUntil(() => CHANNELS.every((c) => published[c] === (2 * total) / 3),
                  { what: 'a third of every channel published while the page is away', timeoutMs: 30000 });
  proxy.release();
  released.open();
  await publishers;
  await waitForEach(page, total);
  await sleep(300);  // a duplicate would arrive now

  const { byChannel, strays } = await pageLists(page);
  assert.deepEqual(strays, [], 'every event is a JSON envelope whose type is the event type');
  assert.deepEqual(Object.keys(byChannel).sort(), CHANNELS, 'only the subscribed channels');
  const expected = Array.from({ length: total }, (_, i) => String(i + 1));
  for (const channel of CHANNELS) {
    assert.deepEqual(byChannel[channel], expected, `${channel}: 1..${total}, nothing missing, nothing twice`);
  }

  const gets = proxy.requestHeads.filter((head) => head.method === 'GET');
  assert.equal(gets.length, 2, `two GETs expected, saw ${JSON.stringify(proxy.requestHeads)}`);
  assert.equal(gets[0].headers['last-event-id'], undefined);
  const resumedFrom = gets[1].headers['last-event-id'];
  assert.match(resumedFrom ?? '', /^m1(![A-Za-z0-9_-]{8}[ns][^!]+){3}$/,
               'the reconnect sends a composite id with an entry per channel');
  assert.equal(resumedFrom, idsBeforeDrop.at(-1), 'the id of the last event before the drop');
  assert.equal(await page.evaluate(() => window.opens), 2);
  assert.ok((await page.evaluate(() => window.errorStates)).includes(0), 'the browser saw the drop');
});
