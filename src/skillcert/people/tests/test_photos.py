"""E-photo checks (R0.3) with exact, bilingual errors that list every failure (X6), and the ID-card reader's
chip photo. Every picture here is made with Pillow in the test; no database, no files on disk."""

from __future__ import annotations

import base64
import hashlib
import io
import random
import re
import struct
import warnings
import zlib
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFilter

from skillcert.core.errors import FieldError, ValidationFailed
from skillcert.people import photos
from skillcert.people.photos import PhotoFacts, card_reader_photo, check_photo, inspect_photo

ID_BLUE = (67, 142, 219)
SPEC = (358, 441)
CJK = re.compile(r"[\u4e00-\u9fff]")


# --- making pictures ------------------------------------------------------------------------------------


def portrait(bg: tuple[int, int, int] = ID_BLUE, size: tuple[int, int] = SPEC) -> Image.Image:
    """A head-and-shoulders ID photo: dark trapezoid shoulders, a skin-coloured neck and oval head with
    hair, eyes, brows, nose and mouth (enough for OpenCV's frontal-face cascade to find one face)."""
    w, h = size
    im = Image.new("RGB", size, bg)
    d = ImageDraw.Draw(im)
    d.polygon([(w * 0.10, h), (w * 0.28, h * 0.74), (w * 0.72, h * 0.74), (w * 0.90, h)], fill=(35, 38, 48))
    d.rectangle([w * 0.42, h * 0.55, w * 0.58, h * 0.78], fill=(222, 180, 150))
    d.ellipse([w * 0.29, h * 0.15, w * 0.71, h * 0.62], fill=(232, 192, 162))
    d.chord([w * 0.28, h * 0.12, w * 0.72, h * 0.42], 180, 360, fill=(30, 26, 22))
    cx, ey = w / 2, h * 0.36
    for side in (-1, 1):
        ex = cx + side * w * 0.09
        d.ellipse([ex - w * 0.045, ey - h * 0.012, ex + w * 0.045, ey + h * 0.012], fill=(250, 250, 250))
        d.ellipse([ex - w * 0.018, ey - h * 0.014, ex + w * 0.018, ey + h * 0.014], fill=(40, 30, 25))
        d.line([ex - w * 0.06, ey - h * 0.045, ex + w * 0.05, ey - h * 0.05], fill=(50, 35, 25), width=6)
    d.polygon(
        [(cx, ey + h * 0.02), (cx - w * 0.03, h * 0.47), (cx + w * 0.03, h * 0.47)], fill=(200, 150, 120)
    )
    d.ellipse([cx - w * 0.07, h * 0.51, cx + w * 0.07, h * 0.535], fill=(170, 70, 70))
    return im.filter(ImageFilter.GaussianBlur(2))


def encode(im: Image.Image, fmt: str = "JPEG", **options: Any) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **options)
    return out.getvalue()


def good_jpeg(**options: Any) -> bytes:
    return encode(portrait(), dpi=(350, 350), quality=92, **options)


