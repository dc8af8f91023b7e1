from django.apps import AppConfig


class AppraisalConfig(AppConfig):
    name = "skillcert.appraisal"
    label = "appraisal"
