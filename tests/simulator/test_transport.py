"""The simulator's transports, opened the way the integration opens a port: with serialx."""

from __future__ import annotations

import asyncio

import pytest
import serialx

from simulator.transport import PtyEndpoint, TcpEndpoint, serve_tcp


async def _echo_upper(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    # Answers only: serialx flushes the input queue when it opens a port.
    while line := await reader.readline():
        writer.write(line.upper())
        await writer.drain()


async def _talk(url: str, **kwargs: object) -> list[bytes]:
    reader, writer = await serialx.open_serial_connection(url=url, **kwargs)
    try:
        answers = []
        for word in (b"hello\n", b"ping\n"):
            writer.write(word)
            answers.append(await asyncio.wait_for(reader.readline(), 5))
    finally:
        writer.close()
        await writer.wait_closed()
    return answers


async def test_serve_tcp_reports_port_and_serialx_socket_url_works() -> None:
    server = await serve_tcp(_echo_upper)
    port = server.sockets[0].getsockname()[1]
    try:
        assert port > 0
        assert await _talk(f"socket://127.0.0.1:{port}", baudrate=2400) == [b"HELLO\n", b"PING\n"]
    finally:
        server.close()
        server.abort_clients()
        await server.wait_closed()


async def test_pty_opens_with_serialx_and_serial_settings() -> None:
    async with PtyEndpoint(_echo_upper) as pty:
        assert pty.device_path.startswith("/dev/pts/")
        # M-Bus adapters run 2400 8E1; termios settings on a pty are accepted.
        assert await _talk(pty.device_path, baudrate=2400, parity=serialx.Parity.EVEN) == [
            b"HELLO\n",
            b"PING\n",
        ]


async def test_pty_survives_a_client_closing_and_reopening() -> None:
    async def counter(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        n = 0
        while True:
            writer.write(f"{n}\n".encode())
            await writer.drain()
            n += 1
            await asyncio.sleep(0.01)

    async with PtyEndpoint(counter) as pty:
        for _ in range(2):
            reader, writer = await serialx.open_serial_connection(
                url=pty.device_path, baudrate=115200
            )
            await asyncio.wait_for(reader.readline(), 5)  # may be a partial line
            line = await asyncio.wait_for(reader.readline(), 5)
            writer.close()
            await writer.wait_closed()
            assert line.strip().isdigit()


async def test_pty_discards_bytes_nobody_reads() -> None:
    async def burst(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"stale\n")
        await writer.drain()
        await asyncio.Event().wait()

    pty = PtyEndpoint(burst)
    pty.DISCARD_CHECK_SECONDS = 0.05
    async with pty:
        await asyncio.sleep(0.3)
        assert pty._unread_bytes() == 0


async def test_tcp_endpoint_drop_clients_keeps_listening() -> None:
    async with TcpEndpoint(_echo_upper) as endpoint:
        assert endpoint.url == f"socket://127.0.0.1:{endpoint.port}"
        reader, writer = await asyncio.open_connection("127.0.0.1", endpoint.port)
        writer.write(b"hello\n")
        assert await asyncio.wait_for(reader.readline(), 5) == b"HELLO\n"
        assert endpoint.client_count == 1
        endpoint.drop_clients()
        assert await asyncio.wait_for(reader.read(), 5) == b""  # dropped: EOF
        writer.close()
        assert await _talk(endpoint.url, baudrate=2400) == [b"HELLO\n", b"PING\n"]
        assert endpoint.connections == 2
        port = endpoint.port
    with pytest.raises(ConnectionRefusedError):  # stopped: nobody listens any more
        await asyncio.open_connection("127.0.0.1", port)
