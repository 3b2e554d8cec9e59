import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_local_admin_is_created_once_with_a_random_password(capsys):
    call_command("ensure_local_admin")
    first = capsys.readouterr().out
    user = get_user_model().objects.get(is_superuser=True)
    password = first.split("with password '")[1].split("'")[0]
    assert len(password) >= 16
    assert user.check_password(password)

    call_command("ensure_local_admin")
    assert "exists already" in capsys.readouterr().out
    assert get_user_model().objects.count() == 1


def test_two_fresh_databases_get_different_passwords(capsys):
    call_command("ensure_local_admin")
    first = capsys.readouterr().out
    get_user_model().objects.all().delete()
    call_command("ensure_local_admin")
    assert capsys.readouterr().out != first
