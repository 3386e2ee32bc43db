-- Impressions → clicks → conversions per campaign, with an attribution window.
--
-- A click counts for the funnel when its impression is in the lake and it happened within
-- `click_window` after that impression; a conversion counts when its click was counted and it
-- happened within `conversion_window` after that click. The campaign is the impression's.
-- Clicks and conversions outside their window (or whose predecessor is missing) are left out,
-- so ctr and cvr here are attributed rates, unlike ctr_cvr_by_campaign_hour.sql.
--
-- Change the windows in `attribution`. Runs unchanged on Athena (Trino) and DuckDB
-- (`adstream query --file infra/queries/funnel_by_campaign.sql`).
WITH attribution AS (
  SELECT INTERVAL '30' MINUTE AS click_window,
         INTERVAL '30' MINUTE AS conversion_window
),
attributed_clicks AS (
  SELECT c.event_id, c.event_time, i.campaign_id
  FROM clicks c
  JOIN impressions i ON i.event_id = c.impression_id
  CROSS JOIN attribution a
  WHERE c.event_time >= i.event_time
    AND c.event_time <= i.event_time + a.click_window
),
attributed_conversions AS (
  SELECT v.event_id, v.revenue_micros, k.campaign_id
  FROM conversions v
  JOIN attributed_clicks k ON k.event_id = v.click_id
  CROSS JOIN attribution a
  WHERE v.event_time >= k.event_time
    AND v.event_time <= k.event_time + a.conversion_window
),
imp AS (SELECT campaign_id, count(*) AS impressions FROM impressions GROUP BY campaign_id),
clk AS (SELECT campaign_id, count(*) AS clicks FROM attributed_clicks GROUP BY campaign_id),
cnv AS (
  SELECT campaign_id, count(*) AS conversions, sum(revenue_micros) AS revenue_micros
  FROM attributed_conversions
  GROUP BY campaign_id
)
SELECT imp.campaign_id,
       imp.impressions,
       coalesce(clk.clicks, 0) AS clicks,
       coalesce(cnv.conversions, 0) AS conversions,
       coalesce(cnv.revenue_micros, 0) AS attributed_revenue_micros,
       CAST(coalesce(clk.clicks, 0) AS DOUBLE) / imp.impressions AS ctr,
       CAST(coalesce(cnv.conversions, 0) AS DOUBLE) / nullif(clk.clicks, 0) AS cvr
FROM imp
LEFT JOIN clk ON clk.campaign_id = imp.campaign_id
LEFT JOIN cnv ON cnv.campaign_id = imp.campaign_id
ORDER BY imp.campaign_id
