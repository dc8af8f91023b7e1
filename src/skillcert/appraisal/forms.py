"""Back-office forms for appraisal (R4.1, R4.4, R4.5, R0.3, R0.4). They only parse input; every rule is
checked by the services, whose bilingual errors (X6) are put next to the field they name."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from skillcert.appraisal.models import AppraisalSession
from skillcert.catalog.models import EducationLevel, Level, Occupation
from skillcert.core.errors import FieldError, SkillcertError
from skillcert.core.uploads import check_form_upload, read_upload, table_max_bytes
from skillcert.orgs.choices import OrgKind
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import org_filter
from skillcert.people.models import DocumentType, Gender

MAX_PHOTO_UPLOAD_BYTES = 2 * 1024 * 1024  # people.photo_spec.MAX_PHOTO_BYTES
MAX_ROWS = 200


def bilingual(err: FieldError | SkillcertError, *, with_record: bool = False) -> str:
    text = f"{err.message_zh} / {err.message_en}"
    record = getattr(err, "record", None)
    return f"{record}: {text}" if with_record and record else text


def apply_errors(
    form: forms.Form,
    exc: SkillcertError,
    field_map: dict[str, str] | None = None,
    *,
    rows: RowSet | None = None,
    list_name: str = "",
) -> None:
    """Show a service error on the form: row errors (`lines[2].level`) on their row of `rows`, each other
    FieldError next to the field it names (through `field_map` where the service's field name differs
    from the form's), the rest above the form, naming the record."""
    form.is_valid()  # a form must be cleaned before errors are added
    field_map = field_map or {}
    errors = rows.apply_errors(list_name, exc.errors) if rows is not None else list(exc.errors)
    for err in errors:
        target = field_map.get(err.field, err.field)
        if target in form.fields:
            form.add_error(target, bilingual(err))
        else:
            form.add_error(None, bilingual(err, with_record=True))
    if not exc.errors:
        form.add_error(None, bilingual(exc))


def level_choices() -> list[tuple[str, str]]:
    english = (get_language() or "").startswith("en")
    return [(str(lv.number), lv.name_en if english else str(lv)) for lv in Level.objects.order_by("-number")]


def planning_organisations(user: Any, stations_only: bool = False) -> Any:
    """Organisations where the user may plan (appraisal.plan), for the organisation drop-downs."""
    qs = Organisation.objects.filter(org_filter(user, None, "appraisal.plan"), active=True)
    if stations_only:
        qs = qs.filter(kind=OrgKind.STATION)
    return qs.order_by("path")


def _default_org(user: Any, queryset: Any) -> Any:
    own = queryset.filter(memberships__user=user).first()
    return own or (queryset.first() if queryset.count() == 1 else None)


class PageForm(forms.Form):
    """A form whose element ids carry `AUTO_ID`'s prefix (several forms share the session page)."""

    AUTO_ID = "id_%s"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", self.AUTO_ID)
        super().__init__(*args, **kwargs)


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        if (get_language() or "").startswith("en") and obj.name_en:
            return str(obj.name_en)
        return str(obj.name)


# --- repeated rows (plan lines, session subjects) ---------------------------------------------------


@dataclass(frozen=True)
class RowField:
    name: str
    label: Any
    kind: str = "text"  # text | occupation | level | number | checkbox


@dataclass
class Row:
    number: int  # 1-based, as shown; the inputs are named with `number - 1`
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    field_errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def index(self) -> int:
        return self.number - 1


_INDEXED = re.compile(r"^(?P<list>\w+)\[(?P<index>\d+)\](?:\.(?P<field>\w+))?$")


class RowSet:
    """A plain set of repeated input rows named `<prefix>-<n>-<field>`. Blank rows are ignored; the
    service gets the filled rows in order, so its `lines[3].level` maps back to the third filled row."""

    def __init__(
        self,
        prefix: str,
        fields: list[RowField],
        data: Any = None,
        initial: list[dict[str, Any]] | None = None,
        extra: int = 3,
        minimum: int = 5,
        names: dict[str, str] | None = None,
    ) -> None:
        self.prefix, self.fields = prefix, fields
        self.names = names or {}  # occupation code -> name, shown next to a filled code
        self.errors: list[str] = []
        if data is not None:
            try:
                count = int(data.get(f"{prefix}-rows", "0"))
            except ValueError:
                count = 0
            count = max(0, min(count, MAX_ROWS))
            self.rows = [
                Row(
                    i + 1,
                    {
                        f.name: ("on" if data.get(f"{prefix}-{i}-{f.name}") else "")
                        if f.kind == "checkbox"
                        else str(data.get(f"{prefix}-{i}-{f.name}", "")).strip()[:40]
                        for f in fields
                    },
                )
                for i in range(count)
            ]
            self.rows += [Row(i + 1, {f.name: "" for f in fields}) for i in range(count, max(count, minimum))]
        else:
            initial = initial or []
            self.rows = [
                Row(i + 1, {f.name: _text(item.get(f.name)) for f in fields})
                for i, item in enumerate(initial)
            ]
            total = max(minimum, len(self.rows) + extra)
            self.rows += [Row(i + 1, {f.name: "" for f in fields}) for i in range(len(self.rows), total)]

    @property
    def filled(self) -> list[Row]:
        """Rows with a value in any field but a checkbox (a ticked box alone does not make a row)."""
        keys = [f.name for f in self.fields if f.kind != "checkbox"]
        return [r for r in self.rows if any(r.values.get(k, "").strip() for k in keys)]

    def apply_errors(self, list_name: str, errors: list[FieldError]) -> list[FieldError]:
        """Attach `<list_name>[i]...` errors to rows; return the errors that are not about rows."""
        filled, rest = self.filled, []
        for err in errors:
            match = _INDEXED.match(err.field)
            if not match or match["list"] != list_name or not 1 <= int(match["index"]) <= len(filled):
                if err.field == list_name:
                    self.errors.append(bilingual(err))
                    continue
                rest.append(err)
                continue
            row = filled[int(match["index"]) - 1]
            if match["field"] and match["field"] in {f.name for f in self.fields}:
                row.field_errors.setdefault(match["field"], []).append(bilingual(err))
            else:
                row.errors.append(bilingual(err))
        return rest

    @property
    def table(self) -> list[tuple[Row, list[tuple[RowField, str, list[str], str]]]]:
        """Rows with their cells (field, value, errors, hint), for the template."""
        return [
            (
                r,
                [
                    (
                        f,
                        r.values.get(f.name, ""),
                        r.field_errors.get(f.name, []),
                        self.names.get(r.values.get(f.name, ""), "") if f.kind == "occupation" else "",
                    )
                    for f in self.fields
                ],
            )
            for r in self.rows
        ]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(r.errors or r.field_errors for r in self.rows)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    return str(value)


def as_int(value: str) -> Any:
    """An int when the text is one; otherwise the text, for the service to reject by name."""
    text = value.strip()
    return int(text) if text.isdigit() and len(text) < 10 else text


PLAN_LINE_FIELDS = [
    RowField("occupation", _("Occupation code"), "occupation"),
    RowField("level", _("Level"), "level"),
    RowField("planned_count", _("Planned count"), "number"),
]
SUBJECT_FIELDS = [
    RowField("occupation", _("Occupation code"), "occupation"),
    RowField("level", _("Level"), "level"),
    RowField("national_bank", _("National question bank"), "checkbox"),
]


def plan_lines(rows: RowSet) -> list[dict[str, Any]]:
    return [
        {
            "occupation": r.values["occupation"],
            "level": as_int(r.values["level"]),
            "planned_count": as_int(r.values["planned_count"]),
        }
        for r in rows.filled
    ]


def session_subjects(rows: RowSet) -> list[dict[str, Any]]:
    return [
        {
            "occupation": r.values["occupation"],
            "level": as_int(r.values["level"]),
            "national_bank": bool(r.values["national_bank"]),
        }
        for r in rows.filled
    ]


def occupation_options() -> list[tuple[str, str]]:
    """(code, name) of the active occupations, newest edition per code, for an input's datalist."""
    seen: dict[str, str] = {}
    for code, name in (
        Occupation.objects.filter(active=True).order_by("code", "-edition").values_list("code", "name")
    ):
        seen.setdefault(code, name)
    return list(seen.items())


# --- annual plans (R4.1) --------------------------------------------------------------------------


def default_plan_year() -> int:
    today = timezone.localdate()
    return today.year if (today.month, today.day) <= (2, 28) else today.year + 1


class PlanForm(forms.Form):
    organisation = OrganisationChoiceField(queryset=Organisation.objects.none(), label=_("Organisation"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queryset = planning_organisations(user)
        field_ = self.fields["organisation"]
        field_.queryset = queryset  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("year", default_plan_year())
            default = _default_org(user, queryset)
            if default is not None:
                self.initial.setdefault("organisation", default.pk)


class ReviewForm(PageForm):
    """Approve, or return / reject with a comment (the service requires the comment)."""

    AUTO_ID = "review_%s"

    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return"))])
    comment = forms.CharField(
        label=_("Comment"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"size": 40}),
    )


# --- sessions (R4.4) ------------------------------------------------------------------------------


class SessionForm(forms.Form):
    station = OrganisationChoiceField(queryset=Organisation.objects.none(), label=_("Appraisal station"))
    site = forms.CharField(
        label=_("Site"), max_length=200, required=False, widget=forms.TextInput(attrs={"size": 50})
    )
    exam_start = forms.DateField(label=_("First exam day"), widget=forms.DateInput(attrs={"type": "date"}))
    exam_end = forms.DateField(label=_("Last exam day"), widget=forms.DateInput(attrs={"type": "date"}))
    expected_candidates = forms.IntegerField(label=_("Expected candidates"), min_value=0, max_value=100_000)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queryset = planning_organisations(user, stations_only=True)
        self.fields["station"].queryset = queryset  # type: ignore[attr-defined]
        if not self.is_bound:
            default = _default_org(user, queryset)
            if default is not None:
                self.initial.setdefault("station", default.pk)


def subject_choices(session: AppraisalSession) -> list[tuple[str, str]]:
    english = (get_language() or "").startswith("en")
    choices = []
    for s in session.subjects.select_related("occupation", "level"):
        name = (s.occupation.name_en or s.occupation.name) if english else s.occupation.name
        level = s.level.name_en if english else str(s.level)
        choices.append((str(s.pk), f"{s.occupation.code} {name} · {level}"))
    return choices


class SubjectForm(PageForm):
    subject = forms.ChoiceField(label=_("Occupation and level"))

    def __init__(
        self, *args: Any, session: AppraisalSession, initial_subject: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.session = session
        subject_field: Any = self.fields["subject"]
        subject_field.choices = subject_choices(session)
        if initial_subject and not self.is_bound:
            self.initial["subject"] = initial_subject

    def chosen_subject(self) -> Any:
        return self.session.subjects.get(pk=self.cleaned_data["subject"])


class ManualEnrolForm(SubjectForm):
    """R0.4 fallback when no card can be read: typed data, validated by the service."""

    AUTO_ID = "manual_%s"

    name = forms.CharField(label=_("Name"), max_length=60)
    document_type = forms.ChoiceField(label=_("Document type"), choices=DocumentType.choices)
    document_number = forms.CharField(label=_("Document number"), max_length=40)
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", "—"), *Gender.choices], required=False)
    birth_date = forms.DateField(
        label=_("Birth date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    education = forms.ModelChoiceField(
        queryset=EducationLevel.objects.all(), label=_("Education"), required=False
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    work_unit = forms.CharField(label=_("Work unit"), max_length=100, required=False)
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("JPEG, 358×441 px, 350 dpi, blue or red background"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg"}),
    )

    # the service's field names that differ from the form's
    FIELD_MAP = {"person": "document_number", "photo": "photo"}

    def person_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "document_type": data["document_type"],
            "document_number": data["document_number"],
            "gender": data["gender"] or None,
            "birth_date": data["birth_date"],
            "education": data["education"],
            "phone": data["phone"],
        }

    def clean_photo(self) -> Any:
        return check_form_upload(self.cleaned_data.get("photo"), MAX_PHOTO_UPLOAD_BYTES)

    def photo_bytes(self) -> bytes | None:
        upload: UploadedFile | None = self.cleaned_data.get("photo")
        if not upload:
            return None
        # The service names an oversized photo precisely; one byte more than the limit is enough for it.
        return upload.read(MAX_PHOTO_UPLOAD_BYTES + 1)


class FileUploadForm(PageForm):
    AUTO_ID = "scores_%s"
    file = forms.FileField(
        label=_("File (XLSX or CSV)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"})
    )

    def content(self) -> tuple[bytes, str]:
        upload: UploadedFile = self.cleaned_data["file"]
        return read_upload(upload, table_max_bytes()), upload.name or "upload"

    def clean_file(self) -> Any:
        # SKILLCERT_UPLOAD_MAX_BYTES, as on the API (issue 13 item 4); 413 on the page (form_status)
        return check_form_upload(self.cleaned_data["file"], table_max_bytes())


class RosterImportForm(FileUploadForm):
    AUTO_ID = "roster_%s"
    accept_valid_rows = forms.BooleanField(label=_("Import only the valid rows"), required=False)


class ReportForm(PageForm):
    AUTO_ID = "report_%s"
    examiners = forms.CharField(
        label=_("Examiners"),
        max_length=300,
        required=False,
        help_text=_("Names separated by commas"),
        widget=forms.TextInput(attrs={"size": 50}),
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 50})
    )


# --- paper sets (R4.4) ----------------------------------------------------------------------------


class PaperUploadForm(forms.Form):
    organisation = OrganisationChoiceField(queryset=Organisation.objects.none(), label=_("Appraisal station"))
    occupation = forms.CharField(
        label=_("Occupation code"),
        max_length=10,
        widget=forms.TextInput(attrs={"list": "occupations", "placeholder": "6-18-01-01", "size": 12}),
    )
    level = forms.TypedChoiceField(label=_("Level"), coerce=int)
    label = forms.CharField(
        label=_("Set label"), max_length=60, required=False, widget=forms.TextInput(attrs={"size": 8})
    )
    file = forms.FileField(
        label=_("Paper file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.doc,.docx,.ofd,.zip"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queryset = planning_organisations(user, stations_only=True)
        self.fields["organisation"].queryset = queryset  # type: ignore[attr-defined]
        level_field: Any = self.fields["level"]
        level_field.choices = level_choices()
        if not self.is_bound:
            default = _default_org(user, queryset)
            if default is not None:
                self.initial.setdefault("organisation", default.pk)

    def clean_occupation(self) -> Occupation:
        code = self.cleaned_data["occupation"].strip()
        occupation = Occupation.objects.filter(code=code, active=True).order_by("-edition").first()
        if occupation is None:
            raise forms.ValidationError(_("Unknown occupation code %(code)s."), params={"code": code})
        return occupation

    def clean_file(self) -> Any:
        from skillcert.appraisal.services.papers import MAX_PAPER_BYTES

        return check_form_upload(self.cleaned_data["file"], MAX_PAPER_BYTES)

    def content(self, limit: int) -> tuple[bytes, str]:
        upload: UploadedFile = self.cleaned_data["file"]
        return upload.read(limit + 1), upload.name or "paper"
