"""Airflow's SimpleAuthManager, except that the user "restricted" may not touch DAG "ui_secret".

SimpleAuthManager grants by role only; per-DAG permissions need an auth manager that has them,
as FAB or Keycloak do. This one answers through the same ``is_authorized_dag`` hook they implement.
"""

from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager

RESTRICTED_USER, SECRET_DAG = "restricted", "ui_secret"


class RestrictedAuthManager(SimpleAuthManager):
    def is_authorized_dag(self, *, method, user, access_entity=None, details=None):
        if user.get_name() == RESTRICTED_USER and details is not None and details.id == SECRET_DAG:
            return False
        return super().is_authorized_dag(method=method, user=user, access_entity=access_entity, details=details)
