"""Synthetic benchmark data: many published projects and partners, each clearly marked as generated."""

import datetime
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, reset_queries, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from partners.models import ActivityField, Department, Municipality, Partner, PartnerType, Ward
from partners.services import partner_derived_values
from projects.models import (
    Agreement,
    CollaborationForm,
    OutcomeIndicator,
    Project,
    ProjectAttachment,
    ProjectParty,
    ProjectPhoto,
    Scheme,
)
from projects.services import project_derived_values

PROJECT_TITLE_PREFIX = "【合成データ】"
PARTNER_NAME_PREFIX = "【合成】"
SYNTHETIC_NOTE = "合成データ（ベンチマーク用）"
MUNICIPALITY_CODE = "141305"  # 川崎市: the city fixture holds its wards and departments
FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR = 2008, 2026
# Statuses follow the fiscal years as seen from a fixed year, so that a seed gives the same data in any year.
STATUS_AS_OF_FISCAL_YEAR = 2025

AREAS = (
    "多摩川",
    "生田緑地",
    "等々力",
    "溝口",
    "武蔵小杉",
    "登戸",
    "新百合ヶ丘",
    "鷺沼",
    "川崎駅前",
    "臨海部",
    "麻生川",
    "二ヶ領用水",
    "向ヶ丘",
    "宮前平",
    "鹿島田",
    "元住吉",
    "中央商店街",
    "市営住宅",
    "地区センター",
    "小学校区",
)
# One- and two-character words on purpose: searches for 森 or 川 take another path than 3+ characters.
NATURE = ("森", "川", "海", "緑", "花", "水辺", "里山", "田畑", "湧水", "生きもの", "農")
THEMES = (
    "環境",
    "子育て",
    "防災",
    "福祉",
    "教育",
    "文化",
    "観光",
    "食",
    "まちづくり",
    "リサイクル",
    "ごみ減量",
    "多文化共生",
    "健康づくり",
    "見守り",
    "学習支援",
    "食育",
    "地域交流",
    "スポーツ",
    "音楽",
    "読書",
    "空き家活用",
    "交通安全",
    "防犯",
    "生物多様性",
    "フードバンク",
    "子ども食堂",
    "就労支援",
    "ICT活用",
    "プラスチック削減",
    "介護予防",
    "国際交流",
)
ACTIVITIES = (
    "清掃活動",
    "講座",
    "ワークショップ",
    "調査",
    "植樹",
    "交流会",
    "イベント",
    "相談会",
    "見守り活動",
    "ガイドツアー",
    "マップづくり",
    "講演会",
    "体験学習",
    "パトロール",
    "展示会",
    "情報誌の発行",
    "研修",
    "サロン",
    "防災訓練",
    "フォーラム",
)
TARGETS = (
    "子ども",
    "親子",
    "高齢者",
    "地域住民",
    "学生",
    "外国人市民",
    "障がいのある人",
    "子育て世代",
    "事業者",
    "ボランティア",
)
ISSUES = (
    "担い手不足",
    "情報不足",
    "参加者の減少",
    "関心の低下",
    "孤立",
    "施設の老朽化",
    "ごみの増加",
    "交流の機会の不足",
    "活動資金の不足",
)
NEEDS = ("孤立の防止", "学びの場", "活躍の場", "情報の入手", "安全な暮らし", "居場所")
GOALS = (
    "地域の居場所づくり",
    "まちの魅力発信",
    "見守りネットワークづくり",
    "担い手の育成",
    "多世代交流",
    "地域の防災力向上",
    "循環型社会づくり",
)
ORGANISATION_SUFFIXES = (
    "の会",
    "ネットワーク",
    "協議会",
    "クラブ",
    "研究会",
    "応援団",
    "サポーターズ",
    "プロジェクト",
    "倶楽部",
    "まちづくり委員会",
)
LEAD_ROLE = "事業の企画・運営"
ROLES = ("広報・参加者募集", "会場の提供", "専門的な助言", "ボランティアの派遣", "記録と報告書の作成")

