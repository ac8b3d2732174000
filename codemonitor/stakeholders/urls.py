from django.urls import path

from codemonitor.stakeholders import views

app_name = "stakeholders"
urlpatterns = [
    path("", views.current, name="current"),
    path("round/<int:number>/", views.round_page, name="round"),
    path("round/<int:number>/start/", views.start, name="start"),
    path("round/<int:number>/link/", views.resend_link, name="resend_link"),
    path("r/<str:token>/", views.open_link, name="link"),
    path("report/<str:key>/page/<int:number>/", views.page, name="page"),
    path("report/<str:key>/autosave/", views.autosave, name="autosave"),
    path("report/<str:key>/rows/", views.rows, name="rows"),
    path("report/<str:key>/upload/", views.upload, name="upload"),
    path("report/<str:key>/documents/<int:document_id>/", views.document, name="document"),
    path(
        "report/<str:key>/documents/<int:document_id>/remove/",
        views.document_delete,
        name="document_remove",
    ),
    path("report/<str:key>/review/", views.review, name="review"),
    path("report/<str:key>/submit/", views.submit, name="submit"),
    path("report/<str:key>/done/", views.done, name="done"),
    path("report/<str:key>/receipt.pdf", views.receipt, name="receipt"),
]
