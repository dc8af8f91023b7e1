"""The appraisal forms filed after a session (R4.5) as printable PDFs (X5): 附表四 鉴定报告,
附表五 个人申报表, 附表六 合格人员名册 and the 技师/高级技师 审批表.

The PDFs are read back the way a person or another program would see them, with poppler-utils:
`pdftotext -layout` for the words, `pdftoppm` for the pages, `pdffonts` for the embedded font and
`pdfimages` for the photo. No database: the forms are rendered from plain dataclasses. The tests also
leave an 80 dpi picture of each form under var/screenshots/forms/ for review.
"""

from __future__ import annotations

import datetime
import io
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from skillcert.appraisal import forms_pdf
from skillcert.appraisal.documents import (
    ApplicationForm,
    AppraisalReport,
    CandidateRow,
    FormHeader,
    QualifiedRoster,
)
from skillcert.core import pdf

REPO = Path(__file__).resolve().parents[4]
SCREENSHOTS = REPO / "var" / "screenshots" / "forms"
POPPLER = ("pdftotext", "pdftoppm", "pdffonts", "pdfimages")

ABDULLAH = "阿卜杜拉·艾买提"  # U+00B7 middle dot, as normalised by people.names
EXT_B_NAME = "𠮷田晓明"  # U+20BB7, beyond the BMP
NAMES = [ABDULLAH, "王芳", "李建国", EXT_B_NAME, "欧阳明月", "张伟", "刘洋", "陈静", "赵磊", "孙丽"]
A4_RATIO = 297 / 210

# ------------------------------------------------------------------------------------------------
# Sample documents (also used by test_forms_xlsx)


def sample_header() -> FormHeader:
    return FormHeader(
        organisation="机械工业职业技能鉴定南京汽轮电机集团鉴定站",
        institution_code="49013001",
        responsible_centre="机械工业职业技能鉴定指导中心",
        session_code="JD-2026-0612-01",
        occupation="6-18-01-01 车工",
        level="四级/中级工",
        exam_dates="2026-06-12 至 2026-06-13",
        site="南京市栖霞区和燕路 251 号实训楼三层",
    )


def sample_rows(count: int = 120, *, comprehensive: bool = False) -> list[CandidateRow]:
    rows = []
    for i in range(count):
        name = NAMES[i % len(NAMES)] if i < len(NAMES) else f"{NAMES[i % len(NAMES)]}{i}"
        rows.append(
            CandidateRow(
                seq=i + 1,
                name=name,
                gender="男" if i % 2 == 0 else "女",
                birth_date=datetime.date(1980 + i % 20, 1 + i % 12, 1 + i % 28),
                id_number_masked=f"320***********{i:04d}",
                education=["高中", "中专", "大专", "本科"][i % 4],
                theory=round(60 + (i * 7.3) % 40, 1),
                practical=round(60 + (i * 3.1) % 40, 1),
                comprehensive=round(70 + (i * 1.7) % 30, 1) if comprehensive else None,
                result="合格",
            )
        )
    return rows


def sample_roster(count: int = 120, *, approval: bool = False) -> QualifiedRoster:
    return QualifiedRoster(
        header=sample_header(),
        rows=sample_rows(count, comprehensive=approval),
        approval_form=approval,
        prepared_by="王芳",
        prepared_at=datetime.date(2026, 6, 20),
    )


