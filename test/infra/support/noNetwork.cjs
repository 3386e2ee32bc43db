/* eslint-disable @typescript-eslint/no-require-imports */
/* global require */
// Preloaded (node --require) into a child process to prove it works offline: any TCP connect,
// UDP send or DNS lookup throws instead of reaching the network.
const net = require('node:net');
const dgram = require('node:dgram');
const dns = require('node:dns');

const refuse = (what) => () => {
  throw new Error(`network access attempted (${what}) while offline`);
};
net.Socket.prototype.connect = refuse('net.Socket.connect');
dgram.Socket.prototype.send = refuse('dgram.send');
dns.lookup = refuse('dns.lookup');
dns.promises.lookup = refuse('dns.promises.lookup');
