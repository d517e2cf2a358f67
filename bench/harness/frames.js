// The Tether data frame (protocol/PROTOCOL.md §2.2): [session_id, channel, payload] as a
// msgpack array, built and read by hand so the payload is never copied into a decoder.
'use strict';

function strHeader(len) {
  if (len < 32) return Buffer.from([0xa0 | len]);
  if (len < 256) return Buffer.from([0xd9, len]);
  throw new Error('session id too long');
}

function binHeader(len) {
  if (len < 256) return Buffer.from([0xc4, len]);
  if (len < 65536) return Buffer.from([0xc5, len >> 8, len & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = 0xc6;
  b.writeUInt32BE(len, 1);
  return b;
}

// Everything before the payload bytes of a frame of `payloadLen` bytes.
function frameHeader(sessionId, channel, payloadLen) {
  const sid = Buffer.from(sessionId, 'utf8');
  return Buffer.concat([Buffer.from([0x93]), strHeader(sid.length), sid, Buffer.from([channel]), binHeader(payloadLen)]);
}

function encodeFrame(sessionId, channel, payload) {
  return Buffer.concat([frameHeader(sessionId, channel, payload.length), payload]);
}

function isFrame(buf) {
  const b = buf[0];
  return (b >= 0x90 && b <= 0x9f) || b === 0xdc || b === 0xdd;
}

// The payload of a frame, as a view into `buf` (no copy).
function framePayload(buf) {
  return framePayloadAt(buf, 0);
}

// The payload of the frame starting at `start` in `buf`, as a view into `buf`.
function framePayloadAt(buf, start) {
  let pos = start + 1;
  const s = buf[pos];
  if ((s & 0xe0) === 0xa0) pos += 1 + (s & 0x1f);
  else if (s === 0xd9) pos += 2 + buf[pos + 1];
  else throw new Error('frame: session id is not a short str');
  const c = buf[pos];
  pos += c < 0x80 ? 1 : c === 0xcc ? 2 : 3;
  const b = buf[pos];
  let len;
  if (b === 0xc4) { len = buf[pos + 1]; pos += 2; }
  else if (b === 0xc5) { len = buf.readUInt16BE(pos + 1); pos += 3; }
  else if (b === 0xc6) { len = buf.readUInt32BE(pos + 1); pos += 5; }
  else throw new Error('frame: payload is not bin');
  return buf.subarray(pos, pos + len);
}

// A batch of data frames (PROTOCOL.md §2.4): an array whose first element is an array.
function isBatch(buf) {
  const second = buf[buf[0] === 0xdc ? 3 : buf[0] === 0xdd ? 5 : 1];
  return isFrame(buf) && second !== undefined && isFrame(Buffer.from([second]));
}

function arrayHeader(n) {
  if (n < 16) return Buffer.from([0x90 | n]);
  if (n < 65536) return Buffer.from([0xdc, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = 0xdd;
  b.writeUInt32BE(n, 1);
  return b;
}

// Calls `each(payload)` for every frame of a batch, in order (views into `buf`).
function forEachBatchedPayload(buf, each) {
  const first = buf[0];
  const count = first === 0xdc ? buf.readUInt16BE(1) : first === 0xdd ? buf.readUInt32BE(1) : first & 0x0f;
  let pos = first === 0xdc ? 3 : first === 0xdd ? 5 : 1;
  for (let i = 0; i < count; i++) {
    const payload = framePayloadAt(buf, pos);
    each(payload);
    pos = payload.byteOffset - buf.byteOffset + payload.length;
  }
}

module.exports = {
  frameHeader, encodeFrame, isFrame, framePayload, isBatch, arrayHeader, forEachBatchedPayload,
};
