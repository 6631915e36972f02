"""The metrics again, written independently as DuckDB SQL over the same generated tables.

A second library with its own joins, time zones and date arithmetic.  Gini is the mean absolute
difference (a self-join), not the sorted-rank formula the package uses; the top 10 % are
``ceil(n / 10)`` in integer arithmetic.
"""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.metric_tables import generated_datasets
from shequn import metrics as M

WEEK_US = 7 * 86400 * 10**6


@pytest.fixture(scope="module")
def duck():
    import duckdb  # a test dependency (pyproject: [test])

    t = generated_datasets()[0]
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    for name, frame in t.items():
        con.register(name, frame)
    yield t, con
    con.close()


def _rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Comparable rows: plain index, naive nanosecond datetimes, float numbers, sorted."""
    frame = frame.reset_index(drop=isinstance(frame.index, pd.RangeIndex) and frame.index.name is None)
    frame.columns = [str(c) for c in frame.columns]
    for col in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col].dtype):
            frame[col] = frame[col].astype("datetime64[ns]")
        elif pd.api.types.is_numeric_dtype(frame[col].dtype) and not pd.api.types.is_bool_dtype(
            frame[col].dtype
        ):
            frame[col] = frame[col].astype(float)
        else:
            frame[col] = frame[col].astype(object)
    return frame.sort_values(list(frame.columns)[:2]).reset_index(drop=True)


def _same(ours: pd.DataFrame, sql: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        _rows(ours), _rows(sql)[list(_rows(ours).columns)], check_dtype=False, rtol=1e-9, atol=1e-12
    )


@pytest.mark.parametrize("freq, unit", [("D", "day"), ("W", "week")])
def test_activity_equals_duckdb(duck, freq, unit):
    t, con = duck
    sql = con.sql(f"""
        SELECT group_id, date_trunc('{unit}', sent_at::TIMESTAMP) AS period,
               count(DISTINCT sender_id) AS active_members, count(*) AS messages
        FROM messages GROUP BY ALL""").df()
    _same(M.activity(t["messages"], freq), sql)


def test_retention_by_cohort_equals_duckdb(duck):
    t, con = duck
    flags = ", ".join(f"bool_or(week = {k}) AS w{k}" for k in range(6))
    shares = ", ".join(f'avg(coalesce(w{k}, false)::INTEGER) AS "{k}"' for k in range(6))
    sql = con.sql(f"""
        WITH act AS (
            SELECT DISTINCT m.sender_id AS member_id,
                   floor((epoch_us(m.sent_at) - epoch_us(mb.joined_at)) / {WEEK_US})::BIGINT AS week
            FROM messages m JOIN members mb ON m.sender_id = mb.member_id),
        flags AS (
            SELECT mb.member_id, date_trunc('week', mb.joined_at::TIMESTAMP) AS cohort, {flags}
            FROM members mb LEFT JOIN act USING (member_id) GROUP BY ALL)
        SELECT cohort, {shares}, count(*) AS size FROM flags GROUP BY cohort""").df()
    _same(M.retention_by_cohort(t["members"], t["messages"], periods=6), sql)


def test_lurker_share_and_participation_equal_duckdb(duck):
    t, con = duck
    counts = """per_member AS (
            SELECT mb.member_id, mb.group_id, coalesce(c.n, 0) AS n FROM members mb
            LEFT JOIN (SELECT sender_id, count(*) AS n FROM messages GROUP BY sender_id) c
                   ON mb.member_id = c.sender_id)"""
    lurkers = con.sql(f"""WITH {counts}
        SELECT group_id, avg((n <= 1)::INTEGER) AS lurker_share FROM per_member GROUP BY group_id""").df()
    _same(M.lurker_share(t["members"], t["messages"], max_messages=1).to_frame(), lurkers)
    sql = con.sql(f"""WITH {counts},
        sizes AS (SELECT group_id, count(*) AS members, sum(n) AS messages FROM per_member GROUP BY group_id),
        diffs AS (SELECT a.group_id, sum(abs(a.n - b.n)) AS d
                  FROM per_member a JOIN per_member b USING (group_id) GROUP BY a.group_id),
        ranked AS (SELECT group_id, n, row_number() OVER (PARTITION BY group_id ORDER BY n DESC) AS r
                   FROM per_member),
        top AS (SELECT r.group_id, sum(r.n) AS top_n FROM ranked r JOIN sizes s USING (group_id)
                WHERE r.r <= greatest(1, (s.members + 9) // 10) GROUP BY r.group_id)
        SELECT group_id, members, messages,
               CASE WHEN messages = 0 THEN 0.0 ELSE d / (2.0 * members * messages) END AS gini,
               CASE WHEN messages = 0 THEN 0.0 ELSE top_n / messages END AS top10_share
        FROM sizes JOIN diffs USING (group_id) JOIN top USING (group_id)""").df()
    _same(M.participation(t["members"], t["messages"]), sql)


def test_quiet_members_and_red_packet_lift_equal_duckdb(duck):
    t, con = duck
    quiet = con.sql("""
        WITH outside AS (
            SELECT m.sender_id, count(*) AS n FROM messages m ANTI JOIN red_packets p
                ON p.group_id = m.group_id AND m.sent_at >= p.sent_at AND m.sent_at <= p.sent_at + INTERVAL 6 HOUR
            GROUP BY m.sender_id)
        SELECT member_id FROM members LEFT JOIN outside ON member_id = sender_id
        WHERE coalesce(n, 0) <= 2""").df()["member_id"]  # noqa: E501 (embedded SQL)
    ours = M.quiet_members(t["members"], t["messages"], t["red_packets"])
    assert 0 < len(ours) < len(t["members"])
    assert sorted(ours) == sorted(quiet)
    con.register("quiet", quiet.to_frame())
    for only, senders in (("", None), ("AND sender_id IN (SELECT member_id FROM quiet)", ours)):
        sql = con.sql(f"""
            WITH hourly AS (
                SELECT group_id, date_trunc('hour', sent_at) AS hour, count(*) AS n FROM messages
                WHERE type <> 'red_packet' {only} GROUP BY ALL),
            grid AS (SELECT p.group_id, o.k AS "offset", date_trunc('hour', p.sent_at) + to_hours(o.k) AS hour
                     FROM red_packets p CROSS JOIN range(-24, 48) o(k)),
            curve AS (SELECT "offset", avg(coalesce(n, 0)) AS messages_per_packet
                      FROM grid LEFT JOIN hourly USING (group_id, hour) GROUP BY "offset")
            SELECT "offset", messages_per_packet,
                   messages_per_packet / avg(messages_per_packet) FILTER (WHERE "offset" < 0) OVER () AS lift
            FROM curve""").df()
        _same(M.red_packet_lift(t["messages"], t["red_packets"], senders=senders), sql)


def test_owner_departure_and_thresholds_equal_duckdb(duck):
    t, con = duck
    departure = con.sql("""
        WITH o AS (SELECT g.group_id, g.owner_id, g.topology, g.threshold, mb.left_at
                   FROM groups g JOIN members mb ON mb.member_id = g.owner_id WHERE mb.left_at IS NOT NULL),
        c AS (SELECT o.group_id,
                     count(*) FILTER (WHERE m.sent_at >= o.left_at - INTERVAL 14 DAY AND m.sent_at < o.left_at) AS b,
                     count(*) FILTER (WHERE m.sent_at >= o.left_at AND m.sent_at < o.left_at + INTERVAL 14 DAY) AS a
              FROM o JOIN messages m ON m.group_id = o.group_id AND m.sender_id <> o.owner_id GROUP BY o.group_id)
        SELECT group_id, topology, threshold, coalesce(b, 0) / 14 AS before, coalesce(a, 0) / 14 AS after,
               coalesce(a, 0) / nullif(coalesce(b, 0), 0) AS ratio
        FROM o LEFT JOIN c USING (group_id)""").df()  # noqa: E501 (embedded SQL)
    ours = M.owner_departure_effect(t["groups"], t["members"], t["messages"])
    assert len(ours) >= 2
    _same(ours, departure)
    thresholds = con.sql(f"""
        WITH c AS (SELECT sender_id, count(*) AS n FROM messages GROUP BY sender_id),
        retained AS (SELECT DISTINCT m.sender_id FROM messages m JOIN members mb ON m.sender_id = mb.member_id
                     WHERE floor((epoch_us(m.sent_at) - epoch_us(mb.joined_at)) / {WEEK_US}) = 3)
        SELECT g.threshold, count(DISTINCT mb.group_id) AS groups, count(*) AS members,
               sum(coalesce(c.n, 0)) / count(*) AS messages_per_member,
               avg((coalesce(c.n, 0) = 0)::INTEGER) AS lurker_share,
               avg((r.sender_id IS NOT NULL)::INTEGER) AS retained_week_3
        FROM members mb JOIN groups g USING (group_id) LEFT JOIN c ON mb.member_id = c.sender_id
             LEFT JOIN retained r ON r.sender_id = mb.member_id
        GROUP BY g.threshold""").df()
    _same(M.compare_thresholds(t["groups"], t["members"], t["messages"]), thresholds)
