'use strict';
// Cookie auth in a real browser: a page on one origin subscribes with
// EventSource({withCredentials: true}) to the gateway on another; the gateway takes the JWT
// from its sse_token cookie, ends the stream with token-expired when the token expires, and
// the page resumes with a fresh cookie from exactly where it was.
const { test } = require('node:test');
const assert = require('node:assert/strict');

const { useBrowserAndPageServer } = require('../lib/browser_fixture');
const { startGateway } = require('../lib/gateway_process');
const { receivedEvents, waitForReceived } = require('../lib/page_events');
const { publish } = require('../lib/http_publish');
const { mintHs256 } = require('../lib/jwt_tokens');
const { waitUntil, sleep } = require('../lib/wait');

const CHANNEL = '/orders';
const COOKIE = 'sse_token';
const SECRET = 'browser-suite-hs256-secret-at-least-32-bytes';
const EVENT_TYPES = ['order', 'token-expired'];
// The reconnect delay the gateway announces: long enough for the test to publish what the
// browser misses while it waits, short enough to keep the test quick.
const RETRY_MS = 1500;
const FIRST_TOKEN_S = 4;

const fixture = useBrowserAndPageServer();

function gatewayConfig() {
  return {
    server: {
      workers: 2,
      heartbeat: '15s',
      cors_origins: [fixture.pageServer.origin],
      cors_credentials: true,
    },
    auth: { jwt: { keys: [{ alg: 'HS256', secret: SECRET }], cookie: COOKIE, leeway: '0s' } },
    channels: [{ path: CHANNEL, history: 1000, subscribe: 'jwt', publish: true, retry: RETRY_MS }],
  };
}

// A token for CHANNEL that expires lifetimeS from now; exp is in whole seconds.
function subscriberToken(lifetimeS) {
  const exp = Math.floor(Date.now() / 1000) + lifetimeS;
  return { token: mintHs256(SECRET, { sse: { subscribe: [CHANNEL] }, exp }), exp };
}

// The cookie as the gateway's origin would set it from a login endpoint of its own. Cookies
// are scoped by host, not by port (RFC 6265 section 8.5), and page (127.0.0.1:A) and gateway
// (127.0.0.1:B) are one site, so even SameSite=Strict goes with the cross-origin
// EventSource: that is why this works on plain http without SameSite=None; Secure.
// docs/auth.md has the production setup (https; SameSite=None; Secure only for a gateway on
// another site, where Chromium by default blocks it as a third-party cookie).
function setTokenCookie(context, gateway, token) {
  return context.addCookies([
    { name: COOKIE, value: token, url: gateway.origin, httpOnly: true, sameSite: 'Strict' },
  ]);
}

// Publishes each as an `order` event, in turn; returns them as the page should record them.
async function publishOrders(gateway, datas) {
  const sent = [];
  for (const data of datas) {
    const id = await publish(gateway.origin, CHANNEL, data, { event: 'order' });
    sent.push({ type: 'order', data, id });
  }
  return sent;
}

// The page's EventSource requests to the gateway, with the headers Chromium sent.
function recordStreamRequests(page, gateway) {
  const requests = [];
  page.on('request', (request) => {
    if (request.resourceType() === 'eventsource' && request.url().startsWith(gateway.origin)) {
      requests.push(request);
    }
  });
  return () => Promise.all(requests.map(async (request) => ({
    url: request.url(),
    headers: await request.allHeaders(),
  })));
}

// A page in a context of its own (its own cookie jar) holding a token that expires in
// FIRST_TOKEN_S. The page calls window.refreshToken() when the gateway says the token has
// expired; a real app would ask its login service, here the test sets a fresh cookie (60 s),
// runs whileDisconnected and notes in `refreshes` what it published and the page's state then.
async function pageWithExpiringToken(t, gateway, whileDisconnected) {
  const context = await fixture.browser.newContext();
  t.after(() => context.close());
  const first = subscriberToken(FIRST_TOKEN_S);
  await setTokenCookie(context, gateway, first.token);
  const refreshes = [];
  await context.exposeBinding('refreshToken', async ({ page }) => {
    const at = Date.now();
    const fresh = subscriberToken(60);
    await setTokenCookie(context, gateway, fresh.token);
    const published = await whileDisconnected();
    const state = await page.evaluate(
      () => ({ opens: window.opens, readyState: window.source.readyState }));
    refreshes.push({ at, token: fresh.token, published, state });
  });
  const page = await context.newPage();
  const streamRequests = recordStreamRequests(page, gateway);
  await page.goto(fixture.pageServer.origin + '/');
  return { page, first, refreshes, streamRequests };
}

