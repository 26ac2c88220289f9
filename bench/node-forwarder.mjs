// The ceiling of a Node 20 process as a DNS forwarder on this machine, measured beside vpcdns by bench/dns.sh:
// it swaps the query id, forwards the bytes to one upstream and sends the reply back, sending in bursts
// as vpcdns does. No parsing, no cache, no checks of the reply beyond its id: not a resolver, only a yardstick.
//
//   node bench/node-forwarder.mjs LISTEN_IP:PORT UPSTREAM_IP:PORT
import dgram from 'node:dgram';

const [listen, upstream] = process.argv.slice(2);
if (!listen || !upstream) {
  console.error('usage: node bench/node-forwarder.mjs LISTEN_IP:PORT UPSTREAM_IP:PORT');
  process.exit(2);
}
const split = (hp) => [hp.slice(0, hp.lastIndexOf(':')), Number(hp.slice(hp.lastIndexOf(':') + 1))];
const [listenIp, listenPort] = split(listen);
const [upIp, upPort] = split(upstream);
const literal = (host, _options, callback) => callback(null, host, 4);

const server = dgram.createSocket({ type: 'udp4', lookup: literal });
const up = dgram.createSocket({ type: 'udp4', lookup: literal });
/** Waiting queries by the id sent upstream: the client's id, address and port. */
const waiting = new Map();
let nextId = 0;

// Datagrams queued during one turn of the event loop, sent back to back after it (as vpcdns's SendQueue).
const queue = [];
let scheduled = false;
function flush() {
  scheduled = false;
  for (let i = 0; i < queue.length; i += 4) queue[i].send(queue[i + 1], queue[i + 2], queue[i + 3]);
  queue.length = 0;
}
function send(socket, msg, port, address) {
  queue.push(socket, msg, port, address);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
}

server.on('message', (msg, rinfo) => {
  if (msg.length < 12) return;
  nextId = (nextId + 1) & 0xffff;
  waiting.set(nextId, { id: msg.readUInt16BE(0), address: rinfo.address, port: rinfo.port });
  msg.writeUInt16BE(nextId, 0);
  send(up, msg, upPort, upIp);
});
up.on('message', (msg) => {
  if (msg.length < 12) return;
  const id = msg.readUInt16BE(0);
  const client = waiting.get(id);
  if (client === undefined) return;
  waiting.delete(id);
  msg.writeUInt16BE(client.id, 0);
  send(server, msg, client.port, client.address);
});
up.bind({ port: 0, address: '127.0.0.1', exclusive: true });
server.bind(listenPort, listenIp, () => console.log(`node-forwarder: ${listen} -> ${upstream}`));
process.on('SIGTERM', () => process.exit(0));
