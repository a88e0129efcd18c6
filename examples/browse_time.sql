-- Browse time per person and category from a netusage store, in SQL that
-- DuckDB and Spark SQL both run: the same rows as
-- `netusage usage --format csv` (person as the account name, not the
-- pseudonym), to the second. docs/METHOD.md states the method; docs/STORE.md
-- the store's layout.
--
-- It reads two views that the engine defines first:
--
--   events(person, site, category, embedded, denied, t_ms)
--     every committed event; t_ms = ts as UTC milliseconds since 1970;
--     person = the stored user, except that a name the log itself gave
--     which reads `ip:...` or `logged:...` is prefixed `logged:`, so it is
--     never the same person as the events stored under an address
--     (netusage's person key, src/event.rs `person_key`).
--     DuckDB:
--       CREATE VIEW events AS SELECT CASE WHEN user_logged AND ("user" LIKE 'ip:%'
--         OR "user" LIKE 'logged:%') THEN 'logged:' || "user" ELSE "user" END AS person,
--         site, category, embedded, denied, epoch_ms(ts) AS t_ms
--       FROM read_parquet('STORE/events/date=*/*.parquet');
--     Spark:
--       CREATE TEMPORARY VIEW events AS SELECT CASE WHEN user_logged AND (`user` LIKE 'ip:%'
--         OR `user` LIKE 'logged:%') THEN concat('logged:', `user`) ELSE `user` END AS person,
--         site, category, embedded, denied, unix_millis(ts) AS t_ms
--       FROM parquet.`STORE/events`;
--     (Events stored under an address are attributed to people by netusage
--     at read time from the identity table; this view does not attribute
--     them: they stay `ip:<address>`.)
--   windows(date, kind, start_ms, end_ms)
--     the schedule as UTC intervals (kind: working, flexi, break): `netusage windows --config FILE --from
--     FIRST --to LAST > windows.csv` (local dates covering the events, one
--     day either side). DuckDB: CREATE VIEW windows AS SELECT * FROM
--     read_csv('windows.csv'); Spark: spark.read.csv(..., header=True,
--     inferSchema=True).createOrReplaceTempView("windows").
--
-- Parameters (the defaults of `netusage usage`; change them to your config):
-- idle timeout 300 s, allowance 60 s, background traffic excluded (1; 0 to
-- count it), a day is flagged over 15 minutes of social-media working time
-- (personal_use = breaks_only; for not_permitted count all of a day's
-- social-media time), and a person with at least 1 such day.
WITH params AS (
  SELECT 300000 AS idle_ms, 60000 AS allowance_ms, 1 AS exclude_background,
         900000 AS max_counted_ms, 1 AS min_flagged_days
),
social_categories AS (
  SELECT category FROM (VALUES ('social_networking'), ('microblogging'),
    ('video_sharing'), ('photo_sharing'), ('blogging'), ('forums'),
    ('messaging')) AS s(category)
),
people AS (SELECT DISTINCT person FROM events),
-- Background traffic (docs/METHOD.md): per person, site and category, the
-- gap before a request is steady when it and the gap before it are both 5 s
-- to 15 min and differ by at most 2 s or 10 % of the earlier one. A run of
-- steady gaps (with the two requests before its first) lasting 30 min or
-- more is background traffic: its requests make no sessions.
requests AS (
  SELECT e.person, e.site, e.category, e.embedded, e.t_ms,
         ROW_NUMBER() OVER (PARTITION BY e.person, e.site, e.category ORDER BY e.t_ms, e.embedded) AS rn,
         e.t_ms - LAG(e.t_ms) OVER (PARTITION BY e.person, e.site, e.category ORDER BY e.t_ms, e.embedded) AS gap_ms,
         LAG(e.t_ms, 2) OVER (PARTITION BY e.person, e.site, e.category ORDER BY e.t_ms, e.embedded) AS t_before2
  FROM events e
  WHERE NOT e.denied
),
steadiness AS (
  SELECT r.*,
         CASE WHEN r.prev_gap BETWEEN 5000 AND 900000 AND r.gap_ms BETWEEN 5000 AND 900000
                   AND ABS(r.gap_ms - r.prev_gap) <= GREATEST(2000, FLOOR(r.prev_gap * 10 / 100))
              THEN 1 ELSE 0 END AS steady
  FROM (
    SELECT q.*, LAG(q.gap_ms) OVER (PARTITION BY q.person, q.site, q.category ORDER BY q.rn) AS prev_gap
    FROM requests q
  ) r
),
runs AS (
  SELECT s.*,
         SUM(1 - s.steady) OVER (PARTITION BY s.person, s.site, s.category ORDER BY s.rn
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS run_no
  FROM steadiness s
),
background_runs AS (
  SELECT r.person, r.site, r.category, MIN(r.rn) - 2 AS first_rn, MAX(r.rn) AS last_rn
  FROM runs r CROSS JOIN params p
  WHERE r.steady = 1
  GROUP BY r.person, r.site, r.category, r.run_no
  HAVING MAX(r.t_ms) - MIN(r.t_before2) >= 1800000 AND MAX(p.exclude_background) = 1
),
active AS (
  SELECT r.person, r.site, r.category, r.embedded, r.t_ms
  FROM requests r LEFT JOIN background_runs b
    ON b.person = r.person AND b.site = r.site AND b.category = r.category
       AND r.rn BETWEEN b.first_rn AND b.last_rn
  WHERE b.person IS NULL
),
-- Sessions: per person, site and category, a gap over the idle timeout
-- starts a new one; a session lasts from its first request to its last +
-- the allowance; one whose requests all went to embedded hosts is not
-- browse time.
active_gaps AS (
  SELECT a.*,
         a.t_ms - LAG(a.t_ms) OVER (PARTITION BY a.person, a.site, a.category ORDER BY a.t_ms, a.embedded) AS gap_ms
  FROM active a
),
numbered AS (
  SELECT r.*,
         SUM(CASE WHEN r.gap_ms IS NULL OR r.gap_ms > p.idle_ms THEN 1 ELSE 0 END)
           OVER (PARTITION BY r.person, r.site, r.category ORDER BY r.t_ms, r.embedded
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS session_no
  FROM active_gaps r CROSS JOIN params p
),
sessions AS (
  SELECT n.person, n.category, MIN(n.t_ms) AS s, MAX(n.t_ms) + MAX(p.allowance_ms) AS e,
         MIN(CASE WHEN n.embedded THEN 1 ELSE 0 END) AS embedded_only
  FROM numbered n CROSS JOIN params p
  GROUP BY n.person, n.site, n.category, n.session_no
),
browse AS (
  SELECT person, category, s, e FROM sessions WHERE embedded_only = 0
  UNION ALL
  SELECT person, 'social_media' AS category, s, e FROM sessions
  WHERE embedded_only = 0 AND category IN (SELECT category FROM social_categories)
),
-- Union per category (and over all social media): overlapping or touching
-- sessions count once.
ordered AS (
  SELECT b.*,
         MAX(b.e) OVER (PARTITION BY b.person, b.category ORDER BY b.s, b.e
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
  FROM browse b
),
islands AS (
  SELECT o.*,
         SUM(CASE WHEN o.reach IS NULL OR o.s > o.reach THEN 1 ELSE 0 END)
           OVER (PARTITION BY o.person, o.category ORDER BY o.s, o.e
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS island
  FROM ordered o
),
merged AS (
  SELECT person, category, island, MIN(s) AS s, MAX(e) AS e
  FROM islands GROUP BY person, category, island
),
-- The split on the schedule: the overlap of each merged interval with
-- each working window and official break; the rest is outside working hours.
pieces AS (
  SELECT m.person, m.category, m.island, w.kind, w.date,
         LEAST(m.e, w.end_ms) - GREATEST(m.s, w.start_ms) AS ms
  FROM merged m JOIN windows w ON w.start_ms < m.e AND w.end_ms > m.s
),
splits AS (
  SELECT m.person, m.category,
         SUM(m.e - m.s) AS total_ms,
         SUM(COALESCE(o.working_ms, 0)) AS working_ms,
         SUM(COALESCE(o.break_ms, 0)) AS break_ms
  FROM merged m LEFT JOIN (
    SELECT person, category, island,
           SUM(CASE WHEN kind IN ('working', 'flexi') THEN ms ELSE 0 END) AS working_ms,
           SUM(CASE WHEN kind = 'break' THEN ms ELSE 0 END) AS break_ms
    FROM pieces GROUP BY person, category, island
  ) o ON o.person = m.person AND o.category = m.category AND o.island = m.island
  GROUP BY m.person, m.category
),
session_counts AS (
  SELECT person, category, COUNT(*) AS sessions FROM browse GROUP BY person, category
),
blocked AS (
  SELECT person, category, COUNT(*) AS blocked FROM events WHERE denied GROUP BY person, category
  UNION ALL
  SELECT person, 'social_media' AS category, COUNT(*) AS blocked FROM events
  WHERE denied AND category IN (SELECT category FROM social_categories)
  GROUP BY person
),
-- The policy: social-media working time per local date.
flagged_days AS (
  SELECT o.person, o.date
  FROM pieces o CROSS JOIN params p
  WHERE o.category = 'social_media' AND o.kind IN ('working', 'flexi')
  GROUP BY o.person, o.date
  HAVING SUM(o.ms) > MAX(p.max_counted_ms)
),
flagged AS (
  SELECT f.person
  FROM flagged_days f CROSS JOIN params p
  GROUP BY f.person
  HAVING COUNT(*) >= MAX(p.min_flagged_days)
),
categories AS (
  SELECT person, category FROM splits
  UNION SELECT person, category FROM blocked
  UNION SELECT person, 'social_media' AS category FROM people
)
SELECT c.person, c.category,
       CAST(FLOOR(COALESCE(s.working_ms, 0) / 1000) AS BIGINT) AS working_s,
       CAST(FLOOR(COALESCE(s.break_ms, 0) / 1000) AS BIGINT) AS break_s,
       CAST(FLOOR((COALESCE(s.total_ms, 0) - COALESCE(s.working_ms, 0) - COALESCE(s.break_ms, 0)) / 1000) AS BIGINT) AS outside_s,
       CAST(FLOOR(COALESCE(s.total_ms, 0) / 1000) AS BIGINT) AS total_s,
       COALESCE(n.sessions, 0) AS sessions,
       COALESCE(b.blocked, 0) AS blocked,
       CASE WHEN f.person IS NULL THEN 'false' ELSE 'true' END AS flagged
FROM categories c
LEFT JOIN splits s ON s.person = c.person AND s.category = c.category
LEFT JOIN session_counts n ON n.person = c.person AND n.category = c.category
LEFT JOIN (SELECT person, category, SUM(blocked) AS blocked FROM blocked GROUP BY person, category) b
  ON b.person = c.person AND b.category = c.category
LEFT JOIN flagged f ON f.person = c.person
WHERE c.category = 'social_media' OR COALESCE(s.total_ms, 0) > 0 OR COALESCE(b.blocked, 0) > 0
ORDER BY c.person, c.category
