"""Who may see and change partner records (object checks; lists are scoped in selectors)."""

import rules


@rules.predicate
def is_portal_admin(user) -> bool:
    return bool(user and user.is_active and user.is_superuser)


@rules.predicate
def is_partner_editor(user) -> bool:
    return bool(user and user.is_active and user.is_staff and user.has_perm("partners.change_partner"))


@rules.predicate
def is_public_partner(user, partner) -> bool:
    return partner is not None and partner.is_public


can_manage_partners = is_portal_admin | is_partner_editor


@rules.predicate
def is_member(user, partner) -> bool:
    """An active member of the organisation, in either role."""
    if partner is None or not user.is_authenticated:
        return False
    return partner.memberships.filter(user=user, status="active").exists()


@rules.predicate
def is_representative(user, partner) -> bool:
    if partner is None or not user.is_authenticated:
        return False
    return partner.memberships.filter(user=user, status="active", role="representative").exists()


@rules.predicate
def is_joinable_organisation(user, partner) -> bool:
    """A public organisation; the city's departments and municipalities are not joined through the portal."""
    return partner is not None and partner.is_public and partner.partner_type.kind == "organisation"


# Members see their organisation's page while it waits for the city to check and publish it.
rules.add_rule("partners.view_partner_page", is_public_partner | can_manage_partners | is_member)
rules.add_rule("partners.view_hidden_partners", can_manage_partners)
rules.add_rule("partners.view_private_contact", can_manage_partners)
rules.add_rule("partners.verify_partner", can_manage_partners)
rules.add_rule("partners.import_partners", can_manage_partners)
rules.add_rule("partners.export_partners", can_manage_partners)

rules.add_rule("partners.create_organisation", rules.is_authenticated & rules.is_active)
rules.add_rule("partners.request_membership", rules.is_authenticated & rules.is_active & is_joinable_organisation)
rules.add_rule("partners.act_for_organisation", is_member)
rules.add_rule("partners.manage_members", is_representative | can_manage_partners)
