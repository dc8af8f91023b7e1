"""Back-office publication pages, mounted at /manage/publication/ (namespace "publication")."""

from django.urls import path

from skillcert.publication import views

app_name = "publication"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("submit/", views.submit, name="submit"),
    path("compile/", views.compile_round, name="compile"),
    path("freeze/", views.freeze, name="freeze"),
    path("history/", views.history, name="history"),
    path("backups/", views.backup_list, name="backups"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/sign/", views.sign_batch, name="sign-batch"),
    path("releases/<int:pk>/", views.release_detail, name="release"),
    path("releases/<int:pk>/sign/", views.sign_release, name="sign-release"),
    path("releases/<int:pk>/publish/", views.publish, name="publish"),
]