def failure(data: bytes, **kwargs: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as info:
        check_photo(data, **kwargs)
    return info.value


def codes(exc: ValidationFailed) -> list[str]:
    return [e.code for e in exc.errors]


def assert_says(err: FieldError, *values: str) -> None:
    """The message is in both languages and quotes every measured / required value given."""
    assert CJK.search(err.message_zh), err.message_zh
    assert not CJK.search(err.message_en), err.message_en
    for value in values:
        assert value in err.message_zh, (value, err.message_zh)
        assert value in err.message_en, (value, err.message_en)


# --- the compliant photo --------------------------------------------------------------------------------


def test_compliant_photo_passes_and_reports_its_facts() -> None:
    """R0.3: JPEG, 358×441 px, 350 dpi, blue background, colour."""
    data = good_jpeg()
    facts = check_photo(data)
    assert facts == PhotoFacts(
        format="JPEG",
        width=358,
        height=441,
        dpi=(350.0, 350.0),
        mode="RGB",
        background="blue",
        background_rgb=facts.background_rgb,
        colour=True,
        sha256=hashlib.sha256(data).hexdigest(),
        faces=None,
        readable=True,
        background_share=1.0,
    )
    assert all(abs(m - r) <= 3 for m, r in zip(facts.background_rgb, ID_BLUE, strict=True))
    assert inspect_photo(data) == facts


@pytest.mark.parametrize("red", [(255, 0, 0), (220, 30, 50), (200, 20, 30)])
def test_red_background_is_accepted(red: tuple[int, int, int]) -> None:
    facts = check_photo(encode(portrait(red), dpi=(350, 350)))
    assert facts.background == "red"


@pytest.mark.parametrize("blue", [(0, 191, 243), (60, 140, 220), (30, 90, 200), (0, 112, 192)])
def test_shades_of_id_photo_blue_are_accepted(blue: tuple[int, int, int]) -> None:
    assert check_photo(encode(portrait(blue), dpi=(350, 350))).background == "blue"


def test_cmyk_jpeg_is_measured_in_rgb() -> None:
    facts = check_photo(encode(portrait().convert("CMYK"), dpi=(350, 350)))
    assert (facts.mode, facts.background, facts.colour) == ("CMYK", "blue", True)


def test_dpi_from_exif_when_jfif_gives_only_an_aspect_ratio() -> None:
    exif = Image.Exif()
    exif[0x011A], exif[0x011B], exif[0x0128] = 350.0, 350.0, 2  # X/YResolution, unit inch
    assert check_photo(encode(portrait(), exif=exif)).dpi == (350.0, 350.0)


def test_dpi_in_dots_per_centimetre_is_converted() -> None:
    """138 dots/cm = 350.52 dpi, the nearest whole metric density, within the ±1 dpi tolerance."""
    data = bytearray(good_jpeg())
    assert data[6:11] == b"JFIF\x00"
    data[13:18] = b"\x02" + struct.pack(">HH", 138, 138)  # units = dots per cm, X and Y density
    assert check_photo(bytes(data)).dpi == (350.52, 350.52)


# --- one failure at a time ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "extra"),
    [((300, 400), None), ((716, 882), None), ((441, 358), "landscape")],
)
def test_wrong_pixel_size(size: tuple[int, int], extra: str | None) -> None:
    exc = failure(encode(portrait(size=size), dpi=(350, 350)))
    assert codes(exc) == ["people.photo.size"]
    err = exc.errors[0]
    assert_says(err, f"{size[0]}×{size[1]}", "358×441")
    assert "宽×高" in err.message_zh and "width × height" in err.message_en
    if extra:
        assert extra in err.message_en and "横竖颠倒" in err.message_zh
    assert exc.code == "people.photo.size"


def test_png_is_named_as_png() -> None:
    exc = failure(encode(portrait(), "PNG", dpi=(350, 350)))
    assert codes(exc) == ["people.photo.format"]
    assert_says(exc.errors[0], "PNG", "JPEG")


def test_bmp_is_named_and_its_dpi_judged() -> None:
    exc = failure(encode(portrait(), "BMP"))  # Pillow writes 96 dpi into BMP headers
    assert codes(exc) == ["people.photo.format", "people.photo.dpi"]
    assert_says(exc.errors[0], "BMP", "JPEG")
    assert_says(exc.errors[1], "96 dpi", "350 dpi")


def test_missing_dpi_is_a_failure_that_says_it_is_missing() -> None:
    data = encode(portrait())  # JFIF with units 0: an aspect ratio, no resolution
    facts = inspect_photo(data)
    assert facts.dpi is None
    exc = failure(data)
    assert codes(exc) == ["people.photo.dpi"]
    err = exc.errors[0]
    assert_says(err, "DPI", "350 dpi", "26", "32")
    assert "缺少" in err.message_zh and "no resolution" in err.message_en


def test_exif_without_resolution_counts_as_missing_not_72() -> None:
    """Pillow reports 72 dpi for a JPEG with EXIF but no resolution; the file declares none."""
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    data = encode(portrait(), exif=exif)
    assert Image.open(io.BytesIO(data)).info.get("dpi") == (72, 72)
    assert inspect_photo(data).dpi is None
    assert codes(failure(data)) == ["people.photo.dpi"]


def test_72_dpi_names_the_measured_and_required_resolution_and_print_size() -> None:
    exc = failure(encode(portrait(), dpi=(72, 72)))
    assert codes(exc) == ["people.photo.dpi"]
    err = exc.errors[0]
    assert_says(err, "72 dpi", "350 dpi", "126.3", "155.6")
    assert inspect_photo(encode(portrait(), dpi=(72, 72))).dpi == (72.0, 72.0)


def test_unequal_dpi_shows_both_axes() -> None:
    exc = failure(encode(portrait(), dpi=(350, 300)))
    assert_says(exc.errors[0], "350×300 dpi")


def test_white_background_names_white_and_its_rgb() -> None:
    exc = failure(encode(portrait((255, 255, 255)), dpi=(350, 350)))
    assert codes(exc) == ["people.photo.background"]
    err = exc.errors[0]
    assert_says(err, "RGB(255,255,255)")
    assert "白色" in err.message_zh and "white" in err.message_en
    assert "蓝色或红色" in err.message_zh and "blue or red" in err.message_en
    assert inspect_photo(encode(portrait((250, 250, 245)), dpi=(350, 350))).background == "white"


