"""Administrators make someone city staff — an officer or an approver of a department — on the user's page."""

from partners.models import StaffAssignment
from tests.factories import AdminFactory, UserFactory


def test_the_user_page_assigns_officers_and_approvers(client, departments):
    client.force_login(AdminFactory())
    person = UserFactory()
    StaffAssignment.objects.create(
        user=person, department=departments["中原区役所"], role=StaffAssignment.Role.APPROVER
    )
    page = client.get(f"/admin/accounts/user/{person.pk}/change/").content.decode()
    assert 'name="staff_assignments-TOTAL_FORMS"' in page
    assert 'value="approver" selected' in page
    assert 'value="officer"' in page
