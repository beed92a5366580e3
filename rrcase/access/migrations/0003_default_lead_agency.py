"""The default lead agency (settings.IMPORT_DEFAULT_LEAD_AGENCY, "probation"
unless configured) exists on every database after `migrate`, so the documented
`import_data` works on a fresh install: people.csv rows without a lead_agency
are given to it (docs/import.md). Created as `agency_create` would, with its
own group; like the role groups, it is set-up data and has no audit event.
Rename it in the admin. Nothing happens when the setting is empty or the
agency already exists."""

from django.conf import settings
from django.db import migrations

# Names for an agency code that is also an agency kind; any other code is
# named after itself and taken to be probation, the usual lead agency.
KIND_NAMES = {
    "police": "Police",
    "probation": "Probation Service",
    "council": "Council Community Safety",
    "housing": "Housing",
    "dwp": "Department for Work and Pensions",
    "drug_alcohol": "Drug and Alcohol Service",
    "health": "Health",
    "yos": "Youth Offending Service",
    "prison": "Prison",
    "vcs": "Voluntary and Community Sector",
}


def create_default_lead_agency(apps, schema_editor):
    code = (getattr(settings, "IMPORT_DEFAULT_LEAD_AGENCY", "") or "").strip()
    Agency = apps.get_model("access", "Agency")
    if not code or Agency.objects.filter(code=code).exists():
        return
    Group = apps.get_model("auth", "Group")
    name = KIND_NAMES.get(code, code)
    if Agency.objects.filter(name=name).exists():
        name = f"{name} ({code})"
    group, _ = Group.objects.get_or_create(name=f"agency:{code}")
    Agency.objects.create(
        code=code, name=name, kind=code if code in KIND_NAMES else "probation", group=group
    )


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0002_sharingrule"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        # Reversing leaves the agency: people and grants may point at it by then.
        migrations.RunPython(create_default_lead_agency, migrations.RunPython.noop),
    ]
