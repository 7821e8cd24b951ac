"""Where a simulated device is reachable: a TCP port or a pseudo-terminal.

Both run the same stream handler, `async def handler(reader, writer)`, the way a
serial-over-TCP bridge or a USB adapter would carry the device's bytes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
import fcntl
import logging
import os
import termios
import tty

_LOGGER = logging.getLogger(__name__)

type Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

# A client that vanished mid-write shows up as one of these; it is not an error.
_DISCONNECTS = (ConnectionError, asyncio.IncompleteReadError, BrokenPipeError)


async def _run_handler(
    handler: Handler, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """Run one connection to its end and close it, whatever the handler did."""
    try:
        await handler(reader, writer)
    except _DISCONNECTS:
        _LOGGER.debug("Client disconnected")
    except Exception:
        _LOGGER.exception("Simulator handler failed")
    finally:
        writer.close()
        with contextlib.suppress(*_DISCONNECTS, OSError):
            await writer.wait_closed()


async def serve_tcp(handler: Handler, host: str = "127.0.0.1", port: int = 0) -> asyncio.Server:
    """Serve `handler` to every TCP client; port 0 picks a free port (see server.sockets)."""

    async def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _run_handler(handler, reader, writer)

    return await asyncio.start_server(connected, host, port)


class TcpEndpoint:
    """A TCP server for one simulated device, with the faults a network bridge has."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1", port: int = 0) -> None:
        self._handler = handler
        self.host = host
        self._requested_port = port
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.connections = 0
        """Clients accepted so far."""

    async def start(self) -> TcpEndpoint:
        self._server = await asyncio.start_server(self._connected, self.host, self._requested_port)
        return self

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await _run_handler(self._handler, reader, writer)
        finally:
            self._tasks.discard(task)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("TcpEndpoint not started")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        """What a user types into the port field: `socket://host:port`."""
        return f"socket://{self.host}:{self.port}"

    @property
    def client_count(self) -> int:
        return len(self._tasks)

    def drop_clients(self) -> None:
        """Cut every current client off at once, as a rebooting bridge does; keep listening."""
        if self._server is not None:
            self._server.abort_clients()
        for task in list(self._tasks):
            task.cancel()

    async def stop(self) -> None:
        if self._server is None:
            return
        server, self._server = self._server, None
        server.close()
        server.abort_clients()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()

    async def __aenter__(self) -> TcpEndpoint:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


class PtyEndpoint:
    """A pseudo-terminal: clients open `device_path` like a serial port.

    The handler runs once on the master side for the endpoint's whole life, as a
    meter pushes whether or not anyone listens. We keep the slave open ourselves
    so a client closing the port does not end the stream, and discard bytes
    nobody reads: a serial line does not store them for the next client.
    """

    DISCARD_CHECK_SECONDS = 1.0

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._master_fd = -1
        self._slave_fd = -1
        self.device_path = ""
        self._task: asyncio.Task[None] | None = None
        self._discard_task: asyncio.Task[None] | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._read_transport: asyncio.BaseTransport | None = None

    async def start(self) -> PtyEndpoint:
        loop = asyncio.get_running_loop()
        self._master_fd, self._slave_fd = os.openpty()
        self.device_path = os.ttyname(self._slave_fd)
        tty.setraw(self._slave_fd)
        tty.setraw(self._master_fd)

        reader = asyncio.StreamReader()
        self._read_transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader),
            os.fdopen(self._master_fd, "rb", buffering=0),
        )
        write_protocol = asyncio.StreamReaderProtocol(asyncio.StreamReader())
        write_transport, _ = await loop.connect_write_pipe(
            lambda: write_protocol, os.fdopen(os.dup(self._master_fd), "wb", buffering=0)
        )
        self._writer = asyncio.StreamWriter(write_transport, write_protocol, reader, loop)
        self._task = asyncio.create_task(_run_handler(self._handler, reader, self._writer))
        self._discard_task = asyncio.create_task(self._discard_unread())
        return self

    def _unread_bytes(self) -> int:
        buf = bytearray(4)
        fcntl.ioctl(self._slave_fd, termios.FIONREAD, buf)
        return int.from_bytes(buf, "little")

    async def _discard_unread(self) -> None:
        previous = 0
        while True:
            await asyncio.sleep(self.DISCARD_CHECK_SECONDS)
            unread = self._unread_bytes()
            if unread and previous and unread >= previous:
                termios.tcflush(self._slave_fd, termios.TCIFLUSH)
                unread = 0
            previous = unread

    async def stop(self) -> None:
        for task in (self._task, self._discard_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._discard_task = None
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._read_transport is not None:
            self._read_transport.close()  # closes the master fd
            self._read_transport = None
        if self._slave_fd >= 0:
            os.close(self._slave_fd)
            self._slave_fd = -1
        await asyncio.sleep(0)  # let the transports finish closing

    async def __aenter__(self) -> PtyEndpoint:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()
