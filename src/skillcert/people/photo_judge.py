"""Judging measured photo facts against R0.3: the list of failures with their Chinese and English messages.

`_judge` turns an `_Inspection` into (code, zh, en) triples in the documented order (format, size,
orientation, dpi, greyscale, background, face), each naming the measured value and the required one (X6).
No Django; used by `photos.check_photo`.
"""

from __future__ import annotations

from skillcert.people.photo_spec import (
    ACCEPTED_BACKGROUNDS,
    BACKGROUND_MIN_SHARE,
    DPI_TOLERANCE,
    REQUIRED_DPI,
    REQUIRED_FORMAT,
    REQUIRED_SIZE,
    _Inspection,
)

_BACKGROUND_ZH = {"blue": "蓝色", "red": "红色", "white": "白色", "other": "其他颜色"}


def _mm(px: int, dpi: float) -> float:
    return px / dpi * 25.4


def _fmt_dpi(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"


def _colour_name(rgb: tuple[int, int, int]) -> tuple[str, str]:
    """A rough name for a mean colour, only to make the background message concrete."""
    r, g, b = (c / 255.0 for c in rgb)
    mx, mn = max(r, g, b), min(r, g, b)
    if mx - mn < 0.12 or mx < 0.15:
        if mx < 0.2:
            return "黑色", "black"
        return ("浅灰色", "light grey") if mx >= 0.8 else ("灰色", "grey")
    d = mx - mn
    if mx == r:
        hue = 60.0 * (((g - b) / d) % 6.0)
    elif mx == g:
        hue = 60.0 * ((b - r) / d + 2.0)
    else:
        hue = 60.0 * ((r - g) / d + 4.0)
    for limit, zh, en in (
        (15, "红色", "red"),
        (45, "橙色", "orange"),
        (70, "黄色", "yellow"),
        (165, "绿色", "green"),
        (185, "青色", "cyan"),
        (250, "蓝色", "blue"),
        (290, "紫色", "purple"),
        (340, "粉红色", "pink"),
        (360, "红色", "red"),
    ):
        if hue <= limit:
            if en in ("blue", "red"):  # a blue or red that the background rules do not accept
                return ("暗" + zh, "dark " + en) if mx < 0.35 else ("浅" + zh, "pale " + en)
            return zh, en
    return "红色", "red"  # pragma: no cover


def _judge(ins: _Inspection) -> list[tuple[str, str, str]]:
    f = ins.facts
    rw, rh = REQUIRED_SIZE
    out: list[tuple[str, str, str]] = []

    if f.format != REQUIRED_FORMAT:
        out.append(
            (
                "people.photo.format",
                f"照片格式为 {f.format}，应为 JPEG（.jpg）",
                f"The photo is a {f.format} file; it must be JPEG (.jpg)",
            )
        )

    if (f.width, f.height) != REQUIRED_SIZE:
        hint_zh = hint_en = ""
        if (f.height, f.width) == REQUIRED_SIZE:
            hint_zh, hint_en = "（横竖颠倒，应为竖幅）", " (it is landscape; it must be portrait)"
        out.append(
            (
                "people.photo.size",
                f"照片尺寸为 {f.width}×{f.height} 像素，应为 {rw}×{rh} 像素（宽×高）{hint_zh}",
                f"The photo is {f.width}×{f.height} px; it must be {rw}×{rh} px (width × height){hint_en}",
            )
        )

    if ins.orientation not in (None, 1):
        out.append(
            (
                "people.photo.orientation",
                f"照片带有 EXIF 方向标记 {ins.orientation}（看图软件会旋转或翻转显示，打印时不会），"
                "应将照片转正后去掉方向标记重新保存",
                f"The photo carries EXIF orientation {ins.orientation} (viewers rotate or mirror it, "
                "printing does not); it must be saved upright without an orientation tag",
            )
        )

    req_mm_w, req_mm_h = _mm(rw, REQUIRED_DPI), _mm(rh, REQUIRED_DPI)
    required_zh = f"应为 {REQUIRED_DPI} dpi（打印尺寸 {req_mm_w:.0f}×{req_mm_h:.0f} 毫米，宽×高）"
    required_en = (
        f"it must be {REQUIRED_DPI} dpi (printed {req_mm_w:.0f} × {req_mm_h:.0f} mm, width × height)"
    )
    if f.dpi is None:
        out.append(
            (
                "people.photo.dpi",
                f"照片缺少分辨率（DPI）信息，{required_zh}",
                f"The photo has no resolution (DPI) metadata; {required_en}",
            )
        )
    elif any(abs(d - REQUIRED_DPI) > DPI_TOLERANCE for d in f.dpi):
        dx, dy = f.dpi
        shown = _fmt_dpi(dx) if _fmt_dpi(dx) == _fmt_dpi(dy) else f"{_fmt_dpi(dx)}×{_fmt_dpi(dy)}"
        mw, mh = _mm(f.width, dx), _mm(f.height, dy)
        out.append(
            (
                "people.photo.dpi",
                f"照片分辨率为 {shown} dpi（按此打印为 {mw:.1f}×{mh:.1f} 毫米），{required_zh}",
                f"The photo is {shown} dpi (printed {mw:.1f} × {mh:.1f} mm); {required_en}",
            )
        )

    if not f.colour:
        pct = ins.colour_share * 100
        out.append(
            (
                "people.photo.greyscale",
                f"照片为黑白（灰度）照片（模式 {f.mode}，彩色像素仅占 {pct:.1f}%），应为彩色照片",
                f"The photo is greyscale (mode {f.mode}, only {pct:.1f} % of pixels in colour); "
                "it must be in colour",
            )
        )

    if f.background not in ACCEPTED_BACKGROUNDS:
        r, g, b = f.background_rgb
        rgb = f"RGB({r},{g},{b})"
        if f.background == "other" and f.background_share < BACKGROUND_MIN_SHARE:
            dom = ins.background_class
            pct = f.background_share * 100
            need = BACKGROUND_MIN_SHARE * 100
            zh = (
                f"照片背景颜色不均匀（边缘区域占比最多的是{_BACKGROUND_ZH[dom]}，仅占 {pct:.0f}%，应至少 "
                f"{need:.0f}%；平均颜色 {rgb}），应为单一的蓝色或红色背景"
            )
            en = (
                f"The photo background is not uniform (the most common colour along the border, {dom}, "
                f"covers only {pct:.0f} %, at least {need:.0f} % is needed; average {rgb}); "
                "it must be plain blue or red"
            )
        elif f.background == "white":
            zh = f"照片背景为白色（边缘平均颜色 {rgb}），应为蓝色或红色"
            en = f"The photo background is white (border average {rgb}); it must be blue or red"
        else:
            name_zh, name_en = _colour_name(f.background_rgb)
            zh = f"照片背景为其他颜色（{name_zh}，边缘平均颜色 {rgb}），应为蓝色或红色"
            en = (
                f"The photo background is another colour ({name_en}, border average {rgb}); "
                "it must be blue or red"
            )
        out.append(("people.photo.background", zh, en))

    if f.faces is not None and f.faces != 1:
        if f.faces == 0:
            zh = "照片中未检测到正面人脸，应为本人免冠正面照"
            en = (
                "No frontal face was found in the photo; "
                "it must show the person's bareheaded face from the front"
            )
        else:
            zh = f"照片中检测到 {f.faces} 张人脸，应只有本人 1 张"
            en = f"The photo shows {f.faces} faces; it must show exactly 1 (the person's own)"
        out.append(("people.photo.face", zh, en))

    return out