TITLE_TEMPLATES = (
    "{area}の{nature}を守る{activity}",
    "{area}の{theme}{activity}",
    "{target}と進める{theme}{activity}",
    "{theme}を通じた{goal}事業",
    "{nature}と{theme}の{activity}",
    "{area}{theme}プロジェクト",
)
PROBLEM_TEMPLATES = (
    "{area}周辺では{theme}をめぐる{issue}が課題となっていた。",
    "{target}が{theme}について学び、参加する機会が限られていた。",
    "{issue}により、{target}の{need}が地域の課題となっている。",
    "{area}の{nature}が身近にありながら、{target}に十分知られていなかった。",
)
ACTIVITY_TEMPLATES = (
    "団体と市が協働し、{target}を対象とした{activity}を年{count}回開催した。",
    "{area}で{theme}に関する{activity}を行い、参加者と次年度の計画を立てた。",
    "{nature}の{activity}と{theme}の{activity2}を組み合わせて実施した。",
    "{target}向けの{activity}を企画し、{area}の施設で運営した。",
)
OUTCOME_TEMPLATES = (
    "延べ{people}人が参加し、{theme}への関心が高まった。",
    "{count}の団体が新たにつながり、{goal}が進んだ。",
    "アンケートでは参加者の{percent}%が満足と回答した。",
    "{target}の参加が前年度より増え、{need}につながった。",
)
AMOUNT_LABELS = {"itaku": "委託料", "josei": "補助金"}


class SyntheticDataError(Exception):
    """Synthetic data cannot be generated here, with a message for the operator."""


@dataclass
class SyntheticOutcome:
    partners: int = 0
    projects: int = 0
    rows: int = 0  # every row inserted, the relations included
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class _Reference:
    municipality: Municipality
    wards: list[Ward]
    departments: list[Department]
    forms: list[CollaborationForm]
    schemes: list[Scheme]
    fields: list[ActivityField]
    partner_types: list[PartnerType]


def synthetic_reference() -> _Reference:
    """The reference data the generator draws from; refuses when `load_portal_data` has not run."""
    municipality = Municipality.objects.filter(code=MUNICIPALITY_CODE).first()
    missing = []
    if municipality is None:
        missing.append(f"municipality {MUNICIPALITY_CODE} (川崎市)")
    forms = list(CollaborationForm.objects.all())
    if not forms:
        missing.append("forms of collaboration")
    schemes = list(Scheme.objects.filter(municipality__code=MUNICIPALITY_CODE)) or list(
        Scheme.objects.filter(municipality__isnull=True)
    )
    if not schemes:
        missing.append("schemes")
    fields = list(ActivityField.objects.filter(is_active=True))
    if not fields:
        missing.append("fields of activity")
    partner_types = list(PartnerType.objects.filter(kind=PartnerType.Kind.ORGANISATION))
    if not partner_types:
        missing.append("partner types")
    if missing:
        raise SyntheticDataError(
            "The reference data is missing ({}); load it first with `manage.py load_portal_data`.".format(
                ", ".join(missing)
            )
        )
    return _Reference(
        municipality=municipality,
        wards=list(municipality.wards.all()),
        departments=list(municipality.departments.all()),
        forms=forms,
        schemes=schemes,
        fields=fields,
        partner_types=partner_types,
    )


def synthetic_generate(
    *,
    projects: int,
    partners: int,
    seed: int = 1,
    batch_size: int = 5000,
    progress: Callable[[str], None] | None = None,
) -> SyntheticOutcome:
    """Insert published synthetic projects and partners in batches, with their relations and search columns.

    Rows are inserted with bulk_create, so they get no history entries (nobody edited them); their
    derived columns (reading order, search text) are computed by the services' own functions.
    """
    if projects < 0 or partners < 0 or batch_size < 1:
        raise SyntheticDataError("The counts must not be negative and the batch size must be positive.")
    report = progress or (lambda message: None)
    outcome = SyntheticOutcome()
    if not projects and not partners:
        return outcome
    reference = synthetic_reference()
    # Reproducible on purpose: the same seed gives the same data set, so benchmark runs compare.
    rng = random.Random(seed)  # noqa: S311
    with transaction.atomic():
        started = time.perf_counter()
        party_pool = _partners_create(rng, reference, partners, batch_size, outcome, report)
        outcome.seconds["partners"] = time.perf_counter() - started
        if not party_pool:
            party_pool = list(Partner.objects.filter(name__startswith=PARTNER_NAME_PREFIX).order_by("pk").only("name"))
        started = time.perf_counter()
        _projects_create(rng, reference, projects, party_pool, batch_size, outcome, report)
        outcome.seconds["projects"] = time.perf_counter() - started
    started = time.perf_counter()
    _analyze([Partner, Project, ProjectParty, *_throughs()])
    outcome.seconds["analyze"] = time.perf_counter() - started
    return outcome


