'use strict';
// curl, as a command-line subscriber and publisher, against the real gateway: response
// headers, the raw stream, resume from an id by header and by query parameter, heartbeats.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, execFile } = require('node:child_process');

const { GatewayProcess } = require('../lib/gateway_process');
const { publish } = require('../lib/http_publish');
const { parseEventStream } = require('../lib/sse_stream_parser');
const { waitUntil } = require('../lib/wait');

const CHANNEL = '/events';

function gatewayConfig({ heartbeat = '15s', retryMs = 3000 } = {}) {
  return {
    server: { workers: 2, heartbeat, headers: { 'X-Served-By': 'browser-suite' } },
    channels: [{ path: CHANNEL, history: 1000, publish: true, retry: retryMs }],
  };
}

async function startGateway(t, config = gatewayConfig()) {
  const gateway = await GatewayProcess.start(config);
  t.after(() => gateway.stopCleanly());
  return gateway;
}

// `curl -N -i` streaming into a buffer; killed by PID when the test ends.
function curlSubscriber(t, url, extraArgs = []) {
  const child = spawn('curl', ['-N', '-s', '-i', '--max-time', '60', ...extraArgs, url], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const curl = { child, raw: '', stderr: '' };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => { curl.raw += chunk; });
  child.stderr.on('data', (chunk) => { curl.stderr += chunk; });
  curl.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        // exited meanwhile
      }
    }
    return curl.exited;
  });
  curl.split = () => {
    const end = curl.raw.indexOf('\r\n\r\n');
    if (end < 0) return null;
    const [status, ...headerLines] = curl.raw.slice(0, end).split('\r\n');
    const headers = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    return { status, headers, body: curl.raw.slice(end + 4) };
  };
  curl.stream = () => parseEventStream(curl.split()?.body ?? '');
  curl.waitForEvents = (count) => waitUntil(() => curl.split() && curl.stream().events.length >= count, {
    timeoutMs: 15000, what: `curl to receive ${count} events; raw so far: ${JSON.stringify(curl.raw)}`,
  }).then(() => curl.stream().events);
  return curl;
}

function curlPublish(url, body, extraArgs = []) {
  return curlPost(url, body, extraArgs).then(({ status, answer }) => {
    if (status !== 200) throw new Error(`curl publish answered ${status}: ${answer}`);
    return answer;
  });
}

// POSTs `body` (a string or a Buffer) with curl; resolves {status, answer}.
function curlPost(url, body, extraArgs = []) {
  return new Promise((resolve, reject) => {
    const child = execFile('curl', ['-s', '-S', '--max-time', '10', '-w', '\n%{http_code}',
                                    '--data-binary', '@-', ...extraArgs, url],
                           { maxBuffer: 4 << 20 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`curl failed: ${stderr}`));
      const cut = stdout.lastIndexOf('\n');
      resolve({ status: Number(stdout.slice(cut + 1)), answer: stdout.slice(0, cut).trim() });
    });
    child.stdin.on('error', () => {});  // the gateway may refuse before reading it all
    child.stdin.end(body);
  });
}

test('curl -N subscribes: SSE headers, the retry line, then published events', async (t) => {
  const gateway = await startGateway(t);
  const curl = curlSubscriber(t, gateway.url(CHANNEL));
  await waitUntil(() => curl.split(), { what: `response headers; got ${JSON.stringify(curl.raw)}` });
  const { status, headers } = curl.split();
  assert.match(status, /^HTTP\/1\.1 200\b/);
  assert.match(headers['content-type'], /^text\/event-stream\b/);
  assert.equal(headers['cache-control'], 'no-cache');
  assert.equal(headers['x-accel-buffering'], 'no');
  assert.equal(headers['x-served-by'], 'browser-suite');

  const ids = [];
  ids.push(await publish(gateway.origin, CHANNEL, 'plain'));
  ids.push(await publish(gateway.origin, CHANNEL, 'a\r\nb', { event: 'pair' }));
  const events = await curl.waitForEvents(2);
  assert.deepEqual(events, [
    { type: 'message', data: 'plain', id: ids[0] },
    { type: 'pair', data: 'a\nb', id: ids[1] },
  ]);
  const stream = curl.stream();
  assert.deepEqual(stream.retries, [3000]);
  const body = curl.split().body;
  assert.ok(body.indexOf('retry:') < body.indexOf('data:'), 'retry comes before the first event');
  assert.ok(!body.includes('\r'), 'the payload CR was turned into line structure, not sent raw');
});

