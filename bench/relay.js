#!/usr/bin/env node
// The "afternoon relay" peer: a minimal Node `ws` server that pairs two connections by
// path (/PAIR/a and /PAIR/c) and forwards each message to the other as it is. It tells
// both sides "paired" (one text message) once the second one arrives.
'use strict';
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2]);
const halves = new Map();
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  const [, pair, side] = req.url.split('/');
  const other = halves.get(pair);
  if (!other) {
    halves.set(pair, ws);
    ws.on('close', () => { if (halves.get(pair) === ws) halves.delete(pair); });
  } else {
    halves.delete(pair);
    ws.on('message', (data, isBinary) => other.send(data, { binary: isBinary }));
    other.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('close', () => other.close());
    other.on('close', () => ws.close());
    ws.send('paired');
    other.send('paired');
  }
  ws.on('error', () => {});
  void side;
});
