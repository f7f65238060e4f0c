from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "salesmesh.security"
    label = "security"
    verbose_name = _("Security")

    def ready(self) -> None:
        # Connected here rather than in the middleware so that every login,
        # including the test client's force_login, stamps the session before it
        # is first saved: the idle clock then never costs an extra write.
        from django.contrib.auth.signals import user_logged_in

        from salesmesh.security.sessions import stamp_at_login

        user_logged_in.connect(stamp_at_login, dispatch_uid="salesmesh.security.stamp_at_login")
