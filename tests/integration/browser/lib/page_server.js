'use strict';
// Serves the one page the browser tests open, from its own loopback origin, so the page's
// EventSource to the gateway is a real cross-origin request (CORS) as on a real site.
const http = require('node:http');

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>sse-gateway EventSource test page</title></head>
<body>
<script>
  // What the EventSource saw, for the test to read with page.evaluate / waitForFunction.
  window.received = [];
  window.opens = 0;
  window.errorStates = [];
  // init: EventSource's options, e.g. {withCredentials: true} to send cookies cross-origin.
  window.subscribe = (url, eventTypes, init) => {
    const source = new EventSource(url, init);
    const record = (event) => window.received.push({
      type: event.type, data: event.data, id: event.lastEventId, origin: event.origin });
    source.addEventListener('message', record);
    for (const type of eventTypes) source.addEventListener(type, record);
    source.onopen = () => { window.opens += 1; };
    source.onerror = () => { window.errorStates.push(source.readyState); };
    window.source = source;
  };
</script>
</body></html>
`;

function startPageServer() {
  const server = http.createServer((request, response) => {
    if (request.url === '/' || request.url === '/index.html') {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      response.end(PAGE);
    } else {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const origin = `http://127.0.0.1:${server.address().port}`;
      resolve({ origin, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

module.exports = { startPageServer };
