from django.urls import path

from codemonitor.stakeholders import views

app_name = "stakeholders"
urlpatterns = [
    path("", views.current, name="current"),
    path("round/<int:number>/", views.round_page, name="round"),
    path("round/<int:number>/start/", views.start, name="start"),
    path("round/<int:number>/link/", views.resend_link, name="resend_link"),
    path("r/<str:token>/", views.open_link, name="link"),
    path("report/<str:report_uuid>/page/<int:number>/", views.page, name="page"),
    path("report/<str:report_uuid>/autosave/", views.autosave, name="autosave"),
    path("report/<str:report_uuid>/rows/", views.rows, name="rows"),
    path("report/<str:report_uuid>/upload/", views.upload, name="upload"),
    path("report/<str:report_uuid>/documents/<int:document_id>/", views.document, name="document"),
    path(
        "report/<str:report_uuid>/documents/<int:document_id>/remove/",
        views.document_delete,
        name="document_remove",
    ),
    path("report/<str:report_uuid>/review/", views.review, name="review"),
    path("report/<str:report_uuid>/submit/", views.submit, name="submit"),
    path("report/<str:report_uuid>/done/", views.done, name="done"),
    path("report/<str:report_uuid>/receipt.pdf", views.receipt, name="receipt"),
]
