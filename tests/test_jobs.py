"""Jobs: in-process when no broker is set, on a real Celery worker over Redis when one is; progress is
kept on the job record and shown as a progress bar."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
from openpyxl import load_workbook

from skillcert.audit.models import AuditEntry
from skillcert.jobs.models import Job, JobStatus
from skillcert.jobs.services import run_job_now, start_job
from skillcert.people.models import Person


def _redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _drop_connection_pools(app: Any) -> None:
    """Celery caches its producer pool for the broker it first saw (here: none, eager mode); the
    worker test switches brokers inside one process, so the cached pools must go."""
    app.close()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db
def test_export_job_runs_in_process_with_progress(
    demo: dict[str, Any], django_capture_on_commit_callbacks: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(
            "people.export_xlsx", actor=demo["users"]["nj_admin"], organisation=demo["orgs"]["JS-NJ"]
        )
    job.refresh_from_db()
    expected = Person.objects.filter(organisation__path__startswith=demo["orgs"]["JS-NJ"].path).count()
    assert job.status == JobStatus.SUCCEEDED, job.errors
    assert (job.done, job.total, job.percent) == (expected, expected, 100)
    sheet = load_workbook(tmp_path / job.result["file"]).active
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "张伟" in names and "陈静" not in names
    assert AuditEntry.objects.filter(action="people.exported", job_id=str(job.pk), channel="job").exists()
    # idempotent: running a finished job again does nothing
    assert run_job_now(str(job.pk)).done == expected


@pytest.mark.django_db
def test_job_page_shows_progress_and_download(
    login: Any, demo: dict[str, Any], settings: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = login("nj_admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/manage/people/export-job/")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "<progress" in page and 'value="100"' in page
    job = Job.objects.get()
    download = client.get(f"/manage/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert login("sz001").get(f"/manage/jobs/{job.pk}/").status_code == 404  # scoped (X1)


@pytest.mark.django_db
def test_failing_job_records_bilingual_error(demo: dict[str, Any]) -> None:
    from skillcert.jobs.registry import job_kind, no_params

    @job_kind("tests.fails", permission="jobs.run", authorise=no_params)
    def _fails(job: Any, progress: Any) -> None:
        progress.total(3)
        progress.advance()
        progress.error("row 2", "name", "tests.bad", "姓名有误", "Bad name")
        raise RuntimeError("boom")

    job = Job.objects.create(kind="tests.fails", organisation=demo["orgs"]["JS"])
    job = run_job_now(str(job.pk))
    assert job.status == JobStatus.FAILED
    assert job.done == 1 and job.total == 3
    assert job.errors[0]["field"] == "name" and job.errors[-1]["code"] == "jobs.crashed"


@pytest.mark.django_db
def test_unknown_job_kind_is_refused_via_api(api: Any, demo: dict[str, Any]) -> None:
    response = api("nj_admin").post(
        "/api/v1/jobs/", {"kind": "nope", "organisation": demo["orgs"]["JS-NJ"].pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "kind"


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_job_runs_on_a_real_celery_worker_over_redis(settings: Any, tmp_path: Any) -> None:
    if not _redis_available():
        pytest.skip("no Redis server answers on 127.0.0.1:6379 (CI starts one)")
    from celery.contrib.testing.worker import start_worker

    from skillcert.catalog.seed import load_catalogs
    from skillcert.celery import app
    from skillcert.core.demo import load_demo
    from skillcert.orgs.models import Organisation

    load_catalogs()
    load_demo()
    settings.MEDIA_ROOT = tmp_path
    nanjing = Organisation.objects.get(code="JS-NJ")
    user = nanjing.memberships.get(role="cert_admin").user
    broker = "redis://127.0.0.1:6379/15"
    # broker_write_url is resolved (from broker_url) at first use, so all three are set.
    keys = ("broker_url", "broker_read_url", "broker_write_url", "task_always_eager")
    old = {key: app.conf.get(key) for key in keys}
    app.conf.update(
        broker_url=broker, broker_read_url=broker, broker_write_url=broker, task_always_eager=False
    )
    _drop_connection_pools(app)
    app.connection_for_write().default_channel.client.flushdb()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            job = start_job(
                "people.export_xlsx", actor=user, organisation=nanjing
            )  # commits; queued on commit
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                job.refresh_from_db()
                if job.status in {JobStatus.SUCCEEDED, JobStatus.FAILED}:
                    break
                time.sleep(0.2)
    finally:
        app.conf.update(old)
        _drop_connection_pools(app)
    assert job.status == JobStatus.SUCCEEDED, job.errors
    assert job.total == job.done == Person.objects.filter(organisation__path__startswith=nanjing.path).count()
    assert (tmp_path / job.result["file"]).exists()
    finished = AuditEntry.objects.get(action="jobs.job.finished", object_id=str(job.pk))
    assert finished.channel == "job" and finished.actor == user