@transaction.atomic
def synthetic_delete() -> tuple[int, int, int]:
    """Delete synthetic projects and partners; returns (projects, partners, partners kept).

    A synthetic partner that a real project names is kept. Rows are deleted in a few statements:
    QuerySet.delete() would load every row and write a deletion history entry for each. A relation
    not handled here makes the foreign key check at commit fail, so nothing is left dangling.
    """
    synthetic_projects = Project.objects.filter(is_synthetic=True)
    for relation in ("forms", "fields", "wards", "other_municipalities"):
        _through_rows(Project, relation, synthetic_projects).delete()
    ProjectParty.objects.filter(project__in=synthetic_projects).delete()
    OutcomeIndicator.objects.filter(project__in=synthetic_projects).delete()
    for model in (ProjectPhoto, ProjectAttachment):
        model.objects.filter(project__in=synthetic_projects).delete()
    projects_deleted = _raw_delete(synthetic_projects)
    Project.history.filter(is_synthetic=True).delete()

    synthetic_partners = Partner.objects.filter(name__startswith=PARTNER_NAME_PREFIX)
    deletable = synthetic_partners.exclude(pk__in=ProjectParty.objects.values("partner_id"))
    kept = synthetic_partners.count() - deletable.count()
    for relation in ("fields", "wards"):
        _through_rows(Partner, relation, deletable).delete()
    Agreement.parties.through.objects.filter(partner__in=deletable).delete()
    partners_deleted = _raw_delete(deletable)
    Partner.history.filter(name__startswith=PARTNER_NAME_PREFIX).exclude(id__in=Partner.objects.values("pk")).delete()
    return projects_deleted, partners_deleted, kept


def _raw_delete(queryset: QuerySet) -> int:
    return queryset._raw_delete(queryset.db)


def _through_rows(model: type[Model], relation: str, owners: QuerySet) -> QuerySet:
    m2m = model._meta.get_field(relation)
    return m2m.remote_field.through.objects.filter(**{f"{m2m.m2m_field_name()}__in": owners})


def _throughs() -> list[type[Model]]:
    return [
        Project.forms.through,
        Project.fields.through,
        Project.wards.through,
        Partner.fields.through,
        Partner.wards.through,
    ]


def _through_factory(model: type[Model], relation: str) -> Callable[[int, int], Model]:
    m2m = model._meta.get_field(relation)
    through = m2m.remote_field.through
    owner, target = f"{m2m.m2m_field_name()}_id", f"{m2m.m2m_reverse_field_name()}_id"
    return lambda owner_id, target_id: through(**{owner: owner_id, target: target_id})


def _wards(rng: random.Random, wards: list[Ward], citywide_share: float) -> tuple[bool, list[Ward]]:
    if not wards or rng.random() < citywide_share:
        return True, []
    return False, _in_order(rng.sample(wards, k=min(len(wards), rng.choice((1, 1, 1, 2, 2, 3)))), wards)


def _in_order(picked: list, reference: list) -> list:
    """Picked rows in the order the reference data lists them (Meta.ordering), as a prefetch returns them."""
    return sorted(picked, key=reference.index)


