"""External evaluation (外部評価): who may do what (roles × actions), which projects a cycle covers, one
comment per project and member, no change after publication, the public list and the project's comments,
bad input, the mail to a new member, the audit trail and the number of queries of each page.

The expectations come from evaluations/rules.py written out as sets of roles: the cycle's managers are the
officers of 中原区役所 (or above it) and administrators; its external members comment; staff of another
ward, an approver (who is not an officer), a member of another cycle and a citizen are outsiders, who get
404 for the cycle's pages (403 where a page exists for them but the act is not theirs).
"""

import pytest
from django.contrib.admin.models import LogEntry
from django.utils.html import escape
from django.utils.translation import gettext, override

from accounts.models import Notification
from evaluations import external
from evaluations.models import ExternalComment, ExternalReviewCycle
from partners.models import StaffAssignment
from tests.evaluations.conftest import published_round
from tests.factories import ProjectFactory, StaffAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db

TITLE = "令和6・7年度 中原区協働事業 外部評価"


def ja(message: str) -> str:
    """The text a message is shown as (the Japanese once the catalogue has it)."""
    with override("ja"):
        return gettext(message)


def on_page(message: str, response) -> bool:
    return escape(ja(message)) in response.content.decode()


@pytest.fixture
def nakahara(departments):
    return departments["中原区役所"]


@pytest.fixture
def cycle(nakahara, officer) -> ExternalReviewCycle:
    return external.cycle_create(
        user=officer, department=nakahara, title=TITLE, fiscal_year_start=2024, fiscal_year_end=2025
    )


@pytest.fixture
def evaluator(cycle, officer):
    """An external member of the cycle (外部評価委員), added as the staff do."""
    user = UserFactory(display_name="外部 評価子", email="hyoka@example.jp")
    external.cycle_member_add(cycle=cycle, user=officer, email=user.email)
    return user


@pytest.fixture
def tama_officer(departments, officer_of):
    return officer_of(departments["多摩区役所"], display_name="多摩区役所の職員")


@pytest.fixture
def approver(departments):
    return StaffAssignmentFactory(
        department=departments["中原区役所"],
        role=StaffAssignment.Role.APPROVER,
        user=UserFactory(display_name="中原区役所の決裁者"),
    ).user


@pytest.fixture
def other_cycle(departments, tama_officer) -> ExternalReviewCycle:
    return external.cycle_create(
        user=tama_officer,
        department=departments["多摩区役所"],
        title="多摩区 外部評価",
        fiscal_year_start=2024,
        fiscal_year_end=2025,
    )


@pytest.fixture
def other_evaluator(other_cycle, tama_officer):
    user = UserFactory(display_name="多摩区の委員")
    external.cycle_member_add(cycle=other_cycle, user=tama_officer, email=user.email)
    return user


def comment(cycle, project, user, body="地域の居場所として定着している。"):
    return external.external_comment_save(cycle=cycle, project=project, user=user, body=body)


# ----------------------------------------------------------------------------------------------------------
# Roles × actions

ROLES = ("anonymous", "citizen", "evaluator", "other_evaluator", "officer", "tama_officer", "approver", "admin")
MANAGERS = {"officer", "admin"}  # evaluations.manage_cycle
MEMBERS = {"evaluator"}  # evaluations.comment_in_cycle
VIEWERS = MANAGERS | MEMBERS  # evaluations.view_cycle
CITY_STAFF = {"officer", "tama_officer", "approver", "admin"}  # evaluations.create_cycle
EVERYONE = set(ROLES)


@pytest.fixture
def people(citizen, evaluator, other_evaluator, officer, tama_officer, approver, admin_user):
    return {
        "anonymous": None,
        "citizen": citizen,
        "evaluator": evaluator,
        "other_evaluator": other_evaluator,
        "officer": officer,
        "tama_officer": tama_officer,
        "approver": approver,
        "admin": admin_user,
    }


def _outcome(response) -> str | int:
    if response.status_code == 302:
        return "login" if response.url.startswith("/accounts/login/") else "done"
    return response.status_code


