"""Deterministic synthetic profiles, attribute changes and behaviour events.

`generate(seed, n_profiles, run_dates)` gives the same `DemoData` for the same arguments, on any
machine: only `random.Random(seed)` and hashing are used. Events cover `history_days` days before
the first run date and every day up to the day before the last run date; a run date only sees the
events before it (see `tables.py`), so each simulated day brings the previous day's events.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random

from segment_analytics_sandbox.demo.account import NEWSLETTER_PS, RETAIL_PS, build_account
from segment_analytics_sandbox.demo.model import (
    AttributeChange,
    DemoData,
    EmailEvent,
    Order,
    PageView,
    Profile,
)

FIRST_NAMES = ["Anna", "Ben", "Chloé", "David", "Emma", "Felix", "Hana", "Jürgen", "Kenji", "Léa",
               "Maria", "Noah", "Olivia", "Sean", "Siobhán", "Yuki", "Zoë", "Liam"]
LAST_NAMES = ["Müller", "Schmidt", "O'Brien", "Smith", "Tanaka", "García", "Dubois", "Nguyễn",
              "Rossi", "Kowalski", "O'Neil", "Suzuki", "Johnson", "Weiß"]
CITIES = [("München", "DE", 3), ("Berlin", "DE", 3), ("Tokyo", "JP", 3), ("New York", "US", 3),
          ("São Paulo", "BR", 1), ("London", "GB", 2), ("Zürich", "CH", 1)]
GENDERS = ["Female", "Male", "Other"]
INTERESTS = ["sports", "outdoor", "fashion", "tech", "books", "cooking", "travel"]
TOPICS = ["deals", "news", "events", "recipes"]
LANGUAGES = ["de", "en", "ja", "fr"]
DOMAINS = ["gmail.com", "example.com", "web.de", "yahoo.co.jp", "mail.example.org"]
CATEGORIES = ["apparel", "electronics", "gifts", "grocery", "books"]
PAGES = ["/", "/products/shoes", "/products/jackets", "/cart", "/checkout", "/blog/how-to",
         "/sale", "/account"]
UTM = ["?utm_source=google&utm_medium=cpc", "?utm_source=newsletter&utm_campaign=weekly",
       "?utm_source=facebook&utm_medium=social"]
CAMPAIGNS = ["weekly_digest", "black_friday", "welcome_series", "cart_reminder"]

DAY = 86_400


def _hex_id(*parts: object) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()[:20]


def _utc(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def _ascii(name: str) -> str:
    table = str.maketrans({"é": "e", "ü": "u", "á": "a", "ë": "e", "ễ": "e", "ß": "ss", "ã": "a",
                           "'": ""})
    return name.lower().translate(table)


def _profile(rng: random.Random, seed: int, index: int, first_run: dt.date) -> Profile:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    city, country, _ = rng.choices(CITIES, weights=[c[2] for c in CITIES])[0]
    first_run_ts = _utc(first_run)
    attrs = {
        "email": f"{_ascii(first)}.{_ascii(last)}{index}@{rng.choice(DOMAINS)}",
        "first_name": first,
        "last_name": last,
        "gender": rng.choice(GENDERS),
        "city": city,
        "country": country,
        "age": rng.randint(16, 80),
        "ltv": round(rng.lognormvariate(6.3, 0.9), 2),
        "is_member": rng.random() < 0.45,
        "last_login_at": dt.datetime.fromtimestamp(
            first_run_ts - rng.randint(3600, 150 * DAY), tz=dt.UTC),
        "interests": sorted(rng.sample(INTERESTS, rng.randint(0, 3))),
    }
    canonical = _hex_id("td", seed, index)
    profile = Profile(td_canonical_id=canonical, attributes=attrs)
    profile.customer_ids[RETAIL_PS] = _hex_id("cdp", RETAIL_PS, seed, index)
    if rng.random() < 0.6:
        profile.customer_ids[NEWSLETTER_PS] = _hex_id("cdp", NEWSLETTER_PS, seed, index)
        attrs.update({
            "language": rng.choice(LANGUAGES),
            "opt_in": rng.random() < 0.8,
            "subscribed_at": dt.datetime.fromtimestamp(
                first_run_ts - rng.randint(30 * DAY, 1200 * DAY), tz=dt.UTC),
            "topics": sorted(rng.sample(TOPICS, rng.randint(0, 2))),
            "engagement_score": round(rng.uniform(0, 100), 1),
        })
    return profile


def _events_for_day(
    rng: random.Random, profile: Profile, activity: float, day: dt.date, counter: list[int],
    orders: list[Order], pageviews: list[PageView], emails: list[EmailEvent],
) -> None:
    start = _utc(day)
    pid = profile.td_canonical_id
    if rng.random() < 0.03 * activity:
        for _ in range(1 if rng.random() < 0.85 else 2):
            counter[0] += 1
            orders.append(Order(pid, f"ord-{counter[0]:07d}", round(rng.uniform(5, 400), 2),
                                rng.randint(1, 6), rng.choice(CATEGORIES),
                                start + rng.randrange(DAY)))
    if rng.random() < 0.06 * activity:
        for _ in range(rng.randint(1, 5)):
            url = "https://shop.example.com" + rng.choice(PAGES)
            if rng.random() < 0.2:
                url += rng.choice(UTM)
            pageviews.append(PageView(pid, url, start + rng.randrange(DAY)))
    if "opt_in" in profile.attributes and rng.random() < 0.2:
        sent = start + rng.randrange(DAY - 7200)
        campaign = rng.choice(CAMPAIGNS)
        emails.append(EmailEvent(pid, "send", campaign, sent))
        if rng.random() < 0.35 * min(activity, 2.0):
            emails.append(EmailEvent(pid, "open", campaign, sent + rng.randrange(1, 3600)))
            if rng.random() < 0.3:
                emails.append(EmailEvent(pid, "click", campaign, sent + rng.randrange(3600, 7200)))


def _changes_for_day(
    rng: random.Random, profiles: list[Profile], day: dt.date, share: float
) -> list[AttributeChange]:
    """Some profiles change attributes on `day`, enough to move them in and out of segments."""
    out: list[AttributeChange] = []
    for p in rng.sample(profiles, max(1, int(len(profiles) * share))):
        pid = p.td_canonical_id
        kind = rng.randrange(5)
        if kind == 0:
            out.append(AttributeChange(day, RETAIL_PS, pid, "ltv", round(rng.uniform(900, 4000), 2)))
        elif kind == 1:
            out.append(AttributeChange(day, RETAIL_PS, pid, "is_member", rng.random() < 0.5))
        elif kind == 2:
            city, country, _ = rng.choice(CITIES)
            out.append(AttributeChange(day, RETAIL_PS, pid, "city", city))
            out.append(AttributeChange(day, RETAIL_PS, pid, "country", country))
        elif kind == 3:
            login = dt.datetime.fromtimestamp(_utc(day) - rng.randint(60, DAY - 60), tz=dt.UTC)
            out.append(AttributeChange(day, RETAIL_PS, pid, "last_login_at", login))
        elif NEWSLETTER_PS in p.customer_ids:
            out.append(AttributeChange(day, NEWSLETTER_PS, pid, "engagement_score",
                                       round(rng.uniform(0, 100), 1)))
            out.append(AttributeChange(day, NEWSLETTER_PS, pid, "opt_in", rng.random() < 0.7))
    return out


def generate(
    seed: int = 20261128,
    n_profiles: int = 5000,
    run_dates: list[dt.date] | None = None,
    history_days: int = 90,
    change_share: float = 0.03,
) -> DemoData:
    """The whole demo data set: account, profiles, per-day attribute changes and events."""
    if n_profiles < 1:
        raise ValueError(f"n_profiles: must be at least 1, got {n_profiles}")
    if history_days < 1:
        raise ValueError(f"history_days: must be at least 1, got {history_days}")
    dates = sorted(run_dates) if run_dates else default_run_dates()
    if len(set(dates)) != len(dates):
        raise ValueError(f"run_dates: must be distinct, got {dates}")
    rng = random.Random(seed)
    first_run = dates[0]
    profiles = [_profile(rng, seed, i, first_run) for i in range(n_profiles)]
    activity = [rng.lognormvariate(0, 0.8) for _ in profiles]
    orders: list[Order] = []
    pageviews: list[PageView] = []
    emails: list[EmailEvent] = []
    counter = [0]
    history_start = first_run - dt.timedelta(days=history_days)
    day = history_start
    while day < dates[-1]:
        for profile, act in zip(profiles, activity, strict=True):
            _events_for_day(rng, profile, act, day, counter, orders, pageviews, emails)
        day += dt.timedelta(days=1)
    changes: list[AttributeChange] = []
    for run_date in dates[1:]:
        changes.extend(_changes_for_day(rng, profiles, run_date, change_share))
    return DemoData(
        seed=seed, run_dates=dates, history_start=history_start, account=build_account(),
        profiles=profiles, orders=orders, pageviews=pageviews, email_events=emails, changes=changes,
    )


def default_run_dates(count: int = 4, today: dt.date | None = None) -> list[dt.date]:
    """`count` consecutive run dates ending today (UTC)."""
    end = today or dt.datetime.now(dt.UTC).date()
    return [end - dt.timedelta(days=count - 1 - i) for i in range(count)]
