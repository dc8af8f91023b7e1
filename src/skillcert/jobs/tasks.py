from celery import shared_task

from skillcert.jobs.services import run_job_now


@shared_task(name="skillcert.run_job", ignore_result=True)
def run_job(job_id: str) -> None:
    run_job_now(job_id)