def _partners_create(
    rng: random.Random,
    reference: _Reference,
    count: int,
    batch_size: int,
    outcome: SyntheticOutcome,
    report: Callable[[str], None],
) -> list[Partner]:
    """Insert synthetic partners; returns them, with their names only, to be the projects' parties."""
    partner_field = _through_factory(Partner, "fields")
    partner_ward = _through_factory(Partner, "wards")
    serial = Partner.objects.filter(name__startswith=PARTNER_NAME_PREFIX).count()
    created: list[Partner] = []
    started = time.perf_counter()
    for batch_start in range(0, count, batch_size):
        partners, relations = [], []
        for _index in range(batch_start, min(count, batch_start + batch_size)):
            serial += 1
            area, theme = rng.choice(AREAS), rng.choice(THEMES)
            partner_type = rng.choice(reference.partner_types)
            name = f"{PARTNER_NAME_PREFIX}{area}{theme}{rng.choice(ORGANISATION_SUFFIXES)}{serial:05d}"
            description = (
                f"{SYNTHETIC_NOTE}。{area}を拠点に{theme}と{rng.choice(NATURE)}に取り組む{partner_type.name}です。"
                f"{rng.choice(TARGETS)}とともに{rng.choice(ACTIVITIES)}を続けています。"
            )
            citywide, wards = _wards(rng, reference.wards, citywide_share=0.1)
            fields = _in_order(
                rng.sample(reference.fields, k=min(len(reference.fields), rng.choice((1, 2, 2, 3)))), reference.fields
            )
            address = f"{reference.municipality.name}{wards[0].name}" if wards else ""
            partner = Partner(
                partner_type=partner_type,
                name=name,
                municipality=reference.municipality,
                works_citywide=citywide,
                description=description,
                founded_year=rng.choice((None, rng.randint(1970, 2024))),
                public_address=address,
                is_public=True,
            )
            _derive(partner, partner_derived_values, fields=fields, wards=wards)
            partners.append(partner)
            relations.append((fields, wards))
        Partner.objects.bulk_create(partners)
        field_rows, ward_rows = [], []
        for partner, (fields, wards) in zip(partners, relations, strict=True):
            field_rows += [partner_field(partner.pk, activity_field.pk) for activity_field in fields]
            ward_rows += [partner_ward(partner.pk, ward.pk) for ward in wards]
            created.append(Partner(pk=partner.pk, name=partner.name))
        Partner.fields.through.objects.bulk_create(field_rows)
        Partner.wards.through.objects.bulk_create(ward_rows)
        outcome.partners += len(partners)
        outcome.rows += len(partners) + len(field_rows) + len(ward_rows)
        report(f"partners {outcome.partners}/{count} ({time.perf_counter() - started:.1f} s)")
        _forget_queries()
    return created


