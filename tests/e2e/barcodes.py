"""Real EAN-13 barcodes for the browser tests, drawn with Pillow from the GS1 symbol tables, as a
phone would see them: a printed label on a product (a photo, PNG) or the camera's picture (a Y4M
video Chromium plays as its fake camera: --use-file-for-fake-video-capture)."""
import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

L_CODES = ("0001101", "0011001", "0010011", "0111101", "0100011",
           "0110001", "0101111", "0111011", "0110111", "0001011")
R_CODES = tuple("".join("1" if bit == "0" else "0" for bit in code) for code in L_CODES)
G_CODES = tuple(code[::-1] for code in R_CODES)
PARITY = ("LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLG", "LGLGLG", "LGLGGL", "LGGLGL")


def ean13_modules(code: str) -> str:
    """The 95 modules (1 = bar) of an EAN-13 code: guard, 6 digits in L/G by the first digit, centre
    guard, 6 digits in R, guard."""
    assert len(code) == 13 and code.isdigit(), code
    left = "".join((L_CODES if parity == "L" else G_CODES)[int(digit)]
                   for parity, digit in zip(PARITY[int(code[0])], code[1:7]))
    right = "".join(R_CODES[int(digit)] for digit in code[7:])
    return "101" + left + "01010" + right + "101"


def label(code: str, module: int = 4, height: int = 220) -> Image.Image:
    """The printed barcode with its quiet zones and digits, black on white."""
    modules = ean13_modules(code)
    quiet = 11 * module
    image = Image.new("L", (len(modules) * module + 2 * quiet, height + 40), 255)
    draw = ImageDraw.Draw(image)
    for index, bit in enumerate(modules):
        if bit == "1":
            x = quiet + index * module
            draw.rectangle([x, 10, x + module - 1, 10 + height], fill=0)
    draw.text((quiet, height + 16), f"{code[0]}  {code[1:7]}  {code[7:]}", fill=0)
    return image


def photo_png(code: str) -> bytes:
    """A phone's photo of the label: on a grey shelf, slightly turned and soft."""
    shot = Image.new("L", (1200, 900), 170)
    tag = label(code).rotate(2, expand=True, fillcolor=170)
    shot.paste(tag, ((shot.width - tag.width) // 2, (shot.height - tag.height) // 2))
    shot = shot.filter(ImageFilter.GaussianBlur(0.8))
    buffer = io.BytesIO()
    shot.convert("RGB").save(buffer, "PNG")
    return buffer.getvalue()


def camera_y4m(code: str, path: Path, frames: int = 10) -> Path:
    """A short 640×480 Y4M video of the label held in front of the camera (4:2:0, the format
    Chromium's fake capture device reads; it plays the file in a loop)."""
    width, height = 640, 480
    frame = Image.new("L", (width, height), 180)
    tag = label(code, module=3, height=160)
    frame.paste(tag, ((width - tag.width) // 2, (height - tag.height) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * (width // 2 * height // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)
    return path