def _expected(role: str, allowed: set[str], visible: set[str] | None = None) -> str | int:
    """Allowed: done (or 200 for a page); seen but not allowed: 403; not seen: 404; anonymous: the login."""
    if role == "anonymous":
        return "login"
    if role in allowed:
        return "allowed"
    return 403 if visible is not None and role in visible else 404


def _create(client, ctx):
    data = {
        "department": ctx["nakahara"].pk,
        "title": "新しい外部評価",
        "fiscal_year_start": 2025,
        "fiscal_year_end": 2026,
    }
    response = client.post("/evaluations/external/manage/", data)
    return response, ExternalReviewCycle.objects.filter(title="新しい外部評価").exists()


def _add_member(client, ctx):
    newcomer = UserFactory(email="newcomer@example.jp")
    response = client.post(
        f"/evaluations/external/{ctx['cycle'].pk}/members/", {"action": "add", "email": "newcomer@example.jp"}
    )
    return response, ctx["cycle"].members.filter(pk=newcomer.pk).exists()


def _remove_member(client, ctx):
    leaving = UserFactory()
    ctx["cycle"].members.add(leaving)
    response = client.post(
        f"/evaluations/external/{ctx['cycle'].pk}/members/", {"action": "remove", "member": leaving.pk}
    )
    return response, not ctx["cycle"].members.filter(pk=leaving.pk).exists()


def _comment(client, ctx):
    url = f"/evaluations/external/{ctx['cycle'].pk}/projects/{ctx['project'].pk}/comment/"
    response = client.post(url, {"body": "新しいコメント"})
    return response, ExternalComment.objects.filter(body="新しいコメント").exists()


def _edit_comment(client, ctx):
    comment(ctx["cycle"], ctx["project"], ctx["evaluator"], body="最初のコメント")
    url = f"/evaluations/external/{ctx['cycle'].pk}/projects/{ctx['project'].pk}/comment/"
    response = client.post(url, {"body": "書き直したコメント"})
    return response, ExternalComment.objects.filter(body="書き直したコメント").exists()


def _publish(client, ctx):
    comment(ctx["cycle"], ctx["project"], ctx["evaluator"])
    response = client.post(f"/evaluations/external/{ctx['cycle'].pk}/publish/")
    ctx["cycle"].refresh_from_db()
    return response, ctx["cycle"].published_at is not None


def _unpublish(client, ctx):
    comment(ctx["cycle"], ctx["project"], ctx["evaluator"])
    external.cycle_publish(cycle=ctx["cycle"], user=ctx["officer"])
    response = client.post(f"/evaluations/external/{ctx['cycle'].pk}/unpublish/", {"reason": "誤字を直すため"})
    ctx["cycle"].refresh_from_db()
    return response, ctx["cycle"].published_at is None


ACTIONS = {
    # action: (what it does, who may, who reaches the page and is refused with 403; the others get 404)
    "create": (_create, MANAGERS, EVERYONE),
    "add_member": (_add_member, MANAGERS, MEMBERS),
    "remove_member": (_remove_member, MANAGERS, MEMBERS),
    "comment": (_comment, MEMBERS, MANAGERS),
    "edit_comment": (_edit_comment, MEMBERS, MANAGERS),
    "publish": (_publish, MANAGERS, MEMBERS),
    "unpublish": (_unpublish, MANAGERS, MEMBERS),
}


@pytest.mark.parametrize("role", ROLES)
def test_who_opens_each_page(role, people, cycle, client_for):
    client = client_for(people[role])
    got = {
        "manage_list": _outcome(client.get("/evaluations/external/manage/")),
        "cycle": _outcome(client.get(f"/evaluations/external/{cycle.pk}/")),
        "members": _outcome(client.get(f"/evaluations/external/{cycle.pk}/members/")),
        "public_list": _outcome(client.get("/evaluations/external/")),
    }
    expected = {
        "manage_list": _expected(role, CITY_STAFF, EVERYONE),  # a page of its own, not of a cycle: 403
        "cycle": _expected(role, VIEWERS),
        "members": _expected(role, MANAGERS, VIEWERS),
        "public_list": "allowed",
    }
    expected = {page: 200 if value == "allowed" else value for page, value in expected.items()}
    assert got == expected


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_who_does_each_action(role, action, people, cycle, project, officer, evaluator, nakahara, client_for):
    do, allowed, refused_visibly = ACTIONS[action]
    ctx = {"cycle": cycle, "project": project, "officer": officer, "evaluator": evaluator, "nakahara": nakahara}
    response, done = do(client_for(people[role]), ctx)
    expected = _expected(role, allowed, refused_visibly)
    if action == "create" and role in CITY_STAFF - MANAGERS:
        expected = 400  # staff who are not officers of 中原区役所 are not offered it: the form says so
    if expected == "allowed":
        assert (_outcome(response), done) == ("done", True)
    else:
        assert (_outcome(response), done) == (expected, False)


