"""Draw LocalGrid's brand images into custom_components/localgrid/brand/.

The mark is a meter dial (an open gauge arc with ticks and a needle) around a
boiler flame. Run `.venv/bin/python scripts/brand_icons.py` after changing it;
the PNGs are committed, so Home Assistant and HACS never run this.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BRAND_DIR = Path(__file__).resolve().parent.parent / "custom_components/localgrid/brand"
SUPERSAMPLE = 4  # draw large, then shrink: smooth edges without an anti-aliasing API

TEAL = (14, 124, 134, 255)
DARK_TEAL = (8, 78, 86, 255)
ORANGE = (245, 124, 0, 255)
YELLOW = (255, 202, 40, 255)
LIGHT_TEXT = (236, 240, 241, 255)

# The gauge opens downwards: it spans 270 degrees from lower left to lower right.
ARC_START, ARC_END = 135.0, 405.0


def _flame(cx: float, cy: float, height: float, width: float) -> list[tuple[float, float]]:
    """A teardrop with its tip up, its round base centred on (cx, cy)."""
    points = []
    for step in range(200):
        t = 2 * math.pi * step / 200
        along = math.cos(t)  # 1 at the tip, -1 at the base
        across = math.sin(t) * math.sin(t / 2) ** 1.6
        points.append((cx + across * width / 2, cy - (along + 1) / 2 * height + height * 0.25))
    return points


def draw_mark(size: int, text_color: tuple[int, int, int, int] | None = None) -> Image.Image:
    """The square mark; transparent background."""
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    centre = big / 2
    radius = big * 0.44
    ring = big * 0.075
    box = (centre - radius, centre - radius, centre + radius, centre + radius)
    draw.arc(box, ARC_START, ARC_END, fill=TEAL, width=round(ring))
    # Round caps at both ends of the arc.
    for angle in (ARC_START, ARC_END):
        rad = math.radians(angle)
        x = centre + (radius - ring / 2) * math.cos(rad)
        y = centre + (radius - ring / 2) * math.sin(rad)
        draw.ellipse((x - ring / 2, y - ring / 2, x + ring / 2, y + ring / 2), fill=TEAL)
    # Ticks inside the arc.
    for index in range(7):
        rad = math.radians(ARC_START + index * (ARC_END - ARC_START) / 6)
        inner, outer = radius - ring * 2.2, radius - ring * 1.4
        draw.line(
            (
                centre + inner * math.cos(rad),
                centre + inner * math.sin(rad),
                centre + outer * math.cos(rad),
                centre + outer * math.sin(rad),
            ),
            fill=DARK_TEAL if text_color is None else text_color,
            width=round(big * 0.025),
        )
    # The flame sits low in the dial, under the needle's pivot.
    flame_height = big * 0.46
    draw.polygon(_flame(centre, centre + big * 0.2, flame_height, big * 0.34), fill=ORANGE)
    draw.polygon(_flame(centre, centre + big * 0.22, flame_height * 0.55, big * 0.18), fill=YELLOW)
    # Needle from the pivot towards "two o'clock".
    pivot = (centre, centre - big * 0.02)
    needle = math.radians(-50)
    length = radius - ring * 2.6
    draw.line(
        (
            pivot[0],
            pivot[1],
            pivot[0] + length * math.cos(needle),
            pivot[1] + length * math.sin(needle),
        ),
        fill=DARK_TEAL if text_color is None else text_color,
        width=round(big * 0.035),
    )
    dot = big * 0.045
    draw.ellipse(
        (pivot[0] - dot, pivot[1] - dot, pivot[0] + dot, pivot[1] + dot),
        fill=DARK_TEAL if text_color is None else text_color,
    )
    return image.resize((size, size), Image.Resampling.LANCZOS)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ):
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def draw_logo(height: int, text_color: tuple[int, int, int, int]) -> Image.Image:
    """The mark followed by the name, trimmed to its content."""
    mark = draw_mark(height, None if text_color == DARK_TEAL else text_color)
    font = _font(round(height * 0.52))
    text = "LocalGrid"
    left, top, right, bottom = font.getbbox(text)
    gap = round(height * 0.12)
    logo = Image.new("RGBA", (height + gap + right - left, height), (0, 0, 0, 0))
    logo.paste(mark, (0, 0), mark)
    ImageDraw.Draw(logo).text(
        (height + gap - left, (height - (bottom - top)) / 2 - top), text, font=font, fill=text_color
    )
    return logo


def main() -> None:
    BRAND_DIR.mkdir(parents=True, exist_ok=True)
    draw_mark(256).save(BRAND_DIR / "icon.png", optimize=True)
    draw_mark(512).save(BRAND_DIR / "icon@2x.png", optimize=True)
    draw_mark(256, LIGHT_TEXT).save(BRAND_DIR / "dark_icon.png", optimize=True)
    draw_mark(512, LIGHT_TEXT).save(BRAND_DIR / "dark_icon@2x.png", optimize=True)
    draw_logo(128, DARK_TEAL).save(BRAND_DIR / "logo.png", optimize=True)
    draw_logo(256, DARK_TEAL).save(BRAND_DIR / "logo@2x.png", optimize=True)
    draw_logo(128, LIGHT_TEXT).save(BRAND_DIR / "dark_logo.png", optimize=True)
    draw_logo(256, LIGHT_TEXT).save(BRAND_DIR / "dark_logo@2x.png", optimize=True)
    for path in sorted(BRAND_DIR.glob("*.png")):
        with Image.open(path) as image:
            print(f"{path.name}: {image.size[0]}x{image.size[1]}")


if __name__ == "__main__":
    main()
