'use strict';
// A loopback TCP relay in front of the gateway that a test can cut or stall, so a client sees
// its connection drop without any cooperation from the client. While held, new connections are
// accepted but not relayed, which pins a reconnect in the "disconnected" state until the test
// has published what it wants the client to miss.
const net = require('node:net');

class DroppableProxy {
  static start(targetPort) {
    const proxy = new DroppableProxy(targetPort);
    return new Promise((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => {
        proxy.port = proxy.server.address().port;
        resolve(proxy);
      });
    });
  }

  constructor(targetPort) {
    this.targetPort = targetPort;
    this.held = false;
    this.pending = [];  // connections accepted while held
    this.open = new Set();
    this.accepted = 0;
    this.requestHeads = [];  // every request head the clients sent, in order
    this.server = net.createServer((client) => this.accept(client));
  }

  get origin() {
    return `http://127.0.0.1:${this.port}`;
  }

  url(pathAndQuery) {
    return this.origin + pathAndQuery;
  }

  hold() {
    this.held = true;
  }

  release() {
    this.held = false;
    for (const connection of this.pending.splice(0)) this.relay(connection);
  }

  // Stops reading from the gateway on every open connection, as a client that cannot keep up
  // would: the gateway's socket buffer and then its subscriber queue fill.
  stall() {
    for (const connection of this.open) if (connection.upstream) connection.upstream.pause();
  }

  unstall() {
    for (const connection of this.open) if (connection.upstream) connection.upstream.resume();
  }

  // Cuts every open connection on both sides, as a network failure would.
  dropAll() {
    const count = this.open.size;
    for (const connection of this.open) {
      connection.client.destroy();
      if (connection.upstream) connection.upstream.destroy();
    }
    this.open.clear();
    return count;
  }

  accept(client) {
    this.accepted += 1;
    const connection = { client, upstream: null, buffered: [], headBuffer: '' };
    this.open.add(connection);
    client.on('data', (chunk) => {
      this.recordHeads(connection, chunk);
      if (connection.upstream) connection.upstream.write(chunk);
      else connection.buffered.push(chunk);
    });
    client.on('error', () => {});
    client.on('close', () => {
      this.open.delete(connection);
      if (connection.upstream) connection.upstream.destroy();
    });
    if (this.held) this.pending.push(connection);
    else this.relay(connection);
  }

  relay(connection) {
    if (connection.client.destroyed) return;
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    connection.upstream = upstream;
    for (const chunk of connection.buffered.splice(0)) upstream.write(chunk);
    upstream.on('data', (chunk) => connection.client.write(chunk));
    upstream.on('error', () => {});
    // A clean close from the gateway passes on what it sent first; an abort cuts at once.
    upstream.on('end', () => connection.client.end());
    upstream.on('close', () => {
      if (!connection.client.writableEnded) connection.client.destroy();
    });
  }

  // Clients here (EventSource, curl) send only GET and OPTIONS, which have no body, so the
  // stream of a connection is a sequence of heads ending in an empty line.
  recordHeads(connection, chunk) {
    connection.headBuffer += chunk.toString('latin1');
    let end;
    while ((end = connection.headBuffer.indexOf('\r\n\r\n')) >= 0) {
      this.requestHeads.push(parseHead(connection.headBuffer.slice(0, end)));
      connection.headBuffer = connection.headBuffer.slice(end + 4);
    }
  }

  close() {
    this.dropAll();
    for (const connection of this.pending.splice(0)) connection.client.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// {method, target, headers: {lowercased-name: value}}
function parseHead(text) {
  const [requestLine, ...lines] = text.split('\r\n');
  const [method, target] = requestLine.split(' ');
  const headers = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { method, target, headers };
}

module.exports = { DroppableProxy };