def test_the_staff_list_shows_only_the_cycles_of_the_departments_served(
    cycle, other_cycle, officer, tama_officer, approver, admin_user, client_for
):
    def titles(user):
        content = client_for(user).get("/evaluations/external/manage/").content.decode()
        return {title for title in (TITLE, "多摩区 外部評価") if title in content}

    assert titles(officer) == {TITLE}
    assert titles(tama_officer) == {"多摩区 外部評価"}
    assert titles(approver) == set()
    assert titles(admin_user) == {TITLE, "多摩区 外部評価"}


def test_an_officer_of_a_section_cannot_start_a_cycle_but_runs_the_wards_from_above(
    departments, officer_of, cycle, client_for
):
    section_officer = officer_of(departments["中原区役所 生涯学習支援課"])
    response = client_for(section_officer).get("/evaluations/external/manage/")
    assert response.status_code == 200
    assert response.context["departments"] == []
    # A cycle of the ward office is above the section: its officer does not run it.
    assert client_for(section_officer).get(cycle.get_absolute_url()).status_code == 404


def test_a_bureau_officer_runs_the_bureaus_cycles(departments, kankyo_officer, client_for):
    created = external.cycle_create(
        user=kankyo_officer,
        department=departments["環境局"],
        title="環境局 外部評価",
        fiscal_year_start=2023,
        fiscal_year_end=2025,
    )
    assert client_for(kankyo_officer).get(created.get_absolute_url()).status_code == 200


# ----------------------------------------------------------------------------------------------------------
# The projects of a cycle


def _project(departments, kawasaki, schemes, name, start, end, department="中原区役所 生涯学習支援課", **fields):
    return ProjectFactory(
        title=name,
        municipality=kawasaki,
        scheme=schemes["ward_proposal"],
        responsible_department=departments[department],
        fiscal_year_start=start,
        fiscal_year_end=end,
        **fields,
    )


def test_a_cycle_covers_the_published_projects_of_its_department_and_below_that_ran_in_its_years(
    cycle, project, departments, kawasaki, schemes
):
    make = lambda *args, **kwargs: _project(departments, kawasaki, schemes, *args, **kwargs)  # noqa: E731
    inside = {
        project,
        make("区役所そのものの事業", 2025, 2025, department="中原区役所"),
        make("前から続く事業", 2021, 2024),
        make("その後も続く事業", 2025, 2028),
        make("終了年度のない事業", 2025, None),
    }
    make("ほかの区の事業", 2024, 2025, department="宮前区役所 生涯学習支援課")
    make("局の事業", 2024, 2025, department="環境局 減量推進課")
    make("前の期間の事業", 2020, 2023)
    make("次の期間の事業", 2026, 2027)
    make("その年だけの前の事業", 2023, None)
    make("年度のない事業", None, None)
    make("非公開の事業", 2024, 2025, is_published=False)
    assert set(external.cycle_projects(cycle=cycle)) == inside


def test_the_cycle_page_lists_its_projects_with_partners_years_and_published_rounds(
    cycle, project, evaluator, client_for
):
    published = published_round(project, 2024)
    response = client_for(evaluator).get(cycle.get_absolute_url())
    content = response.content.decode()
    assert project.get_absolute_url() in content
    assert "なかはら子ども応援団" in content
    assert published.get_report_url() in content
    assert f"/evaluations/external/{cycle.pk}/projects/{project.pk}/comment/" in content


