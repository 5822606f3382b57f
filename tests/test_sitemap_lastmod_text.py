"""Lastmods as written, on every path the writer takes, against the normalised value's text."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from microroutes.sitemap import (
    SitemapError,
    Url,
    iter_sitemap,
    parse_sitemap_index,
    write_sitemaps,
)
from microroutes.sitemap._values import normalise_lastmod

HOST = "https://example.com"
ZONES = (
    None,
    timezone.utc,
    timezone(timedelta(hours=5, minutes=45)),
    timezone(-timedelta(minutes=30)),
    timezone(timedelta(hours=14)),
    timezone(timedelta(hours=3, seconds=5)),  # not whole minutes: written in UTC
    ZoneInfo("Europe/Paris"),
)


def moments() -> list[datetime]:
    """Datetimes over more distinct days than the writer keeps at once, in every zone."""
    start = datetime(1, 1, 1, 0, 0, 0, 999_999)
    values = [start, datetime(9999, 12, 31, 23, 59, 59, 1)]
    values += [datetime(2024, 3, 31, 1, 30) + timedelta(days=day * 7) for day in range(5000)]
    return [
        value.replace(tzinfo=ZONES[number % len(ZONES)])
        for number, value in enumerate(values)
        if not (value.year == 1 and number % len(ZONES) not in (0, 1))  # no offset before year 1
    ]


def test_each_lastmod_is_its_normalised_value_in_w3c_form() -> None:
    values = moments()
    urls = [Url(f"/p/{number}?a=1&b=2", value) for number, value in enumerate(values)]
    text = b"".join(iter_sitemap(urls, HOST)).decode()
    written = re.findall(r"<lastmod>([^<]*)</lastmod>", text)
    assert written == [normalise_lastmod(value).isoformat() for value in values]
    assert written[0] == "0001-01-01T00:00:00+00:00"


def test_dates_and_datetimes_mixed_keep_their_forms() -> None:
    values: list[date] = [date(2020, 1, 1) + timedelta(days=day) for day in range(4500)]
    values += moments()[:4500]
    urls = [Url(f"/p/{number}", value, "daily", 0.5) for number, value in enumerate(values)]
    text = b"".join(iter_sitemap(urls, HOST)).decode()
    written = re.findall(r"<lastmod>([^<]*)</lastmod>", text)
    assert written == [normalise_lastmod(value).isoformat() for value in values]


def test_each_part_of_the_index_has_its_newest_lastmod(tmp_path: Path) -> None:
    values: list[date] = list(reversed(moments()))
    values[700] = date(9999, 12, 31)  # a day later than every datetime of its part
    urls = [Url(f"/p/{number}", value) for number, value in enumerate(values)]
    paths = write_sitemaps(urls, tmp_path, hostname=HOST, base_url=f"{HOST}/s", max_urls=1000)

    def instant(value: date) -> datetime:
        moment = normalise_lastmod(value)
        if isinstance(moment, datetime):
            return moment
        return datetime.combine(moment, datetime.min.time(), timezone.utc)

    expected = [
        normalise_lastmod(max(values[start : start + 1000], key=instant))
        for start in range(0, len(values), 1000)
    ]
    index = list(parse_sitemap_index(paths[-1].read_bytes()))
    assert [entry.lastmod for entry in index] == expected
    assert index[0].lastmod == date(9999, 12, 31)


def test_a_loc_at_the_length_limit_is_written_and_one_more_is_refused() -> None:
    room = 2048 - len(HOST)
    for loc in (f"/{'a' * (room - 1)}", f"{HOST}/{'b' * (room - 1)}"):
        text = b"".join(iter_sitemap([Url(loc, date(2020, 1, 1))], HOST)).decode()
        assert f"<loc>{HOST}/{loc[-(room - 1) :]}</loc>" in text
        with pytest.raises(SitemapError, match="2,048"):
            b"".join(iter_sitemap([Url(f"{loc}c", date(2020, 1, 1))], HOST))
