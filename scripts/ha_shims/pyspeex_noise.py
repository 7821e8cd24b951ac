"""Placeholder for the pyspeex-noise C extension (see README.md): importable, not usable."""


class AudioProcessor:
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise RuntimeError("pyspeex-noise is not installed: voice features are unavailable")
