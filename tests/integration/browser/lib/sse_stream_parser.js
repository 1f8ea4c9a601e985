'use strict';
// Parses a raw text/event-stream body the way the WHATWG spec's "interpret an event stream"
// does, for tests that read the gateway's bytes directly (curl). Keeps the raw field lines too.

function parseEventStream(text) {
  const events = [];
  const comments = [];
  const retries = [];
  let data = null;
  let type = '';
  let lastId = '';
  // A trailing line without its line break is incomplete: leave it out.
  const lines = text.split(/\r\n|\r|\n/);
  lines.pop();
  for (const line of lines) {
    if (line === '') {
      if (data !== null) events.push({ type: type || 'message', data, id: lastId });
      data = null;
      type = '';
      continue;
    }
    if (line.startsWith(':')) {
      comments.push(line.slice(1));
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data = data === null ? value : `${data}\n${value}`;
    else if (field === 'event') type = value;
    else if (field === 'id' && !value.includes('\0')) lastId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) retries.push(Number(value));
  }
  return { events, comments, retries };
}

module.exports = { parseEventStream };