def sample_photo() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (295, 413), (200, 220, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse((80, 60, 215, 230), fill=(240, 200, 170))
    draw.rectangle((50, 260, 245, 413), fill=(30, 40, 80))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def sample_application(*, photo: bool = True) -> ApplicationForm:
    return ApplicationForm(
        header=sample_header(),
        name=ABDULLAH,
        gender="男",
        birth_date=datetime.date(1992, 3, 7),
        nation="维吾尔族",
        id_number_masked="650***********0017",
        education="大专",
        phone="138****5678",
        address="新疆维吾尔自治区乌鲁木齐市天山区解放南路 88 号 3 单元 502 室",
        work_unit="新疆特变电工股份有限公司机加工分厂",
        current_level="五级/初级工",
        years_in_occupation=6,
        photo_jpeg=sample_photo() if photo else None,
        declared_at=datetime.date(2026, 5, 20),
    )


def sample_report() -> AppraisalReport:
    return AppraisalReport(
        header=sample_header(),
        enrolled=124,
        sat=120,
        passed=112,
        pass_rate=112 / 120,
        examiners=["张工", "李建国", ABDULLAH],
        notes=(
            "本次鉴定按国家职业标准组织实施，理论知识考试采用闭卷笔试，操作技能考核在实训楼进行。缺考 4 人。"
        ),
        reported_at=datetime.date(2026, 6, 20),
    )


# ------------------------------------------------------------------------------------------------
# poppler helpers


@pytest.fixture(scope="module", autouse=True)
def _poppler() -> None:
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not found: these tests read the PDFs back with poppler-utils "
            "(Debian: apt-get install -y poppler-utils). They are required, not optional.",
            pytrace=False,
        )


