"""LocalGrid protocol core: smart-meter and OpenTherm Gateway codecs.

Pure Python with no Home Assistant import, so it can be used and tested on its own.
"""