// Runs one token's life: live events, token-expired at exp, the refresh (publishing what the
// page then misses), the page's resume (subscribeInPage decides how) and one more event.
// Checks that the page got every event exactly once, in order, and returns what it saw.
async function expireAndResume(t, subscribeInPage) {
  const gateway = await startGateway(t, gatewayConfig());
  const missed = ['missed-1', 'missed-2', 'missed-3'];
  const { page, first, refreshes, streamRequests } =
    await pageWithExpiringToken(t, gateway, () => publishOrders(gateway, missed));
  await page.evaluate(subscribeInPage, { url: gateway.url(CHANNEL), types: EVENT_TYPES });
  await page.waitForFunction(() => window.opens >= 1, null, { timeout: 15000 });

  const live = await publishOrders(gateway, ['live-1', 'live-2', 'live-3']);
  await waitForReceived(page, live.length);
  const refresh = await waitUntil(() => refreshes[0], {
    timeoutMs: first.exp * 1000 - Date.now() + 5000,
    what: 'token-expired and the page\'s refresh',
  });
  assert.equal(refresh.state.opens, 1, 'the missed events were published while disconnected');
  await page.waitForFunction(() => window.opens >= 2, null, { timeout: RETRY_MS + 10000 })
    .catch(async (error) => {
      const seen = await page.evaluate(
        () => ({ errorStates: window.errorStates, received: window.received }));
      throw new Error(`the page did not resume after the refresh: ${JSON.stringify(seen)}`,
                      { cause: error });
    });
  const later = await publishOrders(gateway, ['after-1']);

  const expected = [...live, ...refresh.published, ...later];
  await waitForReceived(page, expected.length + 1);
  await sleep(100);  // anything extra would show up now
  const got = (await receivedEvents(page)).map(({ type, data, id }) => ({ type, data, id }));
  // token-expired has no id line, so the page's last event id stays at the last real event.
  const expiredNotice = { type: 'token-expired', data: '{}', id: live.at(-1).id };
  assert.deepEqual(got, [...live, expiredNotice, ...refresh.published, ...later]);
  const ids = expected.map((event) => BigInt(event.id));
  assert.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]), `ids increase: ${ids}`);
  // exp is the second the token stops being valid; the timer may fire a little late.
  assert.ok(refresh.at >= first.exp * 1000 - 20 && refresh.at < first.exp * 1000 + 2000,
            `token-expired at ${refresh.at} for exp ${first.exp}`);

  const requests = await streamRequests();
  assert.equal(requests.length, 2, JSON.stringify(requests));
  assert.equal(requests[0].headers.cookie, `${COOKIE}=${first.token}`);
  assert.equal(requests[1].headers.cookie, `${COOKIE}=${refresh.token}`);
  return { page, requests, stateAfterRefresh: refresh.state, lastLiveId: live.at(-1).id };
}

test('at exp the stream ends with token-expired; with a refreshed cookie, EventSource\'s own reconnect resumes by Last-Event-ID', async (t) => {
  const resumed = await expireAndResume(t, ({ url, types }) => {
    window.subscribe(url, types, { withCredentials: true });
    // The gateway closes the stream after token-expired and EventSource reconnects by itself
    // after `retry` ms with Last-Event-ID: the cookie only has to be fresh by then.
    window.source.addEventListener('token-expired', () => window.refreshToken());
  });
  const { page, requests, stateAfterRefresh, lastLiveId } = resumed;
  assert.equal(stateAfterRefresh.readyState, 0, 'CONNECTING: waiting to reconnect');
  assert.equal(requests[0].headers['last-event-id'], undefined);
  assert.equal(requests[1].headers['last-event-id'], lastLiveId);
  assert.equal(requests[1].url, requests[0].url);
  assert.deepEqual(await page.evaluate(() => window.errorStates), [0], 'one drop, then reconnected');
});

test('a page that reopens EventSource itself after token-expired resumes with ?lastEventId=', async (t) => {
  const resumed = await expireAndResume(t, ({ url, types }) => {
    const open = (target) => {
      window.subscribe(target, types, { withCredentials: true });
      window.source.addEventListener('token-expired', async (event) => {
        window.source.close();
        await window.refreshToken();
        // A new EventSource sends no Last-Event-ID header; the gateway takes the lastEventId
        // query parameter in its place.
        open(`${url}?lastEventId=${encodeURIComponent(event.lastEventId)}`);
      });
    };
    open(url);
  });
  const { requests, stateAfterRefresh, lastLiveId } = resumed;
  assert.equal(stateAfterRefresh.readyState, 2, 'CLOSED by the page');
  assert.equal(requests[1].headers['last-event-id'], undefined);
  assert.equal(new URL(requests[1].url).searchParams.get('lastEventId'), lastLiveId);
});

// fetch() from the page: the status and the WWW-Authenticate the page is allowed to read.
function headFromPage(page, url, credentials) {
  return page.evaluate(async ([u, c]) => {
    const response = await fetch(u, { method: 'HEAD', credentials: c });
    return { status: response.status, wwwAuthenticate: response.headers.get('WWW-Authenticate') };
  }, [url, credentials]);
}

test('without the cookie the page reads a 401 and its WWW-Authenticate; EventSource does not retry a 401', async (t) => {
  const gateway = await startGateway(t, gatewayConfig());
  const context = await fixture.browser.newContext();
  t.after(() => context.close());
  await setTokenCookie(context, gateway, subscriberToken(60).token);
  const page = await context.newPage();
  await page.goto(fixture.pageServer.origin + '/');
  const url = gateway.url(CHANNEL);

  const omitted = await headFromPage(page, url, 'omit');
  assert.equal(omitted.status, 401);
  // Readable only because the gateway sends Access-Control-Expose-Headers: WWW-Authenticate.
  assert.match(omitted.wwwAuthenticate ?? '(not readable)', /^Bearer realm="sse-gateway"/);
  assert.equal((await headFromPage(page, url, 'include')).status, 200, 'the same with the cookie');
  // The page shares the cookie's host, but HttpOnly keeps the token from its scripts.
  assert.doesNotMatch(await page.evaluate(() => document.cookie), /sse_token/);

  await setTokenCookie(context, gateway, subscriberToken(-10).token);
  const expired = await headFromPage(page, url, 'include');
  assert.equal(expired.status, 401);
  assert.match(expired.wwwAuthenticate, /error="invalid_token", error_description="token expired"/);
  // Any status but 200 fails an EventSource for good: CLOSED, no reconnect. An app whose
  // refresh is slower than `retry` must open a new EventSource (the ?lastEventId= way).
  await page.evaluate((u) => window.subscribe(u, [], { withCredentials: true }), url);
  await page.waitForFunction(() => window.errorStates.includes(2), null, { timeout: 10000 });
  assert.equal(await page.evaluate(() => window.opens), 0);
});