test('curl resumes after an id given as Last-Event-ID header or lastEventId query parameter', async (t) => {
  const gateway = await startGateway(t);
  const ids = [];
  for (const data of ['e1', 'e2', 'e3', 'e4']) ids.push(await publish(gateway.origin, CHANNEL, data));

  const byHeader = curlSubscriber(t, gateway.url(CHANNEL), ['-H', `Last-Event-ID: ${ids[1]}`]);
  const byQuery = curlSubscriber(t, gateway.url(`${CHANNEL}?lastEventId=${encodeURIComponent(ids[1])}`));
  const fresh = curlSubscriber(t, gateway.url(CHANNEL));
  await byHeader.waitForEvents(2);
  await byQuery.waitForEvents(2);
  await waitUntil(() => fresh.split(), { what: 'the fresh subscriber to be answered' });
  ids.push(await publish(gateway.origin, CHANNEL, 'e5'));

  const expected = [['e3', ids[2]], ['e4', ids[3]], ['e5', ids[4]]];
  const pairs = (events) => events.map((e) => [e.data, e.id]);
  assert.deepEqual(pairs(await byHeader.waitForEvents(3)), expected);
  assert.deepEqual(pairs(await byQuery.waitForEvents(3)), expected);
  assert.deepEqual(pairs(await fresh.waitForEvents(1)), [['e5', ids[4]]], 'no id: live only');
});

test('curl publishes with --data-binary and ?event=, and a curl subscriber gets it', async (t) => {
  const gateway = await startGateway(t);
  const curl = curlSubscriber(t, gateway.url(CHANNEL));
  await waitUntil(() => curl.split(), { what: 'the subscriber to be answered' });
  const answer = await curlPublish(gateway.url(`${CHANNEL}?event=reading`), 'line one\r\nline two\n');
  assert.notEqual(answer, '', 'the publish answer carries the id');
  const [event] = await curl.waitForEvents(1);
  assert.equal(event.type, 'reading');
  assert.equal(event.data, 'line one\nline two\n');
  assert.ok(answer.includes(event.id), `answer ${answer} names id ${event.id}`);
});

test('curl as publisher: token checked as Bearer, oversized body 413, bad event name 400', async (t) => {
  const gateway = await startGateway(t, {
    server: { workers: 2, max_body_bytes: 65536 },
    channels: [{ path: CHANNEL, publish: { token: 's3cret' }, retry: 3000 }],
  });
  const url = gateway.url(CHANNEL);
  const curl = curlSubscriber(t, url);
  await waitUntil(() => curl.split(), { what: 'the subscriber to be answered' });

  assert.equal((await curlPost(url, 'no token')).status, 401);
  assert.equal((await curlPost(url, 'wrong', ['-H', 'Authorization: Bearer nope'])).status, 403);
  assert.equal((await curlPost(url, 'x'.repeat(65537), ['-H', 'Authorization: Bearer s3cret'])).status, 413);
  assert.equal((await curlPost(`${url}?event=a%0Ab`, 'x', ['-H', 'Authorization: Bearer s3cret'])).status, 400);
  const ok = await curlPost(url, 'accepted', ['-H', 'Authorization: Bearer s3cret']);
  assert.equal(ok.status, 200, ok.answer);

  const events = await curl.waitForEvents(1);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(curl.stream().events.map((e) => e.data), ['accepted'], 'refused publishes send nothing');
  assert.equal(events.length, 1);
});

test('an idle curl stream gets heartbeat comments', async (t) => {
  const gateway = await startGateway(t, gatewayConfig({ heartbeat: '1s' }));
  const curl = curlSubscriber(t, gateway.url(CHANNEL));
  await waitUntil(() => curl.split() && curl.stream().comments.length >= 2, {
    timeoutMs: 10000, what: `two heartbeat comments; raw so far: ${JSON.stringify(curl.raw)}`,
  });
  assert.equal(curl.stream().events.length, 0, 'heartbeats are not events');
});