def test_a_project_that_left_the_cycle_keeps_its_comments_but_takes_no_new_one(
    cycle, project, evaluator, departments, officer, client_for
):
    comment(cycle, project, evaluator)
    project.responsible_department = departments["宮前区役所 生涯学習支援課"]
    project.save()
    page = client_for(officer).get(cycle.get_absolute_url())
    assert [row.project for row in page.context["former_rows"]] == [project]
    assert "地域の居場所として定着している。" in page.content.decode()
    assert client_for(evaluator).get(cycle.get_absolute_url()).context["former_rows"] == []  # the staff's to see
    url = f"/evaluations/external/{cycle.pk}/projects/{project.pk}/comment/"
    assert client_for(evaluator).post(url, {"body": "追記"}).status_code == 404
    with pytest.raises(external.ExternalEvaluationError):
        comment(cycle, project, evaluator, body="追記")


# ----------------------------------------------------------------------------------------------------------
# Comments


def test_a_member_has_one_comment_per_project_and_changes_it(cycle, project, evaluator, client_for):
    client = client_for(evaluator)
    url = f"/evaluations/external/{cycle.pk}/projects/{project.pk}/comment/"
    assert client.post(url, {"body": "一度目"}).status_code == 302
    assert client.get(url).context["form"].initial == {"body": "一度目"}
    assert client.post(url, {"body": "二度目"}).status_code == 302
    assert list(ExternalComment.objects.values_list("body", flat=True)) == ["二度目"]
    comment(cycle, project, evaluator, body="三度目")
    assert ExternalComment.objects.get().body == "三度目"


def test_each_member_writes_their_own_comment(cycle, project, evaluator, officer):
    second = UserFactory(display_name="二人目の委員")
    external.cycle_member_add(cycle=cycle, user=officer, email=second.email)
    comment(cycle, project, evaluator, body="一人目の意見")
    comment(cycle, project, second, body="二人目の意見")
    assert ExternalComment.objects.filter(cycle=cycle, project=project).count() == 2


@pytest.mark.parametrize("body", ["", "   \n "])
def test_an_empty_comment_is_refused_with_a_message(cycle, project, evaluator, client_for, body):
    url = f"/evaluations/external/{cycle.pk}/projects/{project.pk}/comment/"
    response = client_for(evaluator).post(url, {"body": body})
    assert response.status_code == 400
    assert on_page("Write your comment.", response)
    assert not ExternalComment.objects.exists()


def test_a_comment_too_long_is_refused(cycle, project, evaluator, client_for):
    url = f"/evaluations/external/{cycle.pk}/projects/{project.pk}/comment/"
    response = client_for(evaluator).post(url, {"body": "あ" * (external.COMMENT_MAX_LENGTH + 1)})
    assert response.status_code == 400
    assert response.context["form"].errors["body"]
    with pytest.raises(external.ValidationError):
        comment(cycle, project, evaluator, body="あ" * (external.COMMENT_MAX_LENGTH + 1))
    assert not ExternalComment.objects.exists()


def test_comments_are_fixed_once_published_and_open_again_when_unpublished(
    cycle, project, evaluator, officer, client_for
):
    comment(cycle, project, evaluator, body="公表前")
    external.cycle_publish(cycle=cycle, user=officer)
    client = client_for(evaluator)
    url = f"/evaluations/external/{cycle.pk}/projects/{project.pk}/comment/"
    response = client.post(url, {"body": "公表後の書き換え"}, follow=True)
    assert on_page("This external evaluation is published: its comments can no longer be changed.", response)
    assert client.get(url).status_code == 302
    with pytest.raises(external.ExternalEvaluationError):
        comment(cycle, project, evaluator, body="公表後の書き換え")
    assert ExternalComment.objects.get().body == "公表前"
    page = client.get(cycle.get_absolute_url()).content.decode()
    assert url not in page  # no link to write

    external.cycle_unpublish(cycle=cycle, user=officer, reason="誤りを直すため")
    assert client.post(url, {"body": "直したコメント"}).status_code == 302
    assert ExternalComment.objects.get().body == "直したコメント"


def test_publishing_needs_a_comment(cycle, officer, client_for):
    response = client_for(officer).post(f"/evaluations/external/{cycle.pk}/publish/", follow=True)
    cycle.refresh_from_db()
    assert cycle.published_at is None
    assert on_page("No external member has commented yet: there is nothing to publish.", response)


