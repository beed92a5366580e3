"""The default unit costs of crime (DOMAIN.md "iom_impact"): Home Office
2003/04 figures, Dubourg & Hamed, Home Office Online Report 30/05, 2003 prices.

Categories with no published figure here (drugs, public order, weapons, fraud,
motoring, other) get no row: reports list them as uncosted."""

from decimal import Decimal

from django.db import migrations

NAME = "Home Office 2003/04"
SOURCE = (
    "Dubourg R. and Hamed J., The economic and social costs of crime against "
    "individuals and households 2003/04, Home Office Online Report 30/05 (2005). 2003 prices."
)
VIOLENCE = "Violence against the person excluding common assault"
THEFT = "Theft"
COSTS = [
    ("violence_with_injury", "10407", VIOLENCE),
    ("homicide", "10407", VIOLENCE + " (until a homicide figure is loaded)"),
    ("violence_without_injury", "1440", "Common assault"),
    ("sexual_offence", "31438", "Sexual offences"),
    ("robbery", "7282", "Robbery"),
    ("domestic_burglary", "3268", "Burglary in a dwelling"),
    ("non_domestic_burglary", "844", THEFT + " (until a better figure is loaded)"),
    ("vehicle_theft", "844", THEFT),
    ("theft_from_vehicle", "844", THEFT),
    ("theft_from_person", "844", THEFT),
    ("shoplifting", "844", THEFT),
    ("other_theft", "844", THEFT),
    ("criminal_damage", "866", "Criminal damage"),
    ("arson", "866", "Criminal damage"),
]


def load(apps, schema_editor):
    UnitCostTable = apps.get_model("reporting", "UnitCostTable")
    UnitCost = apps.get_model("reporting", "UnitCost")
    table, _created = UnitCostTable.objects.get_or_create(
        name=NAME,
        defaults={
            "price_year": 2003,
            "source": SOURCE,
            "is_default": not UnitCostTable.objects.filter(is_default=True).exists(),
        },
    )
    for category, cost, note in COSTS:
        UnitCost.objects.get_or_create(
            table=table, category=category, defaults={"cost": Decimal(cost), "note": note}
        )


def unload(apps, schema_editor):
    apps.get_model("reporting", "UnitCostTable").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