def run(*args: str | Path) -> str:
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True).stdout


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def text_of(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return run("pdftotext", "-layout", *pages, path, "-")


def flat(text: str) -> str:
    """Text without whitespace: column layout decides where pdftotext puts spaces, not the content."""
    return re.sub(r"\s+", "", text)


def png_pages(path: Path, out_dir: Path, dpi: int = 50) -> list[tuple[int, int]]:
    """Render every page with pdftoppm; return (width, height) in pixels of each PNG, in order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    run("pdftoppm", "-r", str(dpi), "-png", path, out_dir / "page")
    sizes = []
    for png in sorted(out_dir.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1])):
        header = png.read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n", png
        sizes.append(struct.unpack(">II", header[16:24]))
    return sizes


def assert_embedded_font(path: Path) -> None:
    lines = run("pdffonts", path).splitlines()[2:]
    assert lines, "no fonts in the PDF"
    for line in lines:
        # name type encoding emb sub uni object-id gen
        fields = line.split()
        assert "LXGWWenKai" in fields[0], line
        assert fields[-5] == "yes", f"font not embedded: {line}"
        assert fields[-3] == "yes", f"no ToUnicode map (text could not be searched): {line}"


# ------------------------------------------------------------------------------------------------
# Shared PDF plumbing (core.pdf)


def test_register_fonts_is_idempotent_and_sets_binary_streams() -> None:
    from reportlab import rl_config
    from reportlab.pdfbase import pdfmetrics

    first = pdf.register_fonts()
    font = pdfmetrics.getFont(first)
    assert pdf.register_fonts() == first == "SkillcertCJK"
    assert pdfmetrics.getFont(first) is font
    assert rl_config.useA85 == 0
    assert pdf.FONT_FILE.stat().st_size <= 20 * 1024 * 1024
    assert (pdf.FONT_FILE.parent / "LXGWWenKai-LICENSE.txt").is_file()


def test_font_covers_every_label_and_the_hard_names() -> None:
    """No tofu: every fixed string of the forms, minority names with the middle dot, and 𠮷 (Ext-B)."""
    fixed = "".join(
        [
            forms_pdf.REPORT_TITLE,
            forms_pdf.APPLICATION_TITLE,
            forms_pdf.ROSTER_TITLE,
            forms_pdf.APPROVAL_TITLE,
            forms_pdf.DECLARATION,
            *forms_pdf.APPROVAL_OPINIONS,
            "附表四五六鉴定站（盖章）机构代码批次职业工种等级考试日期地点报送单位报名实考合格人数率考评人员情况说明",
            "填表人负责人单位盖章签字审核意见序号姓名性别出生民族身份证号文化程度联系电话通讯地址工作现资格年限",
            "申报承诺照片一寸免冠理论知识操作技能综合评审结果备注以下空白第页共本合计—…：、，。0123456789%*-/",
        ]
    )
    assert pdf.missing_glyphs(fixed) == set()
    assert pdf.missing_glyphs(ABDULLAH + EXT_B_NAME) == set()
    assert pdf.missing_glyphs("\U0002a6d6") == {"\U0002a6d6"}  # the check can fail: an Ext-B gap


def test_wrap_text_keeps_lines_in_width_and_punctuation_off_line_starts() -> None:
    text = "本人承诺：以上所填内容及所提供的证件、材料真实有效，如有虚假，本人愿意承担由此产生的一切后果。"
    for width in (60, 97, 120, 200):
        lines = pdf.wrap_text(text, 10, width)
        assert "".join(lines) == text
        assert all(pdf.string_width(line, 10) <= width for line in lines)
        assert not any(line[0] in "，。、：；）" for line in lines[1:])
    assert pdf.wrap_text("路 123 号 ABC", 10, 1000) == ["路 123 号 ABC"]
    assert pdf.wrap_text("甲\n乙", 10, 100) == ["甲", "乙"]
    # Latin words and numbers stay whole when they fit on a line.
    assert "0017" in "".join(pdf.wrap_text("身份证号 320***********0017", 10, 120))


def test_fit_text_shrinks_then_truncates() -> None:
    fitted = pdf.fit_text(ABDULLAH, 60, 14, max_size=12, wrap=False)
    assert fitted.lines == [ABDULLAH] and fitted.size < 12 and not fitted.truncated
    assert pdf.string_width(ABDULLAH, fitted.size) <= 60
    long = "很长的工作单位名称" * 10
    fitted = pdf.fit_text(long, 60, 14, max_size=10, min_size=6)
    assert fitted.truncated and fitted.size == 6 and fitted.lines[-1].endswith("…")
    assert all(pdf.string_width(line, 6) <= 60 for line in fitted.lines)


def test_paginate_leaves_room_on_the_last_page() -> None:
    assert [len(p) for p in pdf.paginate(list(range(45)), 20)] == [20, 20, 5]
    assert [len(p) for p in pdf.paginate(list(range(35)), 20, 15)] == [20, 15]
    assert [len(p) for p in pdf.paginate(list(range(38)), 20, 15)] == [20, 3, 15]
    assert pdf.paginate([], 20) == [[]]
    assert pdf.page_label(1, 3) == "第 1 页 共 3 页"
    assert pdf.cn_date(datetime.date(2026, 6, 2)) == "2026年6月2日"


# ------------------------------------------------------------------------------------------------
# 附表六 合格人员名册 and the 审批表


@pytest.fixture(scope="module")
def roster_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(
        tmp_path_factory.mktemp("roster"), "roster.pdf", forms_pdf.render_qualified_roster(sample_roster())
    )


def test_roster_reads_back_with_names_numbers_and_scores(roster_pdf: Path) -> None:
    text = text_of(roster_pdf)
    assert forms_pdf.ROSTER_TITLE in text
    assert "附表六" in text
    for row in sample_roster().rows:
        assert row.name in text, row.name
        assert row.id_number_masked in text
    assert ABDULLAH in text and EXT_B_NAME in text  # 𠮷 copies/searches correctly (ToUnicode fix)
    assert "320***********0017" in text
    first = sample_roster().rows[0]
    line = next(line for line in text.splitlines() if first.id_number_masked in line)
    assert f"{first.theory:.1f}" in line and f"{first.practical:.1f}" in line
    assert "综合评审" not in text  # no such scores on a 中级 roster
    for needle in (
        "机构代码：49013001",
        "鉴定批次：JD-2026-0612-01",
        "职业（工种）：6-18-01-01",
        "鉴定等级：四级/中级工",
    ):
        assert needle in text
    assert "填表人：" in text and "负责人：" in text and "单位盖章：" in text and "2026年6月20日" in text


def test_roster_flows_over_pages_with_numbering_and_repeated_header(roster_pdf: Path, tmp_path: Path) -> None:
    sizes = png_pages(roster_pdf, tmp_path / "png")
    total = len(sizes)
    assert total >= 3
    per_page, _ = forms_pdf.roster_page_capacity(False)
    assert total == -(-120 // per_page)
    for width, height in sizes:
        assert width > height and abs(width / height - A4_RATIO) < 0.02  # A4 landscape
    for page in range(1, total + 1):
        text = text_of(roster_pdf, page)
        assert f"第 {page} 页 共 {total} 页" in text
        assert forms_pdf.ROSTER_TITLE in text
        assert "序号" in text and "身份证号" in text and "理论知识" in text  # header row repeated
    assert "以下空白" in text_of(roster_pdf, total)
    assert "以下空白" not in text_of(roster_pdf, 1)
    assert f"本页 {120 - per_page * (total - 1)} 人，合计 120 人" in text_of(roster_pdf, total)


def test_roster_embeds_the_font(roster_pdf: Path) -> None:
    assert_embedded_font(roster_pdf)


def test_approval_form_has_title_scores_and_opinion_boxes_on_the_last_page(tmp_path: Path) -> None:
    roster = sample_roster(40, approval=True)
    path = write(tmp_path, "approval.pdf", forms_pdf.render_qualified_roster(roster))
    sizes = png_pages(path, tmp_path / "png")
    per_page, last_cap = forms_pdf.roster_page_capacity(True)
    assert last_cap < per_page
    assert len(sizes) == len(pdf.paginate(roster.rows, per_page, last_cap))
    last = text_of(path, len(sizes))
    first = text_of(path, 1)
    assert "职业技能鉴定审批表（技师、高级技师）" in flat(first)
    assert "综合评审" in first and f"{roster.rows[0].comprehensive:.1f}" in first
    assert "附表六" not in first
    for opinion in forms_pdf.APPROVAL_OPINIONS:
        assert opinion in last and opinion not in first
    assert last.count("签字：") == 3 and last.count("盖章：") >= 3 and last.count("日期：") >= 4
    assert_embedded_font(path)


def test_empty_roster_is_one_page(tmp_path: Path) -> None:
    roster = QualifiedRoster(header=sample_header(), rows=[])
    path = write(tmp_path, "empty.pdf", forms_pdf.render_qualified_roster(roster))
    text = text_of(path)
    assert "第 1 页 共 1 页" in text and "合计 0 人" in text and "以下空白" in text


# ------------------------------------------------------------------------------------------------
# 附表五 个人申报表


def test_application_form_is_one_portrait_page_with_every_field_and_the_photo(tmp_path: Path) -> None:
    form = sample_application()
    path = write(tmp_path, "application.pdf", forms_pdf.render_application_form(form))
    sizes = png_pages(path, tmp_path / "png")
    assert len(sizes) == 1
    width, height = sizes[0]
    assert height > width and abs(height / width - A4_RATIO) < 0.02
    text = text_of(path)
    assert "附表五" in text and forms_pdf.APPLICATION_TITLE in flat(text)
    for label in (
        "姓名",
        "性别",
        "出生日期",
        "民族",
        "身份证号",
        "文化程度",
        "联系电话",
        "通讯地址",
        "工作单位",
    ):
        assert label in flat(text), label
    for label in (
        "现职业资格等级",
        "从事本职业年限",
        "申报职业（工种）",
        "申报等级",
        "本人承诺",
        "申报人签字",
    ):
        assert label in text, label
    for value in (ABDULLAH, "维吾尔族", "650***********0017", "138****5678", "1992-03-07", "五级/初级工"):
        assert value in text, value
    assert "解放南路 88 号 3 单元 502 室" in text and "新疆特变电工股份有限公司机加工分厂" in text
    assert "6-18-01-01 车工" in text and "四级/中级工" in text and "2026年5月20日" in text
    assert "照片" not in text  # the photo is there, so no placeholder
    images = run("pdfimages", "-list", path).splitlines()[2:]
    assert len(images) == 1 and " jpeg " in images[0]
    assert_embedded_font(path)


def test_application_form_without_photo_shows_the_placeholder(tmp_path: Path) -> None:
    path = write(tmp_path, "nophoto.pdf", forms_pdf.render_application_form(sample_application(photo=False)))
    text = text_of(path)
    assert "照片" in text and "一寸免冠" in text
    assert run("pdfimages", "-list", path).splitlines()[2:] == []


def test_application_forms_batch_one_page_each(tmp_path: Path) -> None:
    forms = [sample_application(), sample_application(photo=False)]
    path = write(tmp_path, "batch.pdf", forms_pdf.render_application_forms(forms))
    assert len(png_pages(path, tmp_path / "png")) == 2
    assert "第 2 页 共 2 页" in text_of(path, 2)


# ------------------------------------------------------------------------------------------------
# 附表四 鉴定报告


def test_appraisal_report_counts_and_signature_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "report.pdf", forms_pdf.render_appraisal_report(sample_report()))
    sizes = png_pages(path, tmp_path / "png")
    assert len(sizes) == 1 and sizes[0][1] > sizes[0][0]
    text = text_of(path)
    assert "附表四" in text and forms_pdf.REPORT_TITLE in flat(text)
    for needle in ("报名人数", "实考人数", "合格人数", "合格率", "124", "120", "112", "93.3%"):
        assert needle in text, needle
    assert "机械工业职业技能鉴定南京汽轮电机集团鉴定站" in text and "49013001" in text
    assert f"张工、李建国、{ABDULLAH}" in text and "缺考 4 人" in text
    assert "填表人：" in text and "负责人：" in text and "单位盖章" in text and "2026年6月20日" in text
    assert "第 1 页 共 1 页" in text
    assert_embedded_font(path)


# ------------------------------------------------------------------------------------------------
# Determinism


def test_identical_input_gives_identical_bytes() -> None:
    assert forms_pdf.render_qualified_roster(sample_roster(50)) == forms_pdf.render_qualified_roster(
        sample_roster(50)
    )
    assert forms_pdf.render_application_form(sample_application()) == forms_pdf.render_application_form(
        sample_application()
    )
    assert forms_pdf.render_appraisal_report(sample_report()) == forms_pdf.render_appraisal_report(
        sample_report()
    )
    assert forms_pdf.render_qualified_roster(sample_roster(50)) != forms_pdf.render_qualified_roster(
        sample_roster(51)
    )


def test_identical_bytes_across_processes() -> None:
    """Another interpreter with another hash seed (set and dict order must not leak into the file)."""
    code = (
        "import sys; from skillcert.appraisal.tests.test_forms_pdf import sample_roster;"
        "from skillcert.appraisal.forms_pdf import render_qualified_roster;"
        "sys.stdout.buffer.write(render_qualified_roster(sample_roster(60, approval=True)))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    other = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=env).stdout
    assert other == forms_pdf.render_qualified_roster(sample_roster(60, approval=True))


# ------------------------------------------------------------------------------------------------
# Pictures for review


def test_screenshots_for_review() -> None:
    """One of each form at 80 dpi under var/screenshots/forms/, for people to look at (and the README)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    documents = {
        "appraisal-report": forms_pdf.render_appraisal_report(sample_report()),
        "application-form": forms_pdf.render_application_form(sample_application()),
        "qualified-roster": forms_pdf.render_qualified_roster(sample_roster()),
        "approval-form": forms_pdf.render_qualified_roster(sample_roster(30, approval=True)),
    }
    for name, data in documents.items():
        for old in SCREENSHOTS.glob(f"{name}-*.png"):
            old.unlink()
        path = SCREENSHOTS / f"{name}.pdf"
        path.write_bytes(data)
        run("pdftoppm", "-r", "80", "-png", path, SCREENSHOTS / name)
        path.unlink()
        assert sorted(SCREENSHOTS.glob(f"{name}-*.png"))
