"""Jobs authorise every object their params name, for the job's actor (issue 13 item 1, X1, X7).

The outside review: as nj005, `POST /api/v1/jobs/ {"kind": "printing.render", "organisation": <own>,
"params": {"print_job": <nj003's>}}` answered 201 and the download gave nj003's inserts with full ID
numbers; the same across cities. These tests go through the doors that attack used."""

from __future__ import annotations

from typing import Any

import pytest

from skillcert.blanks.tests.helpers import stock
from skillcert.core.errors import NotFound, NotPermitted
from skillcert.jobs.models import Job, JobStatus
from skillcert.jobs.registry import get_kind, kinds
from skillcert.jobs.services import run_job_now, start_job
from skillcert.printing.models import PrintJob
from skillcert.printing.services import jobs as print_jobs
from skillcert.printing.tests.helpers import issue_with_photos

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def nj003_print_job(demo: dict[str, Any], django_capture_on_commit_callbacks: Any) -> PrintJob:
    stock(demo, first=1, last=100, to_city=50)
    certs = issue_with_photos(demo, 2)
    with django_capture_on_commit_callbacks(execute=True):
        [job] = print_jobs.create_print_jobs(
            organisation=demo["orgs"]["ST-10012003"],
            certificates=[c.pk for c in certs],
            actor=demo["users"]["nj003"],
        )
    job.refresh_from_db()
    assert job.file  # rendered: the PDF with full ID numbers exists
    return job