def test_unpublishing_needs_a_reason(cycle, project, evaluator, officer, client_for):
    comment(cycle, project, evaluator)
    external.cycle_publish(cycle=cycle, user=officer)
    response = client_for(officer).post(f"/evaluations/external/{cycle.pk}/unpublish/", {"reason": " "})
    assert response.status_code == 400
    assert on_page("Say why the external evaluation is withdrawn from publication.", response)
    cycle.refresh_from_db()
    assert cycle.published_at is not None


def test_publishing_twice_or_unpublishing_what_is_not_published_is_refused(cycle, project, evaluator, officer):
    with pytest.raises(external.ExternalEvaluationError):
        external.cycle_unpublish(cycle=cycle, user=officer, reason="理由")
    comment(cycle, project, evaluator)
    external.cycle_publish(cycle=cycle, user=officer)
    with pytest.raises(external.ExternalEvaluationError):
        external.cycle_publish(cycle=cycle, user=officer)


# ----------------------------------------------------------------------------------------------------------
# Members


def test_removing_a_member_keeps_their_comments(cycle, project, evaluator, officer, client_for):
    comment(cycle, project, evaluator, body="委員を外れても残る意見")
    response = client_for(officer).post(
        f"/evaluations/external/{cycle.pk}/members/", {"action": "remove", "member": evaluator.pk}
    )
    assert response.status_code == 302
    assert not cycle.members.filter(pk=evaluator.pk).exists()
    assert ExternalComment.objects.filter(author=evaluator).exists()
    assert client_for(evaluator).get(cycle.get_absolute_url()).status_code == 404
    assert "委員を外れても残る意見" in client_for(officer).get(cycle.get_absolute_url()).content.decode()
    external.cycle_publish(cycle=cycle, user=officer)
    assert "委員を外れても残る意見" in client_for(None).get("/evaluations/external/").content.decode()


def test_a_member_is_added_by_the_address_of_their_account_whatever_its_case(cycle, officer, client_for):
    person = UserFactory(email="Iinkai@Example.jp")
    response = client_for(officer).post(
        f"/evaluations/external/{cycle.pk}/members/", {"action": "add", "email": "iinkai@example.JP"}
    )
    assert response.status_code == 302
    assert cycle.members.filter(pk=person.pk).exists()


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nobody@example.jp", "No portal account has this address. Ask the member to sign up first, then add them."),
        ("", "Give the e-mail address of the member's portal account."),
        ("not-an-address", "Enter an e-mail address such as name@example.jp."),
    ],
)
def test_an_unknown_or_missing_address_is_explained(cycle, officer, client_for, email, message):
    response = client_for(officer).post(f"/evaluations/external/{cycle.pk}/members/", {"action": "add", "email": email})
    assert response.status_code == 400
    assert on_page(message, response)
    assert not cycle.members.exists()


def test_a_member_is_not_added_twice(cycle, evaluator, officer, client_for):
    response = client_for(officer).post(
        f"/evaluations/external/{cycle.pk}/members/", {"action": "add", "email": evaluator.email}
    )
    assert response.status_code == 400
    assert cycle.members.count() == 1


def test_an_inactive_account_is_not_added(cycle, officer):
    UserFactory(email="gone@example.jp", is_active=False)
    with pytest.raises(external.ValidationError):
        external.cycle_member_add(cycle=cycle, user=officer, email="gone@example.jp")


