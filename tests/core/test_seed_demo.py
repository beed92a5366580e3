import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from rrcase.access.models import Agency, AgencyKind, Membership

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_every_agency_kind_and_persona_once(capsys):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    assert set(Agency.objects.values_list("kind", flat=True)) == set(AgencyKind.values)
    assert Agency.objects.count() == 10
    users = get_user_model().objects.all()
    assert users.count() == 9
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {
        "practitioner",
        "panel_chair",
        "analyst",
        "agency_admin",
        "information_governance",
        "system_admin",
    }
    assert not users.filter(is_superuser=True).exists()


def test_demo_logins_prints_every_persona(capsys):
    call_command("seed_demo")
    call_command("demo_logins")
    out = capsys.readouterr().out
    assert "northbridge-demo-2026" in out
    for username in ["probation", "police", "housing", "chair", "analyst", "dpo", "sysadmin"]:
        assert f"  {username} " in out


def test_seed_demo_refuses_where_demo_data_is_not_allowed(settings):
    from django.core.management.base import CommandError

    settings.DEMO_DATA_ALLOWED = False
    before = Agency.objects.count()  # the default lead agency `migrate` made, if any
    with pytest.raises(CommandError, match="not allowed"):
        call_command("seed_demo")
    assert Agency.objects.count() == before
