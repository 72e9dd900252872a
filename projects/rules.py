"""Who may see and change projects: administrators everything, staff the projects of their departments."""

import rules

from partners.models import departments_served_by


@rules.predicate
def is_project_admin(user) -> bool:
    return bool(
        user and user.is_active and (user.is_superuser or (user.is_staff and user.has_perm("projects.change_project")))
    )


@rules.predicate
def is_city_staff(user) -> bool:
    return bool(user and user.is_active and user.is_authenticated and user.staff_assignments.exists())


@rules.predicate
def is_responsible_officer(user, project) -> bool:
    """Staff of the project's responsible department or of a department above it (a ward office, a bureau)."""
    if project is None or not project.responsible_department_id:
        return False
    return departments_served_by(user).filter(pk=project.responsible_department_id).exists()


@rules.predicate
def is_published(user, project) -> bool:
    return project is not None and project.is_published


can_manage_project = is_project_admin | is_responsible_officer

rules.add_rule("projects.view_project_page", is_published | can_manage_project)
rules.add_rule("projects.manage_projects", is_project_admin | is_city_staff)
rules.add_rule("projects.create_project", is_project_admin | is_city_staff)
rules.add_rule("projects.edit_project", can_manage_project)
rules.add_rule("projects.publish_project", can_manage_project)