@pytest.mark.parametrize(
    ("bg", "zh", "en"),
    [
        ((60, 160, 70), "绿色", "green"),
        ((120, 120, 120), "灰色", "grey"),
        ((190, 215, 240), "浅蓝色", "pale blue"),
    ],
)
def test_other_background_names_the_colour_and_its_rgb(bg: tuple[int, int, int], zh: str, en: str) -> None:
    data = encode(portrait(bg), dpi=(350, 350))
    facts = inspect_photo(data)
    assert facts.background == "other"
    exc = failure(data)
    assert codes(exc) == ["people.photo.background"]
    r, g, b = facts.background_rgb
    assert_says(exc.errors[0], f"RGB({r},{g},{b})")
    assert zh in exc.errors[0].message_zh and en in exc.errors[0].message_en


def test_background_that_is_not_uniform() -> None:
    im = portrait()
    ImageDraw.Draw(im).rectangle([179, 0, 357, 440], fill=(255, 255, 255))  # right half white
    exc = failure(encode(im, dpi=(350, 350)))
    assert codes(exc) == ["people.photo.background"]
    err = exc.errors[0]
    assert "不均匀" in err.message_zh and "not uniform" in err.message_en
    assert_says(err, "80")
    facts = inspect_photo(encode(im, dpi=(350, 350)))
    assert facts.background == "other" and 0.4 < facts.background_share < 0.8


def test_a_head_reaching_into_the_band_is_tolerated() -> None:
    """Most of the band (≥ 80 %) must be one colour, not all of it: a tall hairdo is fine."""
    im = portrait()
    ImageDraw.Draw(im).ellipse([120, -30, 238, 60], fill=(30, 26, 22))
    facts = check_photo(encode(im, dpi=(350, 350)))
    assert facts.background == "blue" and facts.background_share < 1.0


@pytest.mark.parametrize("as_rgb", [False, True], ids=["mode L", "grey pixels in RGB"])
def test_greyscale(as_rgb: bool) -> None:
    """A grey picture cannot have a blue or red background, so that is reported as well."""
    grey = portrait().convert("L")
    data = encode(grey.convert("RGB") if as_rgb else grey, dpi=(350, 350))
    exc = failure(data)
    assert codes(exc) == ["people.photo.greyscale", "people.photo.background"]
    err = exc.errors[0]
    assert_says(err, "RGB" if as_rgb else "L", "0.0")
    assert "黑白" in err.message_zh and "greyscale" in err.message_en
    assert "灰色" in exc.errors[1].message_zh and "grey" in exc.errors[1].message_en
    assert inspect_photo(data).colour is False


def test_exif_orientation_is_reported() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    exc = failure(good_jpeg(exif=exif))
    assert codes(exc) == ["people.photo.orientation"]
    assert_says(exc.errors[0], "EXIF", "6")


# --- unreadable and oversized files ---------------------------------------------------------------------


def test_truncated_jpeg_is_unreadable() -> None:
    data = good_jpeg()
    exc = failure(data[: len(data) // 2])
    assert codes(exc) == ["people.photo.unreadable"]
    err = exc.errors[0]
    assert_says(err, "JPEG", "358×441")
    assert "截断" in err.message_zh and "truncated" in err.message_en


def test_jpeg_cut_inside_its_header_is_unreadable() -> None:
    exc = failure(good_jpeg()[:20])
    assert codes(exc) == ["people.photo.unreadable"]
    assert_says(exc.errors[0], "JPEG", "20")


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (random.Random(3).randbytes(5000), "5,000"),
        (b"", "0"),
        (b"%PDF-1.7\n" + bytes(200), "PDF"),
        (b"\x00\x00\x00\x18ftypheic" + bytes(200), "HEIC"),
        ("照片".encode(), "6"),
    ],
    ids=["random", "empty", "pdf", "heic", "text"],
)
def test_garbage_is_unreadable_and_inspect_never_raises(data: bytes, named: str) -> None:
    facts = inspect_photo(data)
    assert facts.readable is False and facts.format is None
    assert facts.sha256 == hashlib.sha256(data).hexdigest()
    exc = failure(data)
    assert codes(exc) == ["people.photo.unreadable"]
    assert_says(exc.errors[0], named)


