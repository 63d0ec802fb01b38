"""Illustrations of the demo's product categories, drawn with Pillow when the demo is seeded.

Our own flat drawings (a coloured square, a pictogram of the category), so there is
no licence to check and nothing is fetched from the network. One picture per category, stored
once in the media store (marketplace.images) and shared by every demo product of the category.
"""
import io

from PIL import Image, ImageDraw

SIDE = 500  # stored size; drawn at twice that and scaled down, which smooths the edges
SCALE = 2
INK = (255, 255, 255)
PICTOGRAM_SHIFT = 0.08

# category slug -> (background colour, pictogram)
STYLES = {
    "boulangerie-patisserie": ("#b7793a", "bread"),
    "boucherie-charcuterie": ("#a8433a", "ham"),
    "fromagerie": ("#c9a227", "cheese"),
    "epicerie": ("#6d7f3a", "jar"),
    "fruits-legumes": ("#4f8a3c", "apple"),
    "vins-boissons": ("#7a2946", "bottle"),
    "produits-festifs": ("#8c3b6e", "gift"),
    "carburant": ("#3d5a73", "pump"),
    "quincaillerie": ("#596775", "wrench"),
    "bricolage": ("#b35f2c", "hammer"),
    "pieces-agricoles": ("#5e7345", "gear"),
    "jardinerie-fleurs": ("#3f8f6b", "flower"),
    "electromenager": ("#4b6c8f", "washer"),
    "librairie-papeterie": ("#3b5d8a", "book"),
    "jeux-jouets": ("#d0683a", "ball"),
    "sport": ("#2f7f8a", "ball"),
    "vetements": ("#5a4b8a", "shirt"),
    "chaussures": ("#6b4f3a", "boot"),
    "maroquinerie": ("#7b5236", "bag"),
    "cuir": ("#94612f", "bag"),
    "menuiserie-bois": ("#8a6a3b", "tree"),
    "poterie-ceramique": ("#9a5a44", "vase"),
    "pharmacie-parapharmacie": ("#2e8a5a", "cross"),
    "coiffure-esthetique": ("#a14d7a", "scissors"),
    "reparation": ("#44647a", "wrench"),
    "restauration": ("#a05a2c", "pot"),
}
DEFAULT_STYLE = ("#5b6b7a", "basket")


def category_picture(slug: str) -> bytes:
    """A PNG illustration of a category: its pictogram on its colour. (No lettering: Pillow's own
    font has no accents, and the product's page names its category anyway.)"""
    colour, pictogram = STYLES.get(slug, DEFAULT_STYLE)
    side = SIDE * SCALE
    image = Image.new("RGB", (side, side), colour)
    draw = ImageDraw.Draw(image)
    # a lighter disc behind the pictogram
    draw.ellipse(_box(0.16, 0.16, 0.84, 0.84, side), fill=_lighter(colour, 0.18))
    DRAWINGS[pictogram](draw, lambda *points: _scaled(points, side), colour)
    image = image.reduce(SCALE)  # each pixel the mean of a 2×2 block: smooth edges, at little cost
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def _scaled(points, side: int) -> list[int]:
    """Pixels of (x, y, x, y…) in the unit square, the pictograms being drawn 0.08 higher than the
    disc's centre; a single value (a radius, a width) is only scaled."""
    if len(points) == 1:
        return [round(points[0] * side)]
    return [round((v + (PICTOGRAM_SHIFT if i % 2 else 0)) * side) for i, v in enumerate(points)]


def _box(x0, y0, x1, y1, side):
    return [round(x0 * side), round(y0 * side), round(x1 * side), round(y1 * side)]


def _lighter(colour: str, amount: float) -> tuple:
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return tuple(round(c + (255 - c) * amount) for c in rgb)


# --- pictograms: white shapes in the square's coordinates (0..1, through p), details cut out in
# the background colour bg ------------------------------------------------------------------------

def _bread(d, p, bg):
    d.rounded_rectangle(p(0.28, 0.3, 0.72, 0.56), radius=p(0.12)[0], fill=INK)
    for x in (0.38, 0.48, 0.58):
        d.line(p(x, 0.36, x + 0.06, 0.5), fill=bg, width=p(0.015)[0])


def _ham(d, p, bg):
    d.ellipse(p(0.3, 0.26, 0.66, 0.58), fill=INK)
    d.rounded_rectangle(p(0.6, 0.48, 0.74, 0.56), radius=p(0.03)[0], fill=INK)
    d.ellipse(p(0.7, 0.44, 0.78, 0.52), fill=INK)
    d.ellipse(p(0.7, 0.52, 0.78, 0.6), fill=INK)


