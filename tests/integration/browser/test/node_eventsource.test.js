'use strict';
// The npm `eventsource` client (a WHATWG EventSource for Node) against the real gateway.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { EventSource } = require('eventsource');

const { GatewayProcess } = require('../lib/gateway_process');
const { DroppableProxy } = require('../lib/droppable_proxy');
const { publish } = require('../lib/http_publish');
const { AWKWARD_PAYLOADS, asDelivered } = require('../lib/awkward_payloads');
const { waitUntil, sleep } = require('../lib/wait');

const CHANNEL = '/events';

function gatewayConfig({ retryMs = 200 } = {}) {
  return {
    server: { workers: 2, heartbeat: '15s' },
    channels: [{ path: CHANNEL, history: 1000, publish: true, retry: retryMs }],
  };
}

async function startGateway(t, config = gatewayConfig()) {
  const gateway = await GatewayProcess.start(config);
  t.after(() => gateway.stopCleanly());
  return gateway;
}

// An EventSource that records what it sees, closed when the test ends.
async function subscribe(t, url, eventTypes = []) {
  const source = new EventSource(url);
  const recorder = { source, events: [], opens: 0, errors: 0 };
  const record = (event) => recorder.events.push({ type: event.type, data: event.data, id: event.lastEventId });
  source.addEventListener('message', record);
  for (const type of eventTypes) source.addEventListener(type, record);
  source.addEventListener('open', () => { recorder.opens += 1; });
  source.addEventListener('error', () => { recorder.errors += 1; });
  t.after(() => source.close());
  await waitUntil(() => recorder.opens >= 1, { what: `EventSource to open ${url}` });
  return recorder;
}

async function waitForEvents(recorder, count, timeoutMs = 15000) {
  await waitUntil(() => recorder.events.length >= count, {
    timeoutMs,
    what: `${count} events (have ${recorder.events.length}: ${JSON.stringify(recorder.events).slice(0, 2000)})`,
  });
  await sleep(100);  // anything extra arrives now
  return recorder.events;
}

test('eventsource receives events with their ids and named types', async (t) => {
  const gateway = await startGateway(t);
  const recorder = await subscribe(t, gateway.url(CHANNEL), ['update', 'tick-2']);
  const sent = [];
  const send = async (data, event) => {
    const id = await publish(gateway.origin, CHANNEL, data, { event });
    if (event !== 'unheard') sent.push({ type: event ?? 'message', data, id });
  };
  await send('first');
  await send('{"price":1}', 'update');
  await send('ignored by the client', 'unheard');
  await send('second');
  await send('t', 'tick-2');
  await send('{"price":2}', 'update');

  assert.deepEqual(await waitForEvents(recorder, sent.length), sent);
  assert.equal(new Set(sent.map((e) => e.id)).size, sent.length, 'ids are distinct');
});

test('eventsource gets multi-line and awkward data exactly as sent, line breaks as LF', async (t) => {
  const gateway = await startGateway(t);
  const recorder = await subscribe(t, gateway.url(CHANNEL));
  for (const [, payload] of AWKWARD_PAYLOADS) await publish(gateway.origin, CHANNEL, payload);
  await publish(gateway.origin, CHANNEL, 'end');

  const events = await waitForEvents(recorder, AWKWARD_PAYLOADS.length + 1);
  assert.equal(events.length, AWKWARD_PAYLOADS.length + 1);
  AWKWARD_PAYLOADS.forEach(([name, payload], i) => {
    assert.equal(events[i].type, 'message', name);
    assert.equal(events[i].data, asDelivered(payload), `payload "${name}"`);
  });
  assert.equal(events.at(-1).data, 'end');
});

test('eventsource reconnects after a drop with Last-Event-ID and misses nothing', async (t) => {
  const gateway = await startGateway(t, gatewayConfig({ retryMs: 200 }));
  const proxy = await DroppableProxy.start(gateway.port);
  t.after(() => proxy.close());
  const recorder = await subscribe(t, proxy.url(CHANNEL), ['note']);

  const before = [];
  for (const data of ['one', 'two']) before.push(await publish(gateway.origin, CHANNEL, data));
  await waitForEvents(recorder, 2);

  proxy.hold();
  assert.equal(proxy.dropAll(), 1);
  await publish(gateway.origin, CHANNEL, 'three');
  await publish(gateway.origin, CHANNEL, 'multi\r\nline', { event: 'note' });
  await publish(gateway.origin, CHANNEL, 'four');
  await waitUntil(() => proxy.pending.length > 0, { what: 'eventsource to reconnect' });
  proxy.release();
  await waitForEvents(recorder, 5);
  await publish(gateway.origin, CHANNEL, 'five');
  const events = await waitForEvents(recorder, 6);

  assert.deepEqual(events.map((e) => [e.type, e.data]), [
    ['message', 'one'], ['message', 'two'], ['message', 'three'], ['note', 'multi\nline'],
    ['message', 'four'], ['message', 'five']]);
  const gets = proxy.requestHeads.filter((head) => head.method === 'GET');
  assert.equal(gets.length, 2);
  assert.equal(gets[1].headers['last-event-id'], before[1]);
  assert.ok(recorder.errors >= 1, 'the drop surfaced as an error event');
  assert.equal(recorder.opens, 2);
});
