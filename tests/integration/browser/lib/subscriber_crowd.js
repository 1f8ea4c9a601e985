'use strict';
// Many plain SSE subscribers held open by node's http client: load for a test to watch
// (the status page), not clients whose events it checks. Each reads and discards its stream.
const http = require('node:http');

// counts: { '/path': n, ... }. Resolves once every subscriber has its 200 head, or rejects
// after timeoutMs. close() ends them all.
async function openSubscribers(port, counts, { timeoutMs = 20000 } = {}) {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const requests = [];
  const opened = [];
  for (const [path, n] of Object.entries(counts)) {
    for (let i = 0; i < n; i++) {
      opened.push(new Promise((resolve, reject) => {
        const request = http.get({ host: '127.0.0.1', port, path, agent,
                                   headers: { Accept: 'text/event-stream' } }, (response) => {
          if (response.statusCode !== 200) {
            reject(new Error(`GET ${path} answered ${response.statusCode}`));
            response.resume();
            return;
          }
          response.on('data', () => {});
          response.on('error', () => {});
          resolve();
        });
        request.on('error', reject);
        requests.push(request);
      }));
    }
  }
  let timer;
  const overdue = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`subscribers not all open after ${timeoutMs} ms`)), timeoutMs);
  });
  const close = () => {
    for (const request of requests) request.destroy();
    agent.destroy();
  };
  try {
    await Promise.race([Promise.all(opened), overdue]);
  } catch (error) {
    close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return { count: requests.length, close };
}

module.exports = { openSubscribers };