def _cheese(d, p, bg):
    d.polygon(p(0.28, 0.56, 0.72, 0.56, 0.72, 0.32), fill=INK)
    for box in ((0.55, 0.45, 0.61, 0.51), (0.64, 0.38, 0.69, 0.43), (0.45, 0.5, 0.49, 0.54)):
        d.ellipse(p(*box), fill=bg)


def _jar(d, p, bg):
    d.rounded_rectangle(p(0.36, 0.32, 0.64, 0.6), radius=p(0.05)[0], fill=INK)
    d.rectangle(p(0.34, 0.24, 0.66, 0.31), fill=INK)
    d.rectangle(p(0.4, 0.4, 0.6, 0.5), fill=bg)


def _apple(d, p, bg):
    d.ellipse(p(0.32, 0.3, 0.52, 0.6), fill=INK)
    d.ellipse(p(0.48, 0.3, 0.68, 0.6), fill=INK)
    d.line(p(0.5, 0.31, 0.52, 0.22), fill=INK, width=p(0.02)[0])
    d.ellipse(p(0.53, 0.2, 0.63, 0.27), fill=INK)


def _bottle(d, p, bg):
    d.rounded_rectangle(p(0.41, 0.34, 0.59, 0.62), radius=p(0.04)[0], fill=INK)
    d.rectangle(p(0.47, 0.18, 0.53, 0.36), fill=INK)
    d.rectangle(p(0.43, 0.44, 0.57, 0.52), fill=bg)


def _gift(d, p, bg):
    d.rectangle(p(0.3, 0.34, 0.7, 0.6), fill=INK)
    d.rectangle(p(0.47, 0.34, 0.53, 0.6), fill=bg)
    d.rectangle(p(0.3, 0.42, 0.7, 0.46), fill=bg)
    d.ellipse(p(0.38, 0.24, 0.5, 0.34), outline=INK, width=p(0.025)[0])
    d.ellipse(p(0.5, 0.24, 0.62, 0.34), outline=INK, width=p(0.025)[0])


def _pump(d, p, bg):
    d.rounded_rectangle(p(0.34, 0.24, 0.56, 0.62), radius=p(0.03)[0], fill=INK)
    d.rectangle(p(0.38, 0.29, 0.52, 0.38), fill=bg)
    d.line(p(0.56, 0.32, 0.66, 0.36, 0.66, 0.54), fill=INK, width=p(0.025)[0])


def _wrench(d, p, bg):
    d.line(p(0.34, 0.58, 0.6, 0.32), fill=INK, width=p(0.07)[0])
    d.ellipse(p(0.54, 0.2, 0.72, 0.38), fill=INK)
    d.polygon(p(0.63, 0.2, 0.72, 0.29, 0.66, 0.29, 0.63, 0.26), fill=bg)


def _hammer(d, p, bg):
    d.line(p(0.36, 0.62, 0.56, 0.36), fill=INK, width=p(0.05)[0])
    d.polygon(p(0.44, 0.3, 0.58, 0.2, 0.7, 0.36, 0.56, 0.46), fill=INK)


def _gear(d, p, bg):
    for angle in range(0, 360, 45):
        d.regular_polygon((*p(0.5, 0.42), p(0.2)[0]), 4, rotation=angle, fill=INK)
    d.ellipse(p(0.42, 0.34, 0.58, 0.5), fill=bg)


def _flower(d, p, bg):
    d.line(p(0.5, 0.42, 0.5, 0.64), fill=INK, width=p(0.025)[0])
    for x, y in ((0.5, 0.3), (0.4, 0.38), (0.6, 0.38), (0.44, 0.48), (0.56, 0.48)):
        d.ellipse(p(x - 0.07, y - 0.07, x + 0.07, y + 0.07), fill=INK)
    d.ellipse(p(0.46, 0.36, 0.54, 0.44), fill=bg)


def _washer(d, p, bg):
    d.rounded_rectangle(p(0.33, 0.24, 0.67, 0.62), radius=p(0.03)[0], fill=INK)
    d.ellipse(p(0.4, 0.34, 0.6, 0.54), fill=bg)
    d.rectangle(p(0.37, 0.27, 0.46, 0.3), fill=bg)


