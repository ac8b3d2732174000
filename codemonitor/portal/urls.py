from django.urls import path

from codemonitor.portal import code, documents, opendata, published, search, views

app_name = "portal"
urlpatterns = [
    path("recruiters/", views.recruiter_lookup_view, name="recruiters"),
    # What the Code is.
    path("code/", code.code_page, name="code"),
    # What is published after the embargo (publication.public decides).
    path("rounds/", published.rounds, name="rounds"),
    path("rounds/<int:number>/", published.round_page, name="round"),
    path("rounds/<int:number>/report/", documents.round_report_html, name="round_report"),
    path("rounds/<int:number>/report.pdf", documents.round_report_pdf, name="round_report_pdf"),
    # A published round's open data (publication.opendata, public scope).
    path("rounds/<int:number>/data/", opendata.round_data, name="round_data"),
    path("rounds/<int:number>/data/<str:filename>", opendata.round_file, name="round_file"),
    path("rounds/<int:number>/codebook/", opendata.codebook_page, name="codebook"),
    path(
        "rounds/<int:number>/codebook.<str:file_format>",
        opendata.codebook_file,
        name="codebook_file",
    ),
    path("reports/<int:report_id>/", published.report_page, name="report"),
    path("reports/<int:report_id>.pdf", documents.report_pdf, name="report_pdf"),
    path("countries/<str:iso3>/", published.country_page, name="country"),
    path("search/", search.search, name="search"),
]
