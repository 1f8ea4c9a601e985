'use strict';
// Event data that is easy to get wrong in SSE framing, and what a WHATWG client must hand the
// application: every CR, LF and CRLF in the payload is a line break, and comes out as LF.

const AWKWARD_PAYLOADS = [
  ['LF', 'line1\nline2'],
  ['CRLF', 'line1\r\nline2'],
  ['lone CR', 'cr\ronly'],
  ['CR then CRLF then LF', 'a\r\r\n\nb'],
  ['blank line inside', 'a\n\nb'],
  ['trailing LF', 'ends with LF\n'],
  ['leading LF', '\nstarts with LF'],
  ['only line breaks', '\r\n\r\n'],
  ['leading space', ' leading space'],
  ['leading colon', ':not a comment'],
  ['empty', ''],
  ['field injection', 'x\ndata: fake\nid: 999\nevent: evil\nretry: 1\n\nafter blank'],
  ['UTF-8', 'ünïcödé ✓ 🚀'],
  ['tab and colon', 'tab\there : colon'],
  ['NUL', 'nul\u0000inside'],
  ['long line', 'x'.repeat(200000)],
];

function asDelivered(payload) {
  return payload.split(/\r\n|\r|\n/).join('\n');
}

module.exports = { AWKWARD_PAYLOADS, asDelivered };