def test_the_new_member_is_told_by_mail_and_inbox(
    cycle, officer, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    person = UserFactory(email="iin@example.jp", display_name="新しい委員")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(officer).post(f"/evaluations/external/{cycle.pk}/members/", {"action": "add", "email": person.email})
    assert [message.to for message in mailoutbox] == [["iin@example.jp"]]
    mail = mailoutbox[0]
    assert TITLE in mail.subject
    assert "新しい委員" in mail.body
    assert cycle.get_absolute_url() in mail.body
    assert "令和6年度" in mail.body  # the fiscal years, in the Japanese calendar
    assert Notification.objects.filter(user=person, url=cycle.get_absolute_url()).exists()


def test_nothing_is_sent_when_the_member_is_not_added(
    cycle, evaluator, officer, django_capture_on_commit_callbacks, mailoutbox
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(external.ValidationError):
        external.cycle_member_add(cycle=cycle, user=officer, email=evaluator.email)
    assert mailoutbox == []


# ----------------------------------------------------------------------------------------------------------
# Creating a cycle


def _create_data(nakahara, **changes):
    return {"department": nakahara.pk, "title": TITLE, "fiscal_year_start": 2024, "fiscal_year_end": 2025, **changes}


def test_a_double_submission_creates_one_cycle(nakahara, officer, client_for):
    client = client_for(officer)
    first = client.post("/evaluations/external/manage/", _create_data(nakahara))
    second = client.post("/evaluations/external/manage/", _create_data(nakahara, title=f" {TITLE} "))
    created = ExternalReviewCycle.objects.get()
    assert first.url == second.url == created.get_absolute_url()
    assert created.created_by == officer


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"fiscal_year_start": 2026}, "fiscal_year_end", "The last fiscal year comes before the first."),
        ({"fiscal_year_start": 1949}, "fiscal_year_start", "Enter a fiscal year between 1950 and 2100."),
        ({"fiscal_year_end": 2101}, "fiscal_year_end", "Enter a fiscal year between 1950 and 2100."),
        (
            {"fiscal_year_end": "99999999999999999999999"},
            "fiscal_year_end",
            "Enter a fiscal year between 1950 and 2100.",
        ),
        ({"fiscal_year_start": "二〇二四"}, "fiscal_year_start", "Enter the fiscal year as a number, e.g. 2024."),
        ({"fiscal_year_start": ""}, "fiscal_year_start", "Give the fiscal year."),
        ({"title": "  "}, "title", "Give the external evaluation a title."),
        ({"department": ""}, "department", "Choose the department that runs the external evaluation."),
        ({"department": "99999999999999999999999"}, "department", "Choose one of the departments you serve."),
    ],
)
def test_bad_input_when_creating_is_explained(nakahara, officer, client_for, changes, field, message):
    response = client_for(officer).post("/evaluations/external/manage/", _create_data(nakahara, **changes))
    assert response.status_code == 400
    assert ja(message) in response.context["form"].errors[field]
    assert on_page(message, response)
    assert not ExternalReviewCycle.objects.exists()


def test_a_department_the_officer_does_not_serve_or_a_section_is_refused(departments, officer, nakahara, client_for):
    client = client_for(officer)
    for department in (departments["多摩区役所"], departments["中原区役所 生涯学習支援課"]):
        response = client.post("/evaluations/external/manage/", _create_data(nakahara, department=department.pk))
        assert response.status_code == 400
    assert not ExternalReviewCycle.objects.exists()
    with pytest.raises(external.ValidationError):
        external.cycle_create(
            user=officer,
            department=departments["中原区役所 生涯学習支援課"],
            title=TITLE,
            fiscal_year_start=2024,
            fiscal_year_end=2025,
        )
    with pytest.raises(external.PermissionDenied):
        external.cycle_create(
            user=officer,
            department=departments["多摩区役所"],
            title=TITLE,
            fiscal_year_start=2024,
            fiscal_year_end=2025,
        )


@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "x", ""])
def test_removing_a_member_by_a_bad_id_is_a_message(cycle, evaluator, officer, client_for, value):
    response = client_for(officer).post(
        f"/evaluations/external/{cycle.pk}/members/", {"action": "remove", "member": value}
    )
    assert response.status_code == 400
    assert on_page("Choose the member to remove.", response)
    assert cycle.members.filter(pk=evaluator.pk).exists()


def test_an_unknown_action_changes_nothing(cycle, evaluator, officer, client_for):
    response = client_for(officer).post(f"/evaluations/external/{cycle.pk}/members/", {"action": "promote"})
    assert response.status_code == 400
    assert cycle.members.count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "/evaluations/external/99999999999999999999999/",
        "/evaluations/external/99999999999999999999999/members/",
        "/evaluations/external/{cycle}/projects/99999999999999999999999/comment/",
        "/evaluations/external/{cycle}/projects/0/comment/",
    ],
)
def test_ids_beyond_the_integer_range_are_not_found(cycle, evaluator, client_for, url):
    assert client_for(evaluator).get(url.format(cycle=cycle.pk)).status_code == 404


