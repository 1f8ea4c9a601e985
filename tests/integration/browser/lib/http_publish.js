'use strict';
// Publishing to a gateway channel with HTTP POST, the way any publisher would.

// Returns the id the gateway assigned. The answer's body carries it, either as JSON
// ({"id": ...}) or as plain text.
async function publish(gatewayOrigin, channelPath, data, { event, headers = {} } = {}) {
  const query = event === undefined ? '' : `?event=${encodeURIComponent(event)}`;
  const response = await fetch(`${gatewayOrigin}${channelPath}${query}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers },
    body: data,
  });
  const body = await response.text();
  if (response.status < 200 || response.status > 299) {
    throw new Error(`POST ${channelPath}${query} answered ${response.status}: ${body}`);
  }
  return idFromAnswer(body);
}

function idFromAnswer(body) {
  const text = body.trim();
  if (text.startsWith('{')) {
    const parsed = JSON.parse(text);
    if (parsed.id === undefined) throw new Error(`publish answer has no id: ${text}`);
    return String(parsed.id);
  }
  return text;
}

module.exports = { publish };