def _book(d, p, bg):
    d.polygon(p(0.28, 0.3, 0.5, 0.34, 0.5, 0.62, 0.28, 0.58), fill=INK)
    d.polygon(p(0.72, 0.3, 0.5, 0.34, 0.5, 0.62, 0.72, 0.58), fill=INK)
    d.line(p(0.5, 0.34, 0.5, 0.62), fill=bg, width=p(0.01)[0])


def _ball(d, p, bg):
    d.ellipse(p(0.32, 0.24, 0.68, 0.6), fill=INK)
    d.arc(p(0.2, 0.24, 0.56, 0.6), -60, 60, fill=bg, width=p(0.015)[0])
    d.arc(p(0.44, 0.24, 0.8, 0.6), 120, 240, fill=bg, width=p(0.015)[0])


def _shirt(d, p, bg):
    d.polygon(p(0.36, 0.26, 0.44, 0.24, 0.5, 0.3, 0.56, 0.24, 0.64, 0.26, 0.74, 0.36, 0.66, 0.42, 0.64, 0.4,
                0.64, 0.62, 0.36, 0.62, 0.36, 0.4, 0.34, 0.42, 0.26, 0.36), fill=INK)


def _boot(d, p, bg):
    d.polygon(p(0.36, 0.24, 0.5, 0.24, 0.5, 0.48, 0.7, 0.52, 0.72, 0.6, 0.34, 0.6), fill=INK)
    d.rectangle(p(0.34, 0.57, 0.72, 0.6), fill=bg)


def _bag(d, p, bg):
    d.rounded_rectangle(p(0.3, 0.36, 0.7, 0.62), radius=p(0.04)[0], fill=INK)
    d.arc(p(0.4, 0.24, 0.6, 0.46), 180, 360, fill=INK, width=p(0.03)[0])
    d.rectangle(p(0.46, 0.44, 0.54, 0.5), fill=bg)


def _tree(d, p, bg):
    d.polygon(p(0.5, 0.18, 0.68, 0.46, 0.32, 0.46), fill=INK)
    d.polygon(p(0.5, 0.28, 0.72, 0.56, 0.28, 0.56), fill=INK)
    d.rectangle(p(0.46, 0.56, 0.54, 0.64), fill=INK)


def _vase(d, p, bg):
    d.ellipse(p(0.34, 0.32, 0.66, 0.62), fill=INK)
    d.rectangle(p(0.44, 0.22, 0.56, 0.36), fill=INK)
    d.rectangle(p(0.41, 0.2, 0.59, 0.24), fill=INK)


def _cross(d, p, bg):
    d.rectangle(p(0.43, 0.24, 0.57, 0.6), fill=INK)
    d.rectangle(p(0.32, 0.35, 0.68, 0.49), fill=INK)


def _scissors(d, p, bg):
    d.line(p(0.34, 0.24, 0.6, 0.56), fill=INK, width=p(0.03)[0])
    d.line(p(0.66, 0.24, 0.4, 0.56), fill=INK, width=p(0.03)[0])
    d.ellipse(p(0.32, 0.52, 0.44, 0.64), outline=INK, width=p(0.025)[0])
    d.ellipse(p(0.56, 0.52, 0.68, 0.64), outline=INK, width=p(0.025)[0])


def _pot(d, p, bg):
    d.chord(p(0.3, 0.22, 0.7, 0.62), 0, 180, fill=INK)
    d.rectangle(p(0.26, 0.4, 0.74, 0.44), fill=INK)
    d.arc(p(0.4, 0.24, 0.6, 0.44), 200, 340, fill=INK, width=p(0.025)[0])


def _basket(d, p, bg):
    d.polygon(p(0.28, 0.4, 0.72, 0.4, 0.66, 0.62, 0.34, 0.62), fill=INK)
    d.arc(p(0.36, 0.22, 0.64, 0.56), 180, 360, fill=INK, width=p(0.03)[0])


DRAWINGS = {
    "bread": _bread, "ham": _ham, "cheese": _cheese, "jar": _jar, "apple": _apple, "bottle": _bottle,
    "gift": _gift, "pump": _pump, "wrench": _wrench, "hammer": _hammer, "gear": _gear, "flower": _flower,
    "washer": _washer, "book": _book, "ball": _ball, "shirt": _shirt, "boot": _boot, "bag": _bag,
    "tree": _tree, "vase": _vase, "cross": _cross, "scissors": _scissors, "pot": _pot, "basket": _basket,
}