class _ProjectWriter:
    """The texts of one synthetic project, drawn from the vocabulary."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def words(self) -> dict[str, object]:
        choice, rng = self.rng.choice, self.rng
        activity = choice(ACTIVITIES)
        return {
            "area": choice(AREAS),
            "nature": choice(NATURE),
            "theme": choice(THEMES),
            "activity": activity,
            "activity2": choice(ACTIVITIES),
            "target": choice(TARGETS),
            "issue": choice(ISSUES),
            "need": choice(NEEDS),
            "goal": choice(GOALS),
            "count": rng.randint(2, 24),
            "people": rng.randint(20, 3000),
            "percent": rng.randint(60, 98),
        }

    def sentences(self, templates: tuple[str, ...], counts: tuple[int, ...], words: dict[str, object]) -> str:
        picked = self.rng.sample(templates, k=self.rng.choice(counts))
        # Later sentences draw new words so a text is not one theme repeated.
        return "".join(
            template.format(**(words if index == 0 else {**self.words(), "area": words["area"]}))
            for index, template in enumerate(picked)
        )


def _projects_create(
    rng: random.Random,
    reference: _Reference,
    count: int,
    party_pool: list[Partner],
    batch_size: int,
    outcome: SyntheticOutcome,
    report: Callable[[str], None],
) -> None:
    project_form = _through_factory(Project, "forms")
    project_field = _through_factory(Project, "fields")
    project_ward = _through_factory(Project, "wards")
    writer = _ProjectWriter(rng)
    published_at = timezone.now()
    started = time.perf_counter()
    done = 0
    for batch_start in range(0, count, batch_size):
        projects, relations = [], []
        for _index in range(batch_start, min(count, batch_start + batch_size)):
            words = writer.words()
            title = PROJECT_TITLE_PREFIX + rng.choice(TITLE_TEMPLATES).format(**words)
            problem = writer.sentences(PROBLEM_TEMPLATES, (1, 2, 2), words)
            activities = writer.sentences(ACTIVITY_TEMPLATES, (2, 2, 3), words)
            outcomes = writer.sentences(OUTCOME_TEMPLATES, (0, 1, 2, 2), words)
            partners = rng.sample(party_pool, k=min(len(party_pool), rng.choice((1, 1, 1, 2, 2, 3))))
            parties = [
                ProjectParty(
                    partner=partner,
                    role=LEAD_ROLE if order == 0 else rng.choice(ROLES),
                    is_lead=order == 0,
                    order=order,
                )
                for order, partner in enumerate(partners)
            ]
            forms = rng.sample(reference.forms, k=min(len(reference.forms), rng.choice((1, 1, 2))))
            fields = _in_order(
                rng.sample(reference.fields, k=min(len(reference.fields), rng.choice((1, 2, 2, 3)))), reference.fields
            )
            citywide, wards = _wards(rng, reference.wards, citywide_share=0.15)
            first_year = rng.randint(FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR)
            last_year = min(LAST_FISCAL_YEAR, first_year + rng.choice((0, 0, 0, 1, 2, 3)))
            amount = None if rng.random() < 0.3 else rng.randint(10, 5000) * 1000
            start_date = (
                datetime.date(first_year, 4, 1) + datetime.timedelta(days=rng.randrange(180))
                if rng.random() < 0.6
                else None
            )
            project = Project(
                title=title,
                municipality=reference.municipality,
                scheme=rng.choice(reference.schemes),
                is_citywide=citywide,
                responsible_department=(
                    None if not reference.departments or rng.random() < 0.2 else rng.choice(reference.departments)
                ),
                problem=problem,
                activities=activities,
                outcomes=outcomes,
                amount=amount,
                amount_label=AMOUNT_LABELS.get(forms[0].code, "事業費") if amount else "",
                fiscal_year_start=first_year,
                fiscal_year_end=last_year,
                start_date=start_date,
                end_date=datetime.date(last_year + 1, 3, 31) if start_date else None,
                status=_status(first_year, last_year),
                source=SYNTHETIC_NOTE,
                is_published=True,
                published_at=published_at,
                is_synthetic=True,
            )
            _derive(project, project_derived_values, parties=parties)
            projects.append(project)
            relations.append((parties, forms, fields, wards))
        Project.objects.bulk_create(projects)
        form_rows, field_rows, ward_rows, party_rows = [], [], [], []
        for project, (parties, forms, fields, wards) in zip(projects, relations, strict=True):
            form_rows += [project_form(project.pk, form.pk) for form in forms]
            field_rows += [project_field(project.pk, activity_field.pk) for activity_field in fields]
            ward_rows += [project_ward(project.pk, ward.pk) for ward in wards]
            for party in parties:
                party.project_id = project.pk
            party_rows += parties
        Project.forms.through.objects.bulk_create(form_rows)
        Project.fields.through.objects.bulk_create(field_rows)
        Project.wards.through.objects.bulk_create(ward_rows)
        ProjectParty.objects.bulk_create(party_rows)
        done += len(projects)
        outcome.projects = done
        outcome.rows += len(projects) + len(form_rows) + len(field_rows) + len(ward_rows) + len(party_rows)
        report(f"projects {done}/{count} ({time.perf_counter() - started:.1f} s)")
        _forget_queries()


def _derive(row: Model, derived_values: Callable[[Model], dict[str, str]], **relations: list) -> None:
    """Set the derived columns of a row before its insert, computed by the services' own function."""
    for name, value in derived_values(_Unsaved(row, relations)).items():
        setattr(row, name, value)


class _Unsaved:
    """A row as the services' derived-value functions read it, with its relations given rather than
    queried: a row not yet inserted has none in the database."""

    def __init__(self, row: Model, relations: dict[str, list]):
        self._row = row
        self._relations = relations

    def __getattr__(self, name: str):
        if name in self._relations:
            return _Given(self._relations[name])
        return getattr(self._row, name)


class _Given:
    """Stands for a related manager: ``.all()`` gives the rows, in the order the database would."""

    def __init__(self, rows: list):
        self._rows = rows

    def all(self) -> list:
        return self._rows


def _forget_queries() -> None:
    # Under DEBUG, Django keeps the SQL of the last 9,000 queries; a bulk insert's SQL runs to megabytes.
    reset_queries()


def _status(first_year: int, last_year: int) -> str:
    if last_year < STATUS_AS_OF_FISCAL_YEAR:
        return Project.Status.FINISHED
    if first_year > STATUS_AS_OF_FISCAL_YEAR:
        return Project.Status.PLANNED
    return Project.Status.RUNNING


def _analyze(models: list[type[Model]]) -> None:
    """Planner statistics for the tables just filled, so the first queries after a load use the indexes."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
