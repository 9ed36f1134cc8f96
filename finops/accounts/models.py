from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A person who signs in. Roles are groups; entity access is per-object (django-guardian)."""

    def __str__(self) -> str:
        return self.get_full_name() or self.username