def test_publication_is_a_post(cycle, officer, client_for):
    assert client_for(officer).get(f"/evaluations/external/{cycle.pk}/publish/").status_code == 405


# ----------------------------------------------------------------------------------------------------------
# Public


def test_the_public_list_shows_only_published_cycles_and_published_projects(
    cycle, other_cycle, project, evaluator, other_evaluator, officer, departments, kawasaki, schemes, client_for
):
    hidden = _project(departments, kawasaki, schemes, "あとで非公開になる事業", 2024, 2025)
    comment(cycle, project, evaluator, body="公表される意見")
    comment(cycle, hidden, evaluator, body="非公開の事業への意見")
    tama_project = _project(departments, kawasaki, schemes, "多摩区の事業", 2024, 2025, department="多摩区役所")
    comment(other_cycle, tama_project, other_evaluator, body="まだ公表されない意見")
    client = client_for(None)
    assert "公表される意見" not in client.get("/evaluations/external/").content.decode()

    external.cycle_publish(cycle=cycle, user=officer)
    hidden.is_published = False
    hidden.save()
    content = client.get("/evaluations/external/").content.decode()
    assert TITLE in content
    assert "公表される意見" in content
    assert "外部 評価子" in content
    assert "非公開の事業への意見" not in content
    assert "多摩区 外部評価" not in content
    assert "まだ公表されない意見" not in content


def test_the_public_list_shows_a_visitor_their_own_cycles(cycle, other_cycle, evaluator, officer, client_for):
    mine = client_for(evaluator).get("/evaluations/external/").context["my_cycles"]
    assert mine == [cycle]
    assert client_for(officer).get("/evaluations/external/").context["my_cycles"] == [cycle]
    assert client_for(None).get("/evaluations/external/").context["my_cycles"] == []


def test_an_author_without_a_name_is_never_shown_by_address(cycle, project, officer, client_for):
    nameless = UserFactory(display_name="", email="secret-address@example.jp")
    external.cycle_member_add(cycle=cycle, user=officer, email=nameless.email)
    comment(cycle, project, nameless)
    external.cycle_publish(cycle=cycle, user=officer)
    content = client_for(None).get("/evaluations/external/").content.decode()
    assert "secret-address" not in content
    assert escape(ja("External evaluation member")) in content
    assert [c.author_name for c in external.external_comments_for_project(project=project)] == [
        ja("External evaluation member")
    ]


def test_the_comments_of_a_project_come_from_published_cycles_only(
    cycle, project, evaluator, officer, django_assert_num_queries
):
    earlier = external.cycle_create(
        user=officer, department=cycle.department, title="前回の外部評価", fiscal_year_start=2021, fiscal_year_end=2024
    )
    external.cycle_member_add(cycle=earlier, user=officer, email=evaluator.email)
    comment(earlier, project, evaluator, body="前回の意見")
    comment(cycle, project, evaluator, body="今回の意見")
    assert external.external_comments_for_project(project=project) == []

    external.cycle_publish(cycle=earlier, user=officer)
    external.cycle_publish(cycle=cycle, user=officer)
    with django_assert_num_queries(1):
        comments = external.external_comments_for_project(project=project)
        shown = [
            (c.cycle.title, c.cycle.fiscal_year_start, c.cycle.fiscal_year_end, c.author_name, c.body) for c in comments
        ]
    assert shown == [
        (TITLE, 2024, 2025, "外部 評価子", "今回の意見"),
        ("前回の外部評価", 2021, 2024, "外部 評価子", "前回の意見"),
    ]
    assert [c.body for c in external.external_comments_for_project(project=project, fiscal_year=2022)] == ["前回の意見"]
    assert len(external.external_comments_for_project(project=project, fiscal_year=2024)) == 2


def test_the_project_comments_partial_renders(cycle, project, evaluator, officer):
    from django.template.loader import render_to_string

    comment(cycle, project, evaluator, body="部分テンプレートの意見")
    external.cycle_publish(cycle=cycle, user=officer)
    html = render_to_string(
        "evaluations/external/_project_comments.html",
        {"comments": external.external_comments_for_project(project=project), "heading_level": 2},
    )
    assert "部分テンプレートの意見" in html
    assert "<h2" in html and "<h3" in html
    assert render_to_string("evaluations/external/_project_comments.html", {"comments": []}).strip() == ""


