'use strict';
// A steady publish rate spread over channels by weight, for as long as a test runs.
const { publish } = require('./http_publish');

// weights: { '/path': w, ... } (w of every sum(w) publishes go to /path). stop() ends it
// and resolves to { sent, failed, errors } once the publishes in flight are answered.
function startPublishing(origin, perSecond, weights) {
  const cycle = [];
  for (const [path, w] of Object.entries(weights)) for (let i = 0; i < w; i++) cycle.push(path);
  const stats = { sent: 0, failed: 0, errors: [] };
  const inFlight = new Set();
  let next = 0;
  const timer = setInterval(() => {
    const path = cycle[next++ % cycle.length];
    const done = publish(origin, path, `tick ${next}`)
      .then(() => { stats.sent += 1; })
      .catch((error) => {
        stats.failed += 1;
        if (stats.errors.length < 5) stats.errors.push(String(error));
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  }, 1000 / perSecond);
  return {
    stats,
    async stop() {
      clearInterval(timer);
      await Promise.all([...inFlight]);
      return stats;
    },
  };
}

module.exports = { startPublishing };
