"""What the demo's customers are called and what they buy: the generators' fixed tables.

Data, not interface text: the demo company is Chinese, so are its customers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from salesmesh.accounts.models import Attitude, BuyingRole
from salesmesh.projects.models import OwningRole, RevenueKind

# -- SMB: small companies by team region -------------------------------------------

TEAMS = {
    "smb-east": ("华东", ("杭州", "苏州", "宁波", "无锡", "南京", "上海", "合肥", "温州")),
    "smb-south": ("华南", ("广州", "深圳", "东莞", "佛山", "厦门", "珠海", "中山", "南宁")),
    "smb-north": ("华北", ("北京", "天津", "石家庄", "济南", "青岛", "太原", "唐山", "保定")),
}
BRANDS = (
    "恒达", "鑫源", "瑞丰", "宏图", "金诚", "永盛", "华美", "天成", "博远", "嘉禾",
    "联创", "盛世", "安信", "康达", "佳和", "誉丰", "立信", "同辉", "新域", "汇通",
    "万隆", "启明", "德润", "尚品", "优贝", "凯旋", "正泰", "广源", "乐家", "明辉",
)  # fmt: skip
# (word in the company name, industry)
TRADES = (
    ("五金", "五金机电"),
    ("建材", "建材家居"),
    ("食品", "食品饮料"),
    ("服饰", "服装纺织"),
    ("电子", "电子电器"),
    ("汽配", "汽车配件"),
    ("餐饮管理", "餐饮"),
    ("日化", "日化用品"),
    ("印刷", "印刷包装"),
    ("商贸", "商贸批发"),
    ("医疗器械", "医疗器械"),
    ("母婴用品", "零售"),
)


# -- key accounts ------------------------------------------------------------------

INDUSTRIES = (
    ("包装", "包装印刷"),
    ("环保", "环保"),
    ("建材", "建材"),
    ("连锁商业", "零售连锁"),
    ("精密制造", "精密制造"),
    ("供应链", "供应链"),
    ("冷链", "冷链物流"),
    ("物流", "物流"),
    ("纺织", "纺织服装"),
    ("智能装备", "智能装备"),
    ("医药", "医药"),
    ("家居", "家居"),
    ("新能源", "新能源"),
    ("新材料", "新材料"),
    ("化工", "化工"),
    ("汽车零部件", "汽车零部件"),
    ("电子", "电子"),
    ("食品", "食品"),
)
# Who a named account's buyers are: (title, buying role, influence range), in
# the order an account gets them (a C account has the first two or three).
BUYERS = (
    ("总经理", BuyingRole.DECISION_MAKER, (4, 5)),
    ("信息化负责人", BuyingRole.TECHNICAL_EVALUATOR, (3, 4)),
    ("财务总监", BuyingRole.ECONOMIC_BUYER, (4, 5)),
    ("运营经理", BuyingRole.USER, (2, 3)),
    ("采购经理", BuyingRole.GATEKEEPER, (2, 3)),
    ("供应链总监", BuyingRole.CHAMPION, (3, 4)),
)
PRODUCTS = ("供应链协同平台", "数据中台", "智能排产", "渠道管理")


# -- government and enterprise projects ----------------------------------------------

# The customer behind each plan project: (account name, industry, region).
CUSTOMERS = {
    "zwsj": ("滨江市大数据管理局", "政务", "华东"),
    "jtwl": ("东江省交通投资集团有限公司", "交通物流", "华南"),
    "zhxy": ("滨江区教育局", "教育", "华东"),
}


@dataclass
class ProjectSpec:
    """A project to seed: its customer, its goal and value, its milestones and people."""

    key: str
    name: str
    goal: str
    contract_value: Decimal
    customer: tuple[str, str, str]
    milestones: list[dict[str, Any]]
    stakeholders: list[dict[str, Any]] = field(default_factory=list)
    scenario: dict[str, str] | None = None


def extra_projects(until: date) -> list[ProjectSpec]:
    """The closed project before the plan year and the one still being won, dated from until."""

    def day(offset: int) -> str:
        return (until + timedelta(days=offset)).isoformat()

    hospital = ProjectSpec(
        key="yyhq",
        name="滨江市第一人民医院智慧后勤运维平台",
        goal="后勤工单平均处理时长缩短40%，设备停机率下降25%",
        contract_value=Decimal("3200000"),
        customer=("滨江市第一人民医院", "医疗", "华东"),
        milestones=[
            _ms("h1", "合同签订", day(-340), "0.3", RevenueKind.CONTRACT, OwningRole.BUSINESS),
            _ms("h2", "系统上线", day(-250), "0.4", RevenueKind.PAYMENT, OwningRole.PMO, ["h1"]),
            _ms("h3", "终验", day(-170), "0.3", RevenueKind.ACCEPTANCE, OwningRole.PMO, ["h2"]),
        ],
        stakeholders=[
            _person("钱志刚", "副院长", 5, Attitude.SUPPORTER, ["h1", "h3"]),
            _person("何佳", "后勤保障处处长", 4, Attitude.NEUTRAL, ["h2"]),
        ],
        scenario={
            "industry": "医疗",
            "problem": "三甲医院后勤报修分散在电话与纸质工单，设备巡检无记录，停机原因难追溯。",
            "components": "统一工单中心；设备台账与巡检APP；"
            "与医院HIS和楼宇自控系统集成；驻场运维2人。",
            "lessons": "上线前两周组织科室护士长培训；先接入高频报修科室再全院推广；"
            "楼宇自控接口需提前确认厂商配合，留足20个工作日。",
        },
    )
    port = ProjectSpec(
        key="gkxt",
        name="东江港口集团智慧港口协同平台（一期）",
        goal="集卡平均在港时间缩短20%，闸口通行效率提升30%",
        contract_value=Decimal("5600000"),
        customer=("东江港口集团有限公司", "港口物流", "华南"),
        milestones=[
            _ms("g1", "需求调研与方案汇报", day(-20), "0", "", OwningRole.SOLUTION),
            _ms(
                "g2", "合同签订", day(45), "0.3", RevenueKind.CONTRACT, OwningRole.BUSINESS, ["g1"]
            ),
            _ms("g3", "系统上线", day(200), "0.4", RevenueKind.PAYMENT, OwningRole.PMO, ["g2"]),
            _ms("g4", "终验", day(320), "0.3", RevenueKind.ACCEPTANCE, OwningRole.PMO, ["g3"]),
        ],
        stakeholders=[
            _person("罗海", "集团信息中心主任", 4, Attitude.SUPPORTER, ["g1", "g2"]),
            _person("邓伟", "集团财务部部长", 5, Attitude.NEUTRAL, ["g2"]),
        ],
    )
    return [hospital, port]


def _ms(
    key: str,
    name: str,
    planned: str,
    share: str,
    kind: str,
    owner: str,
    depends_on: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "id": key,
        "name": name,
        "planned_date": planned,
        "revenue_share": share,
        "revenue_kind": kind,
        "owner": owner,
        "depends_on": depends_on or [],
        "resources": [],
        "actions": [],
    }


def _person(
    name: str, title: str, influence: int, attitude: str, milestones: list[str]
) -> dict[str, Any]:
    return {
        "name": name,
        "title": title,
        "influence": influence,
        "attitude": attitude,
        "milestone_ids": milestones,
    }