@pytest.mark.parametrize(("attacker", "station"), [("nj005", "ST-10012005"), ("sz001", "ST-10052001")])
def test_jobs_api_cannot_render_another_stations_print_job(
    api: Any,
    demo: dict[str, Any],
    nj003_print_job: PrintJob,
    attacker: str,
    station: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = api(attacker)
    body = {
        "kind": "printing.render",
        "organisation": demo["orgs"][station].pk,
        "params": {"print_job": nj003_print_job.pk},
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/jobs/", body, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "kind"
    assert not Job.objects.filter(created_by=demo["users"][attacker]).exists()


@pytest.mark.parametrize(("attacker", "station"), [("nj005", "ST-10012005"), ("sz001", "ST-10052001")])
def test_render_kind_itself_refuses_a_print_job_out_of_scope(
    demo: dict[str, Any], nj003_print_job: PrintJob, attacker: str, station: str
) -> None:
    """The job kind authorises, not only the door: a service calling start_job is refused too."""
    with pytest.raises(NotFound) as refused:
        start_job(
            "printing.render",
            actor=demo["users"][attacker],
            organisation=demo["orgs"][station],
            params={"print_job": nj003_print_job.pk},
        )
    assert refused.value.code == "jobs.params.not_found"


def test_a_job_row_written_around_start_job_fails_before_it_runs(
    client: Any, demo: dict[str, Any], nj003_print_job: PrintJob, login: Any
) -> None:
    """Params checked again at run time for the job's actor: a job recorded with crafted params (as by
    a bug elsewhere) fails without rendering, and has no file to download."""
    job = Job.objects.create(
        kind="printing.render",
        params={"print_job": nj003_print_job.pk},
        organisation=demo["orgs"]["ST-10012005"],
        created_by=demo["users"]["nj005"],
    )
    job = run_job_now(str(job.pk))
    assert job.status == JobStatus.FAILED
    assert job.errors[-1]["code"] == "jobs.params.not_found"
    assert login("nj005").get(f"/manage/jobs/{job.pk}/download/").status_code == 404


def test_run_time_check_follows_a_withdrawn_role(demo: dict[str, Any], nj003_print_job: PrintJob) -> None:
    operator = demo["users"]["nj003"]
    job = Job.objects.create(
        kind="printing.render",
        params={"print_job": nj003_print_job.pk},
        organisation=demo["orgs"]["ST-10012003"],
        created_by=operator,
    )
    operator.memberships.all().delete()
    job = run_job_now(str(job.pk))
    assert job.status == JobStatus.FAILED and job.errors[-1]["code"] == "auth.not_permitted"


def test_download_needs_the_kinds_permission_not_only_the_job(
    demo: dict[str, Any], nj003_print_job: PrintJob, login: Any
) -> None:
    """The render job of nj003's print job is visible to Nanjing staff who hold jobs.view; only those
    who may print there get its PDF."""
    render = Job.objects.get(kind="printing.render", params__print_job=nj003_print_job.pk)
    assert render.status == JobStatus.SUCCEEDED
    assert login("nj003").get(f"/manage/jobs/{render.pk}/download/").status_code == 200
    assert login("nj005").get(f"/manage/jobs/{render.pk}/download/").status_code == 404
    assert login("sz001").get(f"/manage/jobs/{render.pk}/download/").status_code == 404


def test_export_job_refuses_an_organisation_filter_outside_the_job(api: Any, demo: dict[str, Any]) -> None:
    response = api("nj_admin").post(
        "/api/v1/jobs/",
        {
            "kind": "people.export_xlsx",
            "organisation": demo["orgs"]["JS-NJ"].pk,
            "params": {"organisation": demo["orgs"]["ST-10052001"].pk},  # a Suzhou station
        },
        format="json",
    )
    assert response.status_code == 404, response.content
    assert response.json()["code"] == "jobs.params.not_found"
    unknown = api("nj_admin").post(
        "/api/v1/jobs/",
        {"kind": "people.export_xlsx", "organisation": demo["orgs"]["JS-NJ"].pk, "params": {"path": "/"}},
        format="json",
    )
    assert unknown.status_code == 400 and unknown.json()["code"] == "jobs.params.unexpected"


def test_backup_job_refuses_a_release_of_another_province(demo: dict[str, Any]) -> None:
    import datetime

    from django.utils import timezone

    from skillcert.publication.models import Release

    other = demo["orgs"]["IND-49"]  # the machinery industry centre, not Jiangsu's
    day = datetime.date(2026, 12, 15)
    release = Release.objects.create(
        organisation=other,
        period="2026-12A",
        data_start=day,
        data_end=day,
        publication_date=day,
        compiled_at=timezone.now(),
    )
    with pytest.raises(NotFound):  # js_leader is Jiangsu's network administrator
        start_job(
            "publication.backup",
            actor=demo["users"]["js_leader"],
            organisation=demo["orgs"]["JS"],
            params={"release": release.pk},
        )
    with pytest.raises(NotPermitted):  # and no backup at the industry centre at all
        start_job(
            "publication.backup",
            actor=demo["users"]["js_leader"],
            organisation=other,
            params={"release": release.pk},
        )


def test_every_kind_authorises_and_internal_kinds_are_not_offered() -> None:
    for name in kinds():
        kind = get_kind(name)
        assert kind is not None and callable(kind.authorise), name
    offered = set(kinds(api_only=True))
    assert "printing.render" not in offered and "exchange.import_certificates" not in offered
    assert "people.export_xlsx" in offered


def test_backoffice_export_with_another_stations_organisation_filter_is_a_404(
    client: Any, demo: dict[str, Any]
) -> None:
    """The people page's export button passes the list's filters on: another station's organisation as
    the filter answered 500 (the job's refusal was not handled); now 404 like the API, and no job."""
    victim = demo["orgs"]["ST-10012003"].pk
    client.force_login(demo["users"]["nj005"])
    response = client.post(f"/manage/people/export-job/?organisation={victim}")
    assert response.status_code == 404
    assert not Job.objects.filter(created_by=demo["users"]["nj005"]).exists()
    client.force_login(demo["users"]["nj003"])
    own = client.post(f"/manage/people/export-job/?organisation={victim}")
    assert own.status_code == 302
    assert Job.objects.get(created_by=demo["users"]["nj003"]).params == {"organisation": str(victim)}