def test_file_over_2_mb_is_rejected_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"\xff\xd8\xff\xe0" + random.Random(4).randbytes(3 * 1024 * 1024)

    def no_decoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("an oversized upload must not reach the decoder")

    monkeypatch.setattr(Image, "open", no_decoding)
    exc = failure(data)
    assert codes(exc) == ["people.photo.too_large"]
    assert_says(exc.errors[0], "3.0 MB", f"{len(data):,}", "2 MB")
    assert inspect_photo(data).sha256 == hashlib.sha256(data).hexdigest()


def test_decompression_bomb_is_not_decoded() -> None:
    """25 megapixels in a 3 kB PNG: rejected from its header, before any pixel is decoded."""
    data = encode(Image.new("1", (5000, 5000)), "PNG")
    assert len(data) < 10_000
    exc = failure(data)
    assert codes(exc) == ["people.photo.too_large"]
    assert_says(exc.errors[0], "5000×5000", "358×441")
    facts = inspect_photo(data)
    assert (facts.readable, facts.format, facts.width, facts.height) == (False, "PNG", 5000, 5000)


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims huge dimensions (CRC fixed, so it parses)."""
    data = bytearray(encode(Image.new("1", (8, 8)), "PNG"))
    ihdr = data[12:29]
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(data)


def test_pillow_decompression_bomb_error_maps_to_too_large() -> None:
    data = png_claiming(100_000, 100_000)  # 10^10 pixels: Pillow itself raises DecompressionBombError
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(data))
    exc = failure(data)
    assert codes(exc) == ["people.photo.too_large"]
    assert_says(exc.errors[0], "358×441")


def test_pillow_decompression_bomb_warning_maps_to_too_large() -> None:
    data = png_claiming(10_000, 10_000)  # 10^8 pixels: a DecompressionBombWarning from Pillow
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        assert codes(failure(data)) == ["people.photo.too_large"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        exc = failure(data)
    assert codes(exc) == ["people.photo.too_large"]
    assert_says(exc.errors[0], "10000×10000")


def test_pillow_global_pixel_limit_is_left_alone() -> None:
    """The 4-megapixel limit is local to photo checks; the PDF renderer still needs Pillow's default."""
    assert Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS > photos.MAX_PHOTO_PIXELS


# --- several failures at once ---------------------------------------------------------------------------


def test_every_failure_is_reported_in_a_stable_order() -> None:
    data = encode(portrait((255, 255, 255), size=(300, 400)).convert("L"), "PNG", dpi=(72, 72))
    exc = failure(data, field="e_photo", record="第 7 行")
    assert codes(exc) == [
        "people.photo.format",
        "people.photo.size",
        "people.photo.dpi",
        "people.photo.greyscale",
        "people.photo.background",
    ]
    assert exc.code == "validation.failed"
    assert all(e.field == "e_photo" and e.record == "第 7 行" for e in exc.errors)
    assert_says(exc.errors[0], "PNG")
    assert_says(exc.errors[1], "300×400", "358×441")
    assert_says(exc.errors[2], "72 dpi", "350 dpi")
    assert_says(exc.errors[4], "RGB(255,255,255)")
    for err in exc.errors:  # the summary carries every message, in both languages
        assert err.message_zh in exc.message_zh and err.message_en in exc.message_en
    assert exc.message_zh.startswith("第 7 行")
    problem = exc.as_problem()
    assert [e["code"] for e in problem["errors"]] == codes(exc)
    assert failure(data, field="e_photo", record="第 7 行").errors == exc.errors  # deterministic


def test_record_and_field_default() -> None:
    err = failure(encode(portrait(), dpi=(72, 72))).errors[0]
    assert (err.field, err.record) == ("photo", None)


# --- faces (optional) -----------------------------------------------------------------------------------


def test_face_check_is_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(photos, "_count_faces", lambda pixels: pytest.fail("face check ran"))
    assert check_photo(good_jpeg()).faces is None


