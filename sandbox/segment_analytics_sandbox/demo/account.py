"""The demo account: two parent segments (one v4+v5, one v4-only), nested folders and segments.

Names carry quotes and unicode on purpose ("Kunden München", "O'Brien's VIPs"): nothing downstream
may break on them. Ids are strings of digits, as the CDP API returns them.
"""

from __future__ import annotations

from segment_analytics_sandbox.demo.model import Account, Column, FolderDef, ParentSegmentDef, SegmentDef, User
from segment_analytics_sandbox.rules import (
    all_of,
    any_of,
    attr,
    behavior,
    column,
    op,
    reference,
    rule,
    within_past,
)

RETAIL_PS = "411001"  # v4 + v5
NEWSLETTER_PS = "411002"  # v4 only (the v5 endpoint flag is off for it)

# The behaviour column a rule's time filter names (cdp_api.md §6.2: `column: "timestamp"`).
TIME = "timestamp"

USERS = {
    "alice": User(id="381", td_user_id="1275", name="Alice Analyst"),
    "bob": User(id="382", td_user_id="1276", name="Bob Builder"),
    "mallory": User(id="399", td_user_id="1290", name="Mallory O'Malley"),
}

RETAIL_ATTRIBUTES = (
    Column("email", "string"),
    Column("first_name", "string"),
    Column("last_name", "string"),
    Column("gender", "string"),
    Column("city", "string"),
    Column("country", "string"),
    Column("age", "long"),
    Column("ltv", "double"),
    Column("is_member", "boolean"),
    Column("last_login_at", "timestamp"),
    Column("interests", "string_array"),
)

NEWSLETTER_ATTRIBUTES = (
    Column("email", "string"),
    Column("language", "string"),
    Column("opt_in", "boolean"),
    Column("subscribed_at", "timestamp"),
    Column("topics", "string_array"),
    Column("engagement_score", "double"),
)

PARENT_SEGMENTS = [
    ParentSegmentDef(
        id=RETAIL_PS,
        name="Retail Customers",
        api_versions=("v4", "v5"),
        root_folder_id="700100",
        attributes=RETAIL_ATTRIBUTES,
        description="Every known shopper of the demo shop",
    ),
    ParentSegmentDef(
        id=NEWSLETTER_PS,
        name="Newsletter Subscribers (Legacy)",
        api_versions=("v4",),
        root_folder_id="700200",
        attributes=NEWSLETTER_ATTRIBUTES,
        description="Newsletter list, still on the legacy Audience Studio",
    ),
]

FOLDERS = [
    FolderDef("700100", RETAIL_PS, "Retail Customers Root", None),
    FolderDef("700101", RETAIL_PS, "Marketing", "700100"),
    FolderDef("700102", RETAIL_PS, "Campaigns", "700101"),
    FolderDef("700103", RETAIL_PS, "Q4 2026 – Holiday", "700102"),
    FolderDef("700104", RETAIL_PS, "Lifecycle", "700100"),
    FolderDef("700105", RETAIL_PS, "Régions", "700101"),
    FolderDef("700200", NEWSLETTER_PS, "Newsletter Subscribers (Legacy) Root", None),
    FolderDef("700201", NEWSLETTER_PS, "Engagement", "700200"),
    FolderDef("700202", NEWSLETTER_PS, "Länder", "700201"),
    FolderDef("700203", NEWSLETTER_PS, "Editor's \"Picks\"", "700202"),
]


def _high_value(ltv_threshold: float) -> dict:
    return rule(
        all_of(
            attr("ltv", op("Greater", rightValue=ltv_threshold)),
            attr("is_member", op("Equal", rightValue=True)),
            description="Members with a high lifetime value",
        )
    )


def _weekly_openers(days: int) -> dict:
    return rule(
        all_of(
            behavior(
                "email_events",
                {"type": "Count"},
                op("GreaterEqual", rightValue=1),
                column("event_type", op("Equal", rightValue="open")),
                column(TIME, within_past(days)),
            )
        )
    )


