from django.urls import path

from codemonitor.national import views
from codemonitor.registers import views as registers

app_name = "national"
urlpatterns = [
    path("", views.home, name="home"),
    path("contributors/", views.contributors, name="contributors"),
    path("authority/", registers.own_entry, name="authority"),
    path("contributors/<int:user_id>/remove/", views.contributor_remove, name="contributor_remove"),
    path("reports/<str:key>/page/<int:number>/", views.page, name="page"),
    path("reports/<str:key>/autosave/", views.autosave, name="autosave"),
    path("reports/<str:key>/rows/", views.rows, name="rows"),
    path("reports/<str:key>/upload/", views.upload, name="upload"),
    path("reports/<str:key>/documents/<int:document_id>/", views.document, name="document"),
    path(
        "reports/<str:key>/documents/<int:document_id>/remove/",
        views.document_delete,
        name="document_remove",
    ),
    path("reports/<str:key>/review/", views.review, name="review"),
    path("reports/<str:key>/submit/", views.submit, name="submit"),
    path("reports/<str:key>/history/", views.history, name="history"),
    path("reports/<str:key>/report.pdf", views.printout, name="print"),
    path("reports/<str:key>/blank.pdf", views.blank, name="blank"),
]
