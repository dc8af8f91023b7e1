"""The insert renderer as a user sees its output (R0.1, R0.2, X5): pages rendered to pixels with pdftoppm
and read back with pdftotext -bbox and zxing-cpp. No database: the renderer is a pure function."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from skillcert.esign import qr, sm2
from skillcert.printing.insert import (
    CROSSHAIRS_MM,
    INSERT_BOXES_MM,
    Calibration,
    InsertData,
    calibration_page,
    render_sheets,
)
from skillcert.printing.tests.helpers import Word, decode_qr, pdf_pages_png, pdf_words, photo_jpeg

KEYS = sm2.generate_keypair()
KID = sm2.key_id(KEYS.public_key)
DPI = 254  # 10 pixels a millimetre
PX = DPI / 25.4
PT = 72 / 25.4  # points a millimetre
NAMES = ["欧阳娜娜", "王小明", "阿卜杜拉·艾买提"]


def insert(i: int, **changes: object) -> InsertData:
    number = f"26100120034{i:05d}"
    serial = f"JS{12345 + i:08d}"
    fields = {"number": number, "name": NAMES[i % 3], "level": 4, "occupation_code": "6-18-01-01"}
    text = qr.make_payload(
        {**fields, "issued_on": "2026-11-25"},
        KID,
        KEYS.private_key,
        "https://v.example/Q/",
        blank_serial=serial,
    )
    data = InsertData(
        number=number,
        name=NAMES[i % 3],
        gender="女" if i % 2 else "男",
        birth_date=f"199{i % 10}-05-12",
        education="大学专科",
        education_en="Junior college",
        id_number=f"3201021990051{i:04d}X"[:18],
        occupation="车工",
        occupation_code="6-18-01-01",
        work_type="数控车工",
        level="4",
        level_name="四级/中级",
        level_name_en="Level 4 / Intermediate",
        theory=str(80 + i),
        practical=str(70 + i),
        evaluation="合格",
        issued_on="2026-11-25",
        issuing_authority="江苏省人力资源和社会保障厅",
        qr_text=text,
        blank_serial=serial,
        photo_jpeg=photo_jpeg(i),
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def ink(page: np.ndarray, threshold: int = 235) -> np.ndarray:
    return np.asarray(page).min(axis=2) < threshold


def bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def box_px(slot: int, margin_mm: float = 0.0) -> tuple[float, float, float, float]:
    left, top, w, h = INSERT_BOXES_MM[slot]
    return (
        (left - margin_mm) * PX,
        (top - margin_mm) * PX,
        (left + w + margin_mm) * PX,
        (top + h + margin_mm) * PX,
    )


def inside(word: Word, slot: int) -> bool:
    left, top, w, h = INSERT_BOXES_MM[slot]
    return (
        left * PT <= word.x0
        and word.x1 <= (left + w) * PT
        and top * PT <= word.y0
        and word.y1 <= (top + h) * PT
    )


@pytest.fixture(scope="module")
def two() -> tuple[bytes, list[InsertData]]:
    data = [insert(1), insert(2, remarks="补发")]
    return render_sheets(data), data


def test_two_inserts_per_a4_sheet_and_nothing_outside(two: tuple[bytes, list[InsertData]]) -> None:
    """R0.2: one A4 sheet, two inserts, each inked exactly inside its box (the cut line is its frame)."""
    pdf, _data = two
    [page] = pdf_pages_png(pdf, DPI)
    assert abs(page.size[0] - 210 * PX) <= 1 and abs(page.size[1] - 297 * PX) <= 1
    mask = ink(np.asarray(page))
    for slot in (0, 1):
        x0, y0, x1, y1 = (round(v) for v in box_px(slot))
        region = np.zeros_like(mask)
        region[y0 - 5 : y1 + 5, x0 - 5 : x1 + 5] = True
        got = bbox(mask & region)
        assert all(abs(a - b) <= 3 for a, b in zip(got, (x0, y0, x1, y1), strict=True)), (slot, got)
    outside = mask.copy()
    for slot in (0, 1):
        x0, y0, x1, y1 = (round(v) for v in box_px(slot, margin_mm=0.5))
        outside[y0:y1, x0:x1] = False
    assert not outside.any()  # nothing printed outside the inserts


def test_every_field_inside_its_insert(two: tuple[bytes, list[InsertData]]) -> None:
    """R0.1: every field, Chinese labels with English alongside, falls inside its own insert."""
    pdf, data = two
    words = pdf_words(pdf)
    assert words and all(w.page == 1 for w in words)
    assert all(inside(w, 0) or inside(w, 1) for w in words), [
        w for w in words if not (inside(w, 0) or inside(w, 1))
    ]
    for slot, d in enumerate(data):
        mine = " ".join(w.text for w in words if inside(w, slot))
        for value in (
            d.name,
            d.number,
            d.id_number,  # the full number: the insert is the document itself
            d.blank_serial,
            "女" if slot == 0 else "男",
            "Female" if slot == 0 else "Male",
            "1991年5月12日" if slot == 0 else "1992年5月12日",
            "大学专科",
            "车工（6-18-01-01）",
            "数控车工",
            "四级/中级",
            d.theory,
            d.practical,
            "合格",
            "Pass",
            "2026年11月25日",
            "江苏省人力资源和社会保障厅",
        ):
            assert value in mine, (slot, value)
        for label in (
            "姓名", "Name", "性别", "Sex", "出生日期", "Date of birth", "文化程度", "Education",
            "身份证件号码", "ID No.", "证书编号", "Certificate No.", "职业（工种）", "Occupation",
            "等级", "Level", "理论知识考核成绩", "Theory score", "操作技能考核成绩", "Practical skills score",
            "评定成绩", "Evaluation result", "发证机关", "Issuing authority", "发证日期", "Date of issue",
            "职业资格证书", "Vocational Qualification Certificate", "流水码",
        ):  # fmt: skip
            assert label in mine, (slot, label)
        other = " ".join(w.text for w in words if inside(w, 1 - slot))
        assert d.number not in other and d.blank_serial not in other
    assert "补发" in " ".join(w.text for w in words if inside(w, 1))
    assert "补发" not in " ".join(w.text for w in words if inside(w, 0))


def test_colour_photo_seal_and_qr(two: tuple[bytes, list[InsertData]]) -> None:
    """The colour photo and the red seal are printed; each QR decodes to its own signed payload carrying
    the serial of the insert it is printed on, and lies inside that insert."""
    pdf, data = two
    [page] = pdf_pages_png(pdf, 300)
    pixels = np.asarray(page).astype(int)
    scale = 300 / 25.4
    for slot, d in enumerate(data):
        left, top, _w, _h = INSERT_BOXES_MM[slot]
        photo = pixels[
            round((top + 21) * scale) : round((top + 49) * scale),
            round((left + 11) * scale) : round((left + 35) * scale),
        ]
        blue = (photo[..., 2] > 180) & (photo[..., 0] < 120)
        assert blue.mean() > 0.3  # the photo's blue background, in colour
        seal = pixels[
            round((top + 90) * scale) : round((top + 120) * scale),
            round((left + 135) * scale) : round((left + 165) * scale),
        ]
        red = (seal[..., 0] > 170) & (seal[..., 1] < 110) & (seal[..., 2] < 110)
        assert red.mean() > 0.03
        half = page.crop((0, round((top - 2) * scale), page.width, round((top + 130) * scale)))
        assert decode_qr(half) == [d.qr_text]
        payload = qr.parse_payload(d.qr_text)
        assert payload.blank_serial == d.blank_serial and payload.number == d.number
        assert qr.verify_payload(d.qr_text, {KID: KEYS.public_key}, holder_name=d.name).state == "valid"


def test_same_input_same_bytes() -> None:
    """The same records give byte-identical PDFs (the QR text is signed once, at binding time, and kept
    on the printed item, so a re-render reproduces the file)."""
    one, two = insert(1), insert(2)
    a = render_sheets([one, two])
    assert render_sheets([one, two]) == a
    assert render_sheets(iter([one, two])) == a  # a lazy iterable, as the render job passes
    assert render_sheets([two, one]) != a
    assert render_sheets([one, two], Calibration(0.5, 0, 1)) != a


def test_odd_count_leaves_the_last_lower_slot_empty() -> None:
    pdf = render_sheets([insert(1), insert(2), insert(3)])
    pages = pdf_pages_png(pdf, 50)
    assert len(pages) == 2
    mask = ink(np.asarray(pages[1]))
    assert mask[: mask.shape[0] // 2].any() and not mask[mask.shape[0] // 2 :].any()
    with pytest.raises(ValueError):
        render_sheets([])


def test_calibration_moves_the_ink_by_the_right_number_of_pixels() -> None:
    """R0.2: offsets per printer. At 254 dpi a millimetre is 10 pixels: +3 mm right and +2 mm down moves
    every ink pixel by (30, 20); a scale of 1.01 about the top-left corner stretches the right edge of
    the inserts from 195 mm to 196.95 mm."""
    data = [insert(1), insert(2)]
    [plain] = pdf_pages_png(render_sheets(data), DPI)
    [moved] = pdf_pages_png(render_sheets(data, Calibration(3.0, 2.0, 1.0)), DPI)
    [up_left] = pdf_pages_png(render_sheets(data, Calibration(-1.5, -4.0, 1.0)), DPI)
    [scaled] = pdf_pages_png(render_sheets(data, Calibration(0.0, 0.0, 1.01)), DPI)
    b0 = bbox(ink(np.asarray(plain)))
    assert [b - a for a, b in zip(b0, bbox(ink(np.asarray(moved))), strict=True)] == [30, 20, 30, 20]
    assert [b - a for a, b in zip(b0, bbox(ink(np.asarray(up_left))), strict=True)] == [-15, -40, -15, -40]
    b2 = bbox(ink(np.asarray(scaled)))
    assert abs(b2[0] - 15 * 1.01 * PX) <= 1 and abs(b2[2] - 195 * 1.01 * PX) <= 1.5
    assert abs(b2[3] - 285 * 1.01 * PX) <= 1.5
    # the whole picture moved, not only its frame: the pixels match after the shift
    a = ink(np.asarray(plain))[:-20, :-30]
    b = ink(np.asarray(moved))[20:, 30:]
    assert (a != b).mean() < 0.002


def test_calibration_page_crosshairs_at_known_positions() -> None:
    """The calibration page: crosshair centres where their labels say, moved by the calibration."""
    for cal in (Calibration(), Calibration(2.0, -1.0, 1.0)):
        pdf = calibration_page(cal, printer_name="HP M454")
        [page] = pdf_pages_png(pdf, DPI)
        mask = ink(np.asarray(page), threshold=160)
        for x, y in CROSSHAIRS_MM:
            cx, cy = round((x + cal.offset_x_mm) * PX), round((y + cal.offset_y_mm) * PX)
            # the horizontal and vertical strokes through the centre, 6 mm each way
            assert mask[cy - 1 : cy + 2, cx - 55 : cx + 55].any(axis=0).mean() > 0.9
            assert mask[cy - 55 : cy + 55, cx - 1 : cx + 2].any(axis=1).mean() > 0.9
        text = " ".join(w.text for w in pdf_words(pdf))
        assert "HP M454" in text and "(105, 148.5)" in text and "Insert" in text
