from django.urls import path

from codemonitor.reporting.page_views import page_urlpatterns
from codemonitor.stakeholders import views

app_name = "stakeholders"
urlpatterns = [
    path("", views.current, name="current"),
    path("round/<int:number>/", views.round_page, name="round"),
    path("round/<int:number>/start/", views.start, name="start"),
    path("round/<int:number>/link/", views.resend_link, name="resend_link"),
    path("r/<str:token>/", views.open_link, name="link"),
    *page_urlpatterns(views.PAGES, "report/<str:key>/"),
    path("report/<str:key>/review/", views.review, name="review"),
    path("report/<str:key>/submit/", views.submit, name="submit"),
    path("report/<str:key>/done/", views.done, name="done"),
    path("report/<str:key>/receipt.pdf", views.receipt, name="receipt"),
]
