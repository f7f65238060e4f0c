"""WSGI entry point; production servers import ``application`` from here."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesmesh.config.settings.prod")
application = get_wsgi_application()

# After setup: the views and charts load now, not on the first visitors' requests.
from salesmesh.ops.warmup import warm_up  # noqa: E402

warm_up()
