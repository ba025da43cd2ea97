"""WSGI entry point for production servers (gunicorn, used by ``figtrail serve``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "figtrail.server.settings")
application = get_wsgi_application()