def test_face_check_without_opencv_is_skipped_not_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without OpenCV, face_check=True still passes a good photo; faces=None tells the caller it did not
    run."""
    monkeypatch.setattr(photos, "_face_cascade", lambda: None)
    assert photos.face_check_available() is False
    assert check_photo(good_jpeg(), face_check=True).faces is None


@pytest.mark.parametrize(
    ("found", "zh", "en"),
    [(0, "未检测到正面人脸", "No frontal face"), (3, "检测到 3 张人脸", "shows 3 faces")],
)
def test_face_check_reports_no_face_or_several(
    monkeypatch: pytest.MonkeyPatch, found: int, zh: str, en: str
) -> None:
    monkeypatch.setattr(photos, "_count_faces", lambda pixels: found)
    exc = failure(good_jpeg(), face_check=True)
    assert codes(exc) == ["people.photo.face"]
    assert zh in exc.errors[0].message_zh and en in exc.errors[0].message_en
    assert_says(exc.errors[0])


def test_face_check_passes_one_face(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(photos, "_count_faces", lambda pixels: 1)
    assert check_photo(good_jpeg(), face_check=True).faces == 1


def test_face_check_comes_last_among_several_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(photos, "_count_faces", lambda pixels: 2)
    exc = failure(encode(portrait(), dpi=(72, 72)), face_check=True)
    assert codes(exc) == ["people.photo.dpi", "people.photo.face"]


def test_face_check_with_opencv() -> None:
    """Runs only where opencv-python-headless 4.x (with its Haar cascades) is installed."""
    pytest.importorskip("cv2")
    if not photos.face_check_available():
        pytest.skip("OpenCV has no Haar cascade (OpenCV 5)")
    assert check_photo(good_jpeg(), face_check=True).faces == 1
    blank = encode(Image.new("RGB", SPEC, ID_BLUE), dpi=(350, 350))
    assert codes(failure(blank, face_check=True)) == ["people.photo.face"]
    two = Image.new("RGB", SPEC, ID_BLUE)
    small = portrait().resize((214, 264), Image.Resampling.LANCZOS)
    two.paste(small, (0, 60))
    two.paste(small, (358 - 214, 160))
    exc = failure(encode(two, dpi=(350, 350)), face_check=True)
    assert codes(exc) == ["people.photo.face"]
    assert_says(exc.errors[0], "2")


# --- the ID-card reader's chip photo --------------------------------------------------------------------


def chip(fmt: str = "BMP", size: tuple[int, int] = (102, 126)) -> bytes:
    return encode(portrait(size=size), fmt)


@pytest.mark.parametrize("fmt", ["BMP", "JPEG", "PNG"])
def test_card_photo_becomes_a_102_by_126_jpeg(fmt: str) -> None:
    """R0.3 ranks the card reader first: its photo is kept at 102×126, exempt from the upload spec."""
    out = card_reader_photo(base64.b64encode(chip(fmt)).decode())
    im = Image.open(io.BytesIO(out))
    assert (im.format, im.size, im.mode) == ("JPEG", (102, 126), "RGB")


def test_card_photo_accepts_data_urls_and_wrapped_base64() -> None:
    text = base64.encodebytes(chip()).decode()  # 76-character lines
    assert "\n" in text
    assert Image.open(io.BytesIO(card_reader_photo(text))).size == (102, 126)
    url = "data:image/bmp;base64," + base64.b64encode(chip()).decode().rstrip("=")
    assert Image.open(io.BytesIO(card_reader_photo(url))).size == (102, 126)


def card_failure(text: str, **kwargs: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as info:
        card_reader_photo(text, **kwargs)
    return info.value


@pytest.mark.parametrize(
    "text", ["not base64!!", "", "   ", "QUJD$RA=="], ids=["symbols", "empty", "blank", "dollar"]
)
def test_card_photo_bad_base64(text: str) -> None:
    exc = card_failure(text, record="张三")
    assert codes(exc) == ["people.photo.card_unreadable"]
    assert exc.errors[0].record == "张三"
    assert_says(exc.errors[0])


def test_card_photo_that_is_not_an_image() -> None:
    exc = card_failure(base64.b64encode(b"hello, world" * 10).decode())
    assert codes(exc) == ["people.photo.card_unreadable"]
    assert_says(exc.errors[0], "JPEG", "BMP", "120")


def test_card_photo_still_in_wlt_form() -> None:
    exc = card_failure(base64.b64encode(random.Random(5).randbytes(1024)).decode())
    assert codes(exc) == ["people.photo.card_unreadable"]
    assert_says(exc.errors[0], "WLT", "1024")


def test_card_photo_truncated() -> None:
    data = chip("JPEG")
    exc = card_failure(base64.b64encode(data[: len(data) // 2]).decode())
    assert codes(exc) == ["people.photo.card_unreadable"]
    assert_says(exc.errors[0], "102×126")


@pytest.mark.parametrize("size", [(358, 441), (126, 102), (5000, 5000)])
def test_card_photo_of_the_wrong_size(size: tuple[int, int]) -> None:
    data = encode(Image.new("1", size), "PNG") if size == (5000, 5000) else chip(size=size)
    exc = card_failure(base64.b64encode(data).decode(), record="张三")
    assert codes(exc) == ["people.photo.card_size"]
    assert_says(exc.errors[0], f"{size[0]}×{size[1]}", "102×126")
    assert exc.errors[0].record == "张三"
