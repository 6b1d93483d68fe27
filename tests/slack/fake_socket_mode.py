"""A stand-in for Slack's Socket Mode endpoint: a WebSocket server on 127.0.0.1.

Just enough of RFC 6455 for slack_sdk's built-in Socket Mode client: the
handshake, unmasked text frames to the client, masked frames from it (text,
ping, close). The test hands it envelopes to send and reads back the client's
acknowledgements.
"""

from __future__ import annotations

import base64
import hashlib
import json
import queue
import socket
import struct
import threading
from typing import Any

WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class FakeSocketMode:
    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(1)
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self.connected = threading.Event()
        self.client: socket.socket | None = None
        self._send_lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.getsockname()[1]}/link/?ticket=test"

    def send(self, message: dict[str, Any]) -> None:
        assert self.connected.wait(10), "the Socket Mode client never connected"
        assert self.client is not None
        payload = json.dumps(message).encode()
        if len(payload) < 126:
            header = struct.pack("!BB", 0x81, len(payload))
        elif len(payload) < 2**16:
            header = struct.pack("!BBH", 0x81, 126, len(payload))
        else:
            header = struct.pack("!BBQ", 0x81, 127, len(payload))
        with self._send_lock:
            self.client.sendall(header + payload)

    def reply(self, envelope_id: str, timeout: float = 10) -> dict[str, Any]:
        """The client's acknowledgement of an envelope."""
        while True:
            message = self.received.get(timeout=timeout)
            if message.get("envelope_id") == envelope_id:
                return message

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        self.server.close()

    def _serve(self) -> None:
        try:
            client, _ = self.server.accept()
        except OSError:
            return
        request = b""
        while b"\r\n\r\n" not in request:
            request += client.recv(4096)
        key = next(
            line.split(":", 1)[1].strip()
            for line in request.decode().split("\r\n")
            if line.lower().startswith("sec-websocket-key:")
        )
        accept = base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()
        client.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )
        self.client = client
        self.connected.set()
        self.send({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        try:
            self._read(client)
        except OSError:
            return

    def _read(self, client: socket.socket) -> None:
        buffer = b""

        def take(count: int) -> bytes:
            nonlocal buffer
            while len(buffer) < count:
                chunk = client.recv(65536)
                if not chunk:
                    raise OSError("closed")
                buffer += chunk
            taken, buffer = buffer[:count], buffer[count:]
            return taken

        while True:
            first, second = take(2)
            opcode, length = first & 0x0F, second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", take(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", take(8))
            mask = take(4) if second & 0x80 else b"\0\0\0\0"
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(take(length)))
            if opcode == 0x1:
                self.received.put(json.loads(data))
            elif opcode == 0x9:  # ping: answer with a pong
                with self._send_lock:
                    client.sendall(struct.pack("!BB", 0x8A, len(data)) + data)
            elif opcode == 0x8:
                return