SEGMENTS = [
    SegmentDef("800001", RETAIL_PS, "700104", "High Value Customers", _high_value(1500)),
    SegmentDef(
        "800002", RETAIL_PS, "700104", "Recent Buyers (30d)",
        rule(all_of(behavior("orders", {"type": "Count"}, op("GreaterEqual", rightValue=1),
                             column(TIME, within_past(30))))),
    ),
    SegmentDef(
        "800003", RETAIL_PS, "700101", "Big Spenders 90d",
        rule(all_of(behavior("orders", {"type": "Sum", "column": "amount"},
                             op("GreaterEqual", rightValue=500), column(TIME, within_past(90))))),
    ),
    SegmentDef(
        "800004", RETAIL_PS, "700105", "Kunden München",
        rule(all_of(attr("city", op("Equal", rightValue="München")))),
    ),
    SegmentDef(
        "800005", RETAIL_PS, "700101", "O'Brien's VIPs",
        rule(any_of(attr("last_name", op("Equal", rightValue="O'Brien")),
                    attr("ltv", op("Greater", rightValue=3000)))),
    ),
    SegmentDef(
        "800006", RETAIL_PS, "700102", "Engaged Readers",
        rule(all_of(behavior("pageviews", {"type": "Count"}, op("GreaterEqual", rightValue=5),
                             column(TIME, within_past(14))))),
    ),
    SegmentDef(
        "800007", RETAIL_PS, "700102", "Email Clickers",
        rule(all_of(behavior("email_events", {"type": "Count"}, op("GreaterEqual", rightValue=1),
                             column("event_type", op("Equal", rightValue="click")),
                             column(TIME, within_past(30))))),
    ),
    SegmentDef(
        "800008", RETAIL_PS, "700103", "Sports & Outdoor Fans",
        rule(all_of(attr("interests", op("In", rightValues=["sports", "outdoor"]),
                         array_matching="any"))),
    ),
    SegmentDef(
        "800009", RETAIL_PS, "700104", "Lapsed Members",
        rule(all_of(attr("is_member", op("Equal", rightValue=True)),
                    attr("last_login_at", within_past(60, negate=True)))),
    ),
    SegmentDef(
        "800010", RETAIL_PS, "700103", "VIP Recent Buyers",
        rule(all_of(reference("800001"), reference("800002"))),
    ),
    SegmentDef(
        "800011", RETAIL_PS, "700103", "Recent Non-VIP Buyers",
        rule(all_of(reference("800002"), reference("800001", exclude=True))),
    ),
    SegmentDef(
        "800012", RETAIL_PS, "700101", "Young Adults",
        rule(all_of(attr("age", op("Between", minValue=18, maxValue=29)))),
    ),
    SegmentDef(
        "800013", RETAIL_PS, "700101", "Gmail Users",
        rule(all_of(attr("email", op("EndWith", rightValues=["@gmail.com"])))),
    ),
    SegmentDef(
        "800014", RETAIL_PS, "700105", "Women in Tokyo or Berlin",
        rule(all_of(attr("gender", op("Equal", rightValue="Female")),
                    attr("city", op("In", rightValues=["Tokyo", "Berlin"])))),
    ),
    SegmentDef("800101", NEWSLETTER_PS, "700201", "Weekly Openers", _weekly_openers(7)),
    SegmentDef(
        "800102", NEWSLETTER_PS, "700202", "Opted-in Germans",
        rule(all_of(attr("language", op("Equal", rightValue="de")),
                    attr("opt_in", op("Equal", rightValue=False), exclude=True))),
    ),
    SegmentDef(
        "800103", NEWSLETTER_PS, "700203", "Deal Seekers",
        rule(all_of(attr("topics", op("Equal", rightValue="deals"), array_matching="any"))),
    ),
    SegmentDef(
        "800104", NEWSLETTER_PS, "700202", "Früh-Abonnenten",
        rule(all_of(attr("subscribed_at",
                         op("Less", rightValue={"timestamp": "2025-01-01T00:00:00Z"})))),
    ),
    SegmentDef(
        "800105", NEWSLETTER_PS, "700201", "Highly Engaged",
        rule(all_of(attr("engagement_score", op("GreaterEqual", rightValue=70)))),
    ),
]

# Created on the third run date (see scenario.py).
HOLIDAY_SHOPPERS = SegmentDef(
    "800020", RETAIL_PS, "700103", "Holiday Shoppers 🎄",
    rule(all_of(behavior("orders", {"type": "Count"}, op("GreaterEqual", rightValue=1),
                         column("category", op("Equal", rightValue="gifts")),
                         column(TIME, within_past(14))))),
    created_by="bob",
)


def high_value_rule(ltv_threshold: float) -> dict:
    return _high_value(ltv_threshold)


def weekly_openers_rule(days: int) -> dict:
    return _weekly_openers(days)


def build_account() -> Account:
    """A fresh copy of the account as it stands on the first run date."""
    import copy

    return Account(
        users=dict(USERS),
        parent_segments=list(PARENT_SEGMENTS),
        folders=list(FOLDERS),
        segments=[copy.deepcopy(s) for s in SEGMENTS],
    )
