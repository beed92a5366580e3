"""The reference data every deployment starts with: the resettlement pathways
(London's eight; drugs and alcohol as one pathway) and each one's catalogue of
specific needs. Loaded by migration 0002; afterwards system admins change it in
the Django admin (split drugs and alcohol, add needs, retire them).

Sources: the Reducing Re-offending Action Plan pathway tables in ../shared/seeds/
and current resettlement practice (CRS / HMPPS resettlement needs).
"""

from __future__ import annotations

from typing import Any

OTHER = ("other", "Other")

# (code, name, sensitivity, description, [(need code, need name), ...])
PATHWAYS: list[tuple[str, str, str, str, list[tuple[str, str]]]] = [
    ("accommodation", "Accommodation", "standard",
     "Somewhere settled and suitable to live: the base for engaging with everything else.",
     [("nfa", "No fixed abode"),
      ("rough_sleeping", "Rough sleeping"),
      ("temporary", "In temporary accommodation"),
      ("tenancy_at_risk", "Tenancy at risk"),
      ("rent_deposit", "Needs a rent deposit"),
      ("tenancy_suspend", "Tenancy to suspend during custody"),
      ("housing_register", "Needs a housing register application"),
      ("approved_premises", "Needs approved premises")]),
    ("ete", "Education, training and employment", "standard",
     "Work, learning and the skills to get them.",
     [("basic_skills", "Basic literacy and numeracy"),
      ("no_work_history", "Little or no work history"),
      ("training", "Needs training or a qualification"),
      ("job_search", "Needs help finding work"),
      ("disclosure", "Disclosing convictions to employers"),
      ("education", "Return to education")]),
    ("finance", "Finance, debt and benefits", "standard",
     "Money on release: identity, a bank account, benefits and debt.",
     [("no_id", "No ID documents"),
      ("no_bank_account", "No bank account"),
      ("benefits_claim", "Benefits claim needed"),
      ("debt", "Debt"),
      ("rent_arrears", "Rent arrears"),
      ("court_fines", "Court fines"),
      ("budgeting", "Budgeting and money management")]),
    ("health", "Health", "health",
     "Mental and physical health.",
     [("gp_registration", "Not registered with a GP"),
      ("mental_health", "Mental health"),
      ("physical_health", "Physical health condition"),
      ("dual_diagnosis", "Dual diagnosis"),
      ("learning_disability", "Learning disability or difficulty")]),
    ("drugs_alcohol", "Drugs and alcohol", "health",
     "Drug and alcohol misuse and treatment (one pathway here; split it in the admin if the "
     "partnership runs two).",
     [("opiates", "Opiate use"),
      ("crack_cocaine", "Crack or cocaine use"),
      ("other_drugs", "Other drug use"),
      ("alcohol", "Alcohol misuse"),
      ("prescribing_on_release", "Substitute prescribing on release"),
      ("aftercare", "Treatment aftercare")]),
    ("families", "Children, families and relationships", "standard",
     "Family contact, parenting and relationships, including domestic abuse.",
     [("family_contact", "Maintaining family contact"),
      ("parenting", "Parenting support"),
      ("childrens_services", "Children's social care involvement"),
      ("domestic_abuse_perpetrator", "Domestic abuse perpetrator"),
      ("domestic_abuse_victim", "Domestic abuse victim"),
      ("relationship_breakdown", "Relationship breakdown")]),
    ("attitudes", "Attitudes, thinking and behaviour", "standard",
     "Thinking skills, behaviour change and pro-social identity.",
     [("thinking_skills", "Thinking skills"),
      ("emotional_management", "Anger and emotional management"),
      ("criminal_associates", "Pro-criminal associates"),
      ("gang_exit", "Gang exit"),
      ("mentoring", "Needs a mentor"),
      ("victim_awareness", "Victim awareness")]),
    ("offender_management", "Offender management and programmes", "standard",
     "The London model's eighth pathway: sentence plan, programmes and licence.",
     [("accredited_programme", "Accredited programme"),
      ("sentence_plan", "Sentence plan"),
      ("licence_conditions", "Support with licence conditions"),
      ("unpaid_work", "Unpaid work")]),
]  # fmt: skip


def load(apps: Any, schema_editor: Any = None) -> None:
    """Create what is missing; never overwrites an admin's changes."""
    pathway_model = apps.get_model("pathways", "Pathway")
    need_type_model = apps.get_model("pathways", "NeedType")
    for position, (code, name, sensitivity, description, needs) in enumerate(PATHWAYS, 1):
        pathway, _ = pathway_model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "sensitivity": sensitivity,
                "description": description,
                "position": position,
            },
        )
        for need_position, (need_code, need_name) in enumerate([*needs, OTHER], 1):
            need_type_model.objects.get_or_create(
                pathway=pathway,
                code=need_code,
                defaults={
                    "name": need_name,
                    "position": need_position,
                    "is_other": need_code == OTHER[0],
                },
            )
