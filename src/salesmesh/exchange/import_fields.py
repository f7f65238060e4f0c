"""What each importable kind's file may hold: its fields, their types and the words people use.

Field keys are the export's column keys, so an exported file imports back
as it is. Headers are recognised by the key, by the field's label in English
and in Chinese (the export's own headers), and by the synonyms listed here —
the names other systems and spreadsheets commonly give the same column.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db.models import TextChoices
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from salesmesh.accounts.models import Attitude, BuyingRole
from salesmesh.activities.models import ActivityType
from salesmesh.exchange.models import ImportKind
from salesmesh.pipeline.models import ForecastCategory, LeadSource, LeadStatus, Stage


class FieldType(StrEnum):
    TEXT = "text"
    INT = "int"
    MONEY = "money"
    DATE = "date"
    DATETIME = "datetime"
    BOOL = "bool"
    CHOICE = "choice"
    CURRENCY = "currency"
    LINE = "line"  # a business line by code or name
    USER = "user"  # a person by username, employee number or unique name
    ACCOUNT = "account"  # an account by external ID or unique name
    OPPORTUNITY = "opportunity"  # an opportunity by external ID or unique name


# Types whose few distinct values are parsed once each and then looked up.
REPEATING_TYPES = frozenset(
    {
        FieldType.BOOL,
        FieldType.CHOICE,
        FieldType.CURRENCY,
        FieldType.LINE,
        FieldType.USER,
        FieldType.ACCOUNT,
        FieldType.OPPORTUNITY,
    }
)


@dataclass(frozen=True)
class ImportField:
    """One field a file may carry, how its cells are read, and which headers name it."""

    key: str
    label: Promise
    type: FieldType
    required: bool = False
    max_length: int = 0
    choices: type[TextChoices] | None = None
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportSpec:
    """An importable kind: its fields and the fields that find an existing record."""

    kind: str
    fields: tuple[ImportField, ...]
    key: tuple[str, ...]

    def field(self, key: str) -> ImportField:
        return next(field for field in self.fields if field.key == key)

    @property
    def keys(self) -> list[str]:
        return [field.key for field in self.fields]


LINE = ImportField(
    "line",
    _("business line"),
    FieldType.LINE,
    required=True,
    synonyms=("业务线", "事业部", "line", "business unit", "bu", "division"),
)
EXTERNAL_ID = ImportField(
    "external_id",
    _("external ID"),
    FieldType.TEXT,
    required=True,
    max_length=64,
    synonyms=("id", "编号", "编码", "外部编号", "外部id", "crm id", "record id", "source id"),
)
OWNER = ImportField(
    "owner",
    _("owner"),
    FieldType.USER,
    synonyms=("负责人", "所有人", "销售", "客户经理", "sales rep", "rep", "account owner", "user"),
)
ACCOUNT = ImportField(
    "account",
    _("account"),
    FieldType.ACCOUNT,
    synonyms=("客户", "客户名称", "公司", "公司名称", "customer", "company", "account name"),
)
OPPORTUNITY = ImportField(
    "opportunity",
    _("opportunity"),
    FieldType.OPPORTUNITY,
    synonyms=("商机", "商机名称", "机会", "deal", "opportunity name", "deal name"),
)


def _name(max_length: int, *, required: bool = True) -> ImportField:
    return ImportField(
        "name",
        _("name"),
        FieldType.TEXT,
        required=required,
        max_length=max_length,
        synonyms=("名称", "姓名", "title"),
    )


SPECS: dict[str, ImportSpec] = {
    spec.kind: spec
    for spec in (
        ImportSpec(
            ImportKind.ACCOUNTS,
            key=("line", "external_id"),
            fields=(
                LINE,
                EXTERNAL_ID,
                ImportField(
                    "name",
                    _("name"),
                    FieldType.TEXT,
                    required=True,
                    max_length=200,
                    synonyms=("客户名称", "公司名称", "客户", "account name", "company"),
                ),
                ImportField(
                    "is_named",
                    _("named account"),
                    FieldType.BOOL,
                    synonyms=("名单客户", "是否名单客户", "重点客户", "named", "key account"),
                ),
                ImportField("tier", _("tier"), FieldType.TEXT, max_length=16, synonyms=("层级",)),
                ImportField(
                    "wallet_potential",
                    _("wallet potential"),
                    FieldType.MONEY,
                    synonyms=("潜力", "钱包份额", "potential", "wallet"),
                ),
                ImportField(
                    "industry", _("industry"), FieldType.TEXT, max_length=64, synonyms=("行业",)
                ),
                ImportField(
                    "region", _("region"), FieldType.TEXT, max_length=64, synonyms=("区域", "地区")
                ),
                # Text here, looked up by the writer once every account of the
                # file exists: a referrer may come further down the same file.
                ImportField(
                    "referred_by",
                    _("referred by"),
                    FieldType.TEXT,
                    max_length=200,
                    synonyms=("推荐人", "转介绍", "推荐客户", "referrer", "referral from"),
                ),
                ImportField(
                    "owner",
                    _("owner"),
                    FieldType.USER,
                    required=True,
                    synonyms=OWNER.synonyms,
                ),
            ),
        ),
        ImportSpec(
            ImportKind.CONTACTS,
            key=("line", "account", "name"),
            fields=(
                LINE,
                ImportField(
                    "account", _("account"), FieldType.ACCOUNT, True, synonyms=ACCOUNT.synonyms
                ),
                ImportField(
                    "name",
                    _("name"),
                    FieldType.TEXT,
                    True,
                    128,
                    synonyms=("联系人", "姓名", "contact", "contact name"),
                ),
                ImportField(
                    "title",
                    _("title"),
                    FieldType.TEXT,
                    max_length=128,
                    synonyms=("职务", "职位", "job title"),
                ),
                ImportField(
                    "buying_role",
                    _("buying role"),
                    FieldType.CHOICE,
                    choices=BuyingRole,
                    synonyms=("角色", "采购角色", "role"),
                ),
                ImportField("influence", _("influence"), FieldType.INT, synonyms=("影响力",)),
                ImportField(
                    "attitude",
                    _("attitude"),
                    FieldType.CHOICE,
                    choices=Attitude,
                    synonyms=("态度",),
                ),
            ),
        ),
        ImportSpec(
            ImportKind.LEADS,
            key=("line", "external_id"),
            fields=(
                LINE,
                EXTERNAL_ID,
                _name(200, required=False),
                ImportField(
                    "source",
                    _("source"),
                    FieldType.CHOICE,
                    True,
                    choices=LeadSource,
                    synonyms=("来源", "线索来源", "lead source", "channel", "渠道"),
                ),
                ImportField(
                    "status",
                    _("status"),
                    FieldType.CHOICE,
                    choices=LeadStatus,
                    synonyms=("状态", "线索状态", "lead status"),
                ),
                ACCOUNT,
                OWNER,
                ImportField(
                    "created_on",
                    _("created on"),
                    FieldType.DATE,
                    True,
                    synonyms=("创建日期", "创建时间", "日期", "created", "date", "created date"),
                ),
                ImportField(
                    "qualified_on",
                    _("qualified on"),
                    FieldType.DATE,
                    synonyms=("合格日期", "转化日期", "qualified", "qualified date"),
                ),
            ),
        ),
        ImportSpec(
            ImportKind.OPPORTUNITIES,
            key=("line", "external_id"),
            fields=(
                LINE,
                EXTERNAL_ID,
                ImportField(
                    "account", _("account"), FieldType.ACCOUNT, True, synonyms=ACCOUNT.synonyms
                ),
                ImportField(
                    "name",
                    _("name"),
                    FieldType.TEXT,
                    True,
                    200,
                    synonyms=("商机名称", "机会名称", "deal name", "opportunity name"),
                ),
                ImportField(
                    "stage",
                    _("stage"),
                    FieldType.CHOICE,
                    True,
                    choices=Stage,
                    synonyms=("阶段", "销售阶段", "商机阶段", "sales stage", "deal stage"),
                ),
                ImportField(
                    "amount",
                    _("amount"),
                    FieldType.MONEY,
                    synonyms=("金额", "商机金额", "预计金额", "value", "deal value", "deal amount"),
                ),
                ImportField(
                    "currency", _("currency"), FieldType.CURRENCY, synonyms=("币种", "货币")
                ),
                ImportField(
                    "expected_close",
                    _("expected close"),
                    FieldType.DATE,
                    synonyms=(
                        "预计成交日期",
                        "预计签约日期",
                        "成交日期",
                        "close date",
                        "expected close date",
                    ),
                ),
                ImportField(
                    "forecast_category",
                    _("forecast category"),
                    FieldType.CHOICE,
                    choices=ForecastCategory,
                    synonyms=("预测类别", "预测分类", "forecast"),
                ),
                ImportField(
                    "product_lines",
                    _("product lines"),
                    FieldType.TEXT,
                    max_length=255,
                    synonyms=("产品线", "产品", "products", "product"),
                ),
                ImportField("owner", _("owner"), FieldType.USER, True, synonyms=OWNER.synonyms),
            ),
        ),
        ImportSpec(
            ImportKind.STAGE_HISTORY,
            key=("line", "opportunity", "to_stage", "changed_at"),
            fields=(
                LINE,
                ImportField(
                    "opportunity",
                    _("opportunity"),
                    FieldType.OPPORTUNITY,
                    True,
                    synonyms=OPPORTUNITY.synonyms,
                ),
                ImportField(
                    "from_stage",
                    _("from stage"),
                    FieldType.CHOICE,
                    choices=Stage,
                    synonyms=("原阶段", "变更前阶段", "from", "previous stage"),
                ),
                ImportField(
                    "to_stage",
                    _("to stage"),
                    FieldType.CHOICE,
                    True,
                    choices=Stage,
                    synonyms=("新阶段", "变更后阶段", "阶段", "to", "stage", "new stage"),
                ),
                ImportField(
                    "changed_at",
                    _("changed at"),
                    FieldType.DATETIME,
                    True,
                    synonyms=("变更时间", "时间", "日期", "date", "changed", "timestamp"),
                ),
                ImportField(
                    "changed_by",
                    _("changed by"),
                    FieldType.USER,
                    synonyms=("操作人", "变更人", "by", "user"),
                ),
            ),
        ),
        ImportSpec(
            ImportKind.ACTIVITIES,
            key=("external_id",),
            fields=(
                EXTERNAL_ID,
                ImportField(
                    "type",
                    _("type"),
                    FieldType.CHOICE,
                    True,
                    choices=ActivityType,
                    synonyms=("类型", "活动类型", "行为类型", "activity type", "kind"),
                ),
                ImportField(
                    "person",
                    _("person"),
                    FieldType.USER,
                    True,
                    synonyms=(
                        "人员",
                        "员工",
                        "销售",
                        "执行人",
                        "负责人",
                        "rep",
                        "user",
                        "employee",
                        "sales rep",
                    ),
                ),
                ACCOUNT,
                OPPORTUNITY,
                ImportField(
                    "occurred_at",
                    _("occurred at"),
                    FieldType.DATETIME,
                    True,
                    synonyms=(
                        "时间",
                        "日期",
                        "活动时间",
                        "发生时间",
                        "date",
                        "time",
                        "timestamp",
                        "when",
                    ),
                ),
                ImportField(
                    "reached",
                    _("reached"),
                    FieldType.BOOL,
                    synonyms=("接通", "是否接通", "触达", "是否触达", "connected", "answered"),
                ),
                ImportField(
                    "duration_minutes",
                    _("duration (minutes)"),
                    FieldType.INT,
                    synonyms=("时长", "时长(分钟)", "通话时长", "duration", "minutes"),
                ),
            ),
        ),
        ImportSpec(
            ImportKind.TARGETS,
            key=("line", "period", "assignee"),
            fields=(
                LINE,
                ImportField(
                    "period",
                    _("period"),
                    FieldType.TEXT,
                    required=True,
                    max_length=16,
                    synonyms=("期间", "周期", "考核期", "period label", "quarter", "季度"),
                ),
                ImportField(
                    "assignee",
                    _("team or person"),
                    FieldType.TEXT,
                    max_length=150,
                    synonyms=("团队或个人", "分配对象", "团队", "人员", "unit", "team", "person"),
                ),
                ImportField(
                    "amount",
                    _("target"),
                    FieldType.MONEY,
                    required=True,
                    synonyms=("目标", "目标金额", "金额", "target amount", "quota", "amount"),
                ),
            ),
        ),
    )
}


def import_spec(kind: str) -> ImportSpec:
    """The spec of ``kind``; KeyError for a kind that cannot be imported."""
    return SPECS[kind]
