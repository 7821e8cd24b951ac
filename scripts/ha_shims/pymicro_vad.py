"""Placeholder for the pymicro-vad C extension (see README.md): importable, not usable."""


class MicroVad:
    def __init__(self) -> None:
        raise RuntimeError("pymicro-vad is not installed: voice features are unavailable")
