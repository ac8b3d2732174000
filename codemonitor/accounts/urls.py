from django.urls import path

from codemonitor.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/code/", views.code, name="code"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("two-factor/off/", views.two_factor_off, name="two_factor_off"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path(
        "api-tokens/<int:token_id>/revoke/",
        views.api_token_revoke_view,
        name="api_token_revoke",
    ),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/sent/", views.password_reset_sent, name="password_reset_sent"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password/reset/done/", views.password_reset_complete, name="password_reset_complete"),
]
