"""Printers and their calibration (R0.2: pre-printed security paper needs per-printer offsets)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction

from skillcert.audit.services import log_action, snapshot
from skillcert.core.errors import Conflict, FieldError, ValidationFailed
from skillcert.orgs.models import Organisation
from skillcert.printing.insert import Calibration
from skillcert.printing.models import OFFSET_LIMIT_MM, SCALE_MAX, SCALE_MIN, Printer
from skillcert.printing.services.common import require

_FIELDS = ["organisation_id", "name", "offset_x_mm", "offset_y_mm", "scale", "active", "note"]


def _decimal(value: Any, field: str, places: str, record: str, errors: list[FieldError]) -> Decimal | None:
    try:
        number = Decimal(str(value).strip()).quantize(Decimal(places), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        errors.append(
            FieldError(
                field, "printing.printer.number", f"{value}不是数字", f"{value} is not a number", record
            )
        )
        return None
    if not number.is_finite():
        errors.append(FieldError(field, "printing.printer.number", "不是数字", "not a number", record))
        return None
    return number


def _clean(record: str, values: dict[str, Any]) -> dict[str, Any]:
    errors: list[FieldError] = []
    out: dict[str, Any] = {}
    if "name" in values:
        name = str(values["name"] or "").strip()
        if not name or len(name) > 60:
            errors.append(
                FieldError(
                    "name",
                    "printing.printer.name",
                    "打印机名称须为1–60个字符",
                    "The printer name must be 1–60 characters",
                    record,
                )
            )
        out["name"] = name
    for field in ("offset_x_mm", "offset_y_mm"):
        if field in values:
            number = _decimal(values[field], field, "0.01", record, errors)
            if number is not None and abs(number) > OFFSET_LIMIT_MM:
                errors.append(
                    FieldError(
                        field,
                        "printing.printer.offset_range",
                        f"偏移量须在±{OFFSET_LIMIT_MM}毫米以内",
                        f"The offset must be within ±{OFFSET_LIMIT_MM} mm",
                        record,
                    )
                )
            out[field] = number
    if "scale" in values:
        number = _decimal(values["scale"], "scale", "0.0001", record, errors)
        if number is not None and not SCALE_MIN <= number <= SCALE_MAX:
            errors.append(
                FieldError(
                    "scale",
                    "printing.printer.scale_range",
                    f"缩放比例须在{SCALE_MIN}–{SCALE_MAX}之间",
                    f"The scale must be between {SCALE_MIN} and {SCALE_MAX}",
                    record,
                )
            )
        out["scale"] = number
    if "active" in values:
        out["active"] = bool(values["active"])
    if "note" in values:
        out["note"] = str(values["note"] or "").strip()[:200]
    if errors:
        raise ValidationFailed.of(errors, record)
    return out


def _duplicate(name: str) -> Conflict:
    return Conflict(
        "printing.printer.duplicate", f"已有名为“{name}”的打印机", f"A printer named “{name}” already exists"
    )


def create_printer(organisation: Organisation, *, actor: Any, name: str, **values: Any) -> Printer:
    require(actor, organisation)
    fields = _clean(name or "printer", {"name": name, **values})
    try:
        with transaction.atomic():
            printer = Printer.objects.create(organisation=organisation, **fields)
            log_action("printing.printer.created", printer, actor=actor, after=snapshot(printer, _FIELDS))
    except IntegrityError as exc:
        raise _duplicate(fields["name"]) from exc
    return printer


def update_printer(printer: Printer, *, actor: Any, **values: Any) -> Printer:
    """Change a printer's name, calibration (offsets, scale), note or active flag."""
    require(actor, printer.organisation)
    fields = _clean(printer.name, values)
    try:
        with transaction.atomic():
            locked = Printer.objects.select_for_update().get(pk=printer.pk)
            before = snapshot(locked, _FIELDS)
            for key, value in fields.items():
                setattr(locked, key, value)
            locked.save()
            log_action(
                "printing.printer.updated",
                locked,
                actor=actor,
                before=before,
                after=snapshot(locked, _FIELDS),
            )
    except IntegrityError as exc:
        raise _duplicate(str(fields.get("name"))) from exc
    return locked


def calibration_from_measurements(
    current: Calibration, points: Sequence[tuple[tuple[float, float], tuple[float, float]]]
) -> Calibration:
    """The calibration that puts the calibration page's crosshairs where they belong.

    `points` are (nominal (x, y), measured (x, y)) pairs in mm from the sheet's top-left, measured on a
    calibration page printed with `current`. The printer's own error is modelled as
    measured = e + k · printed; with printed = o + s · nominal, the new calibration is s' = s / k and
    o' = (o − e') … solved per axis from two points far apart (k averaged over both axes, since the
    calibration has one scale); with a single point only the offsets change.
    """
    if not points:
        return current
    s, ox, oy = current.scale, current.offset_x_mm, current.offset_y_mm
    printed = [((ox + s * nx, oy + s * ny), (mx, my)) for (nx, ny), (mx, my) in points]
    ks: list[float] = []
    if len(printed) >= 2:
        (p1, m1), (p2, m2) = printed[0], printed[-1]
        for axis in (0, 1):
            if abs(p2[axis] - p1[axis]) > 50:
                ks.append((m2[axis] - m1[axis]) / (p2[axis] - p1[axis]))
    k = sum(ks) / len(ks) if ks else 1.0
    # measured = e + k · printed, per axis, e from the mean of the points
    ex = sum(m[0] - k * p[0] for p, m in printed) / len(printed)
    ey = sum(m[1] - k * p[1] for p, m in printed) / len(printed)
    # want: e + k · (o' + s' · n) = n  →  s' = 1 / k, o' = −e / k
    return Calibration(round(-ex / k, 2), round(-ey / k, 2), round(1 / k, 4))
