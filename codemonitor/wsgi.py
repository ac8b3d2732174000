"""WSGI entry point (gunicorn codemonitor.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "codemonitor.settings")
application = get_wsgi_application()
