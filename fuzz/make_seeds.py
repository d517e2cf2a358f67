#!/usr/bin/env python3
"""Writes the seed corpora of the msgpack fuzz targets (fuzz/README.md): real protocol
messages and data frames from protocol/PROTOCOL.md, in every msgpack encoding width the
decoder must accept, and a few it must refuse. The TOML and YAML seeds are plain files
committed beside them. Run from anywhere; it rewrites fuzz/corpus/{decode_control,
peek_data_frame,peek_data_batch}/seed-*."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def pack(value):
    """A minimal msgpack encoder (shortest forms, as msgpack-cxx packs)."""
    if value is None:
        return b"\xc0"
    if value is True:
        return b"\xc3"
    if value is False:
        return b"\xc2"
    if isinstance(value, int):
        if 0 <= value <= 0x7F:
            return bytes([value])
        if -32 <= value < 0:
            return struct.pack("b", value)
        if value >= 0:
            for code, fmt, top in ((0xCC, ">B", 0xFF), (0xCD, ">H", 0xFFFF), (0xCE, ">I", 0xFFFFFFFF)):
                if value <= top:
                    return bytes([code]) + struct.pack(fmt, value)
            return b"\xcf" + struct.pack(">Q", value)
        return b"\xd3" + struct.pack(">q", value)
    if isinstance(value, float):
        return b"\xcb" + struct.pack(">d", value)
    if isinstance(value, str):
        return str_header(len(value.encode())) + value.encode()
    if isinstance(value, bytes):
        return bin_header(len(value)) + value
    if isinstance(value, list):
        head = bytes([0x90 | len(value)]) if len(value) < 16 else b"\xdc" + struct.pack(">H", len(value))
        return head + b"".join(pack(v) for v in value)
    if isinstance(value, dict):
        head = bytes([0x80 | len(value)]) if len(value) < 16 else b"\xde" + struct.pack(">H", len(value))
        return head + b"".join(pack(k) + pack(v) for k, v in value.items())
    raise TypeError(value)


def str_header(n):
    if n < 32:
        return bytes([0xA0 | n])
    if n <= 0xFF:
        return b"\xd9" + bytes([n])
    return b"\xda" + struct.pack(">H", n)


def bin_header(n):
    if n <= 0xFF:
        return b"\xc4" + bytes([n])
    return b"\xc5" + struct.pack(">H", n)


SESSION = "s_8d2f41c09b7e3a6d5f1e2c4b"

CONTROL = {
    "hello-password": {"t": "hello", "id": 1, "role": "user", "auth": {"kind": "password", "org": "acme",
                       "email": "nia@acme.example", "password": "correct-horse-battery"}},
    "hello-token": {"t": "hello", "id": 1, "role": "user", "auth": {"kind": "token", "token": "ab" * 32}},
    "hello-device": {"t": "hello", "id": 1, "role": "agent", "auth": {"kind": "device",
                     "device_id": "d_0123456789abcdef01234567", "secret": "cd" * 32}},
    "org-get": {"t": "org.get", "id": 12},
    "org-update": {"t": "org.update", "id": 13, "preferences": {"recording": True, "idle_minutes": 30}},
    "session-new": {"t": "session.new", "id": 4294967296, "device_id": "d_0123456789abcdef01234567"},
    "audit-query": {"t": "audit.query", "id": 7, "from": 1767268800000, "limit": 100, "actions": ["auth.login", "session.started"]},
    "role-create": {"t": "role.create", "id": 9, "name": "Night shift", "privileges": ["remote_support", "reports_own"]},
    "file-begin": {"t": "file.begin", "id": 21, "session_id": SESSION, "transfer_id": "0f" * 16,
                   "direction": "upload", "name": "notes.txt", "size": 5},
    "ok-reply": {"t": "ok", "re": 12, "org": {"slug": "acme", "seats": 5, "preferences": {}}},
    "error-reply": {"t": "error", "re": 13, "code": "permission_denied", "message": "you need the privilege 'preferences'"},
    "event": {"t": "event", "event": "session.state", "session_id": SESSION, "state": "active", "recorded": False},
    "scalars": {"t": "x", "id": 18446744073709551615, "neg": -9223372036854775808, "small": -5, "f": 1.5,
                "nil": None, "bin": b"\x00\x01\x02", "empty": "", "list": [1, [2, [3, {"k": [4]}]]]},
    "long-strings": {"t": "y" * 40, "id": 3, "text": "z" * 300},
}

FRAMES = {
    "terminal": pack([SESSION, 1, b"ls -l\r"]),
    "file-chunk": pack([SESSION, 2, bytes(range(16)) + b"hello"]),
    "empty-payload": pack([SESSION, 3, b""]),
    "application-channel": pack(["s", 65535, b"\xff" * 300]),
    "channel-uint64": b"\x93" + pack(SESSION) + b"\xcf" + struct.pack(">Q", 2**64 - 1) + pack(b"x"),
    "array16-str8": b"\xdc\x00\x03\xd9\x05s_abc\xcc\x04\xc4\x01!",
    "long-id": pack(["s" * 128, 4, b"clip"]),
}

# Batches (PROTOCOL.md §2.4): frames of FRAMES in one array, and a few refused ones.
BATCHES = {
    "two-terminal": b"\x92" + FRAMES["terminal"] + FRAMES["terminal"],
    "mixed-widths": b"\x93" + FRAMES["array16-str8"] + FRAMES["channel-uint64"] + FRAMES["file-chunk"],
    "array16-one": b"\xdc\x00\x01" + FRAMES["long-id"],
    "nested": b"\x91\x91" + FRAMES["terminal"],
    "empty": b"\x90",
    "trailing": b"\x91" + FRAMES["terminal"] + b"\xc0",
}

REFUSED_CONTROL = {
    "duplicate-key": b"\x82\xa1t\xa1a\xa1t\xa1b",
    "trailing-bytes": pack({"t": "org.get", "id": 1}) + b"\xc0",
    "ext": b"\x82\xa1t\xa1a\xa1x\xd4\x01\x00",
    "huge-array": b"\x82\xa1t\xa1a\xa1x\xdd\xff\xff\xff\xff",
    "truncated": pack({"t": "org.get", "id": 1, "name": "abcdef"})[:-3],
}


def write(directory, name, data):
    path = os.path.join(HERE, "corpus", directory)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "seed-" + name), "wb") as out:
        out.write(data)


def main():
    for name, message in CONTROL.items():
        write("decode_control", name, pack(message))
    for name, data in REFUSED_CONTROL.items():
        write("decode_control", name, data)
    for name, data in FRAMES.items():
        write("peek_data_frame", name, data)
    for name, data in BATCHES.items():
        write("peek_data_batch", name, data)


if __name__ == "__main__":
    main()
