'use strict';
// Reads one sample from the gateway's Prometheus /metrics (sums it over all label sets).

async function metricValue(gatewayOrigin, name) {
  const response = await fetch(`${gatewayOrigin}/metrics`);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}: ${text}`);
  let total = 0;
  let found = false;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match && match[1] === name) {
      total += Number(match[3]);
      found = true;
    }
  }
  if (!found) throw new Error(`/metrics has no ${name}:\n${text}`);
  return total;
}

module.exports = { metricValue };