# ----------------------------------------------------------------------------------------------------------
# Audit


def test_who_did_what_is_in_the_cycles_history(cycle, project, evaluator, officer, client_for):
    comment(cycle, project, evaluator)
    external.cycle_publish(cycle=cycle, user=officer)
    external.cycle_unpublish(cycle=cycle, user=officer, reason="誤字の訂正のため")
    external.cycle_member_remove(cycle=cycle, user=officer, member_id=evaluator.pk)
    entries = LogEntry.objects.filter(object_id=str(cycle.pk), content_type__model="externalreviewcycle")
    assert [entry.user for entry in entries.order_by("id")] == [officer] * 5
    messages = [entry.change_message for entry in entries.order_by("id")]
    assert "外部 評価子" in messages[1] and "外部 評価子" in messages[4]
    assert "誤字の訂正のため" in messages[3]
    page = client_for(officer).get(cycle.get_absolute_url())
    assert len(page.context["history"]) == 5
    assert "誤字の訂正のため" in page.content.decode()
    # The members do not read the staff's history.
    external.cycle_member_add(cycle=cycle, user=officer, email=evaluator.email)
    assert client_for(evaluator).get(cycle.get_absolute_url()).context["history"] == []


# ----------------------------------------------------------------------------------------------------------
# Queries


def _fill(cycle, officer, departments, kawasaki, schemes, count: int):
    members = [UserFactory(display_name=f"委員{n}") for n in range(2)]
    for member in members:
        external.cycle_member_add(cycle=cycle, user=officer, email=member.email)
    for number in range(count):
        project = _project(departments, kawasaki, schemes, f"事業{number}", 2024, 2025)
        published_round(project, 2024)
        for member in members:
            comment(cycle, project, member, body=f"意見{number}")
    return members


@pytest.mark.parametrize("count", [1, 6])
def test_the_cycle_page_queries_do_not_grow(
    cycle, officer, departments, kawasaki, schemes, client_for, django_assert_max_num_queries, count
):
    members = _fill(cycle, officer, departments, kawasaki, schemes, count)
    for user in (officer, members[0]):
        client = client_for(user)
        with django_assert_max_num_queries(13):
            response = client.get(cycle.get_absolute_url())
        assert response.status_code == 200
        assert len(response.context["rows"]) == count


@pytest.mark.parametrize("count", [1, 6])
def test_the_public_list_queries_do_not_grow(
    cycle, officer, departments, kawasaki, schemes, client_for, django_assert_max_num_queries, count
):
    _fill(cycle, officer, departments, kawasaki, schemes, count)
    external.cycle_publish(cycle=cycle, user=officer)
    for number in range(count):
        extra = external.cycle_create(
            user=officer,
            department=cycle.department,
            title=f"外部評価{number}",
            fiscal_year_start=2024,
            fiscal_year_end=2025,
        )
        _fill(extra, officer, departments, kawasaki, schemes, 1)
        external.cycle_publish(cycle=extra, user=officer)
    for user in (None, officer):
        client = client_for(user)
        with django_assert_max_num_queries(3 if user is None else 7):
            response = client.get("/evaluations/external/")
        assert response.status_code == 200
        assert len(response.context["cycles"]) == count + 1


@pytest.mark.parametrize("count", [1, 6])
def test_the_staff_list_and_members_page_queries_do_not_grow(
    cycle, officer, departments, kawasaki, schemes, client_for, django_assert_max_num_queries, count
):
    _fill(cycle, officer, departments, kawasaki, schemes, count)
    for number in range(count):
        external.cycle_create(
            user=officer,
            department=cycle.department,
            title=f"外部評価{number}",
            fiscal_year_start=2024,
            fiscal_year_end=2025,
        )
    client = client_for(officer)
    with django_assert_max_num_queries(9):
        assert client.get("/evaluations/external/manage/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(f"/evaluations/external/{cycle.pk}/members/").status_code == 200
