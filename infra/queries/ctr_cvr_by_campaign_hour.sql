-- CTR and CVR per campaign and event-time hour (UTC).
--
-- Period rates: clicks in the hour over impressions in the hour, conversions in the hour over
-- clicks in the hour, each event counted in the hour it happened (a click at 10:59:50 on an
-- impression at 10:59:40 and one at 11:00:05 on the same impression fall in different hours).
-- For attributed rates use funnel_by_campaign.sql. A rate is NULL when its denominator is 0.
WITH events AS (
  SELECT campaign_id, date_trunc('hour', event_time) AS hour_start, 1 AS impressions, 0 AS clicks, 0 AS conversions
  FROM impressions
  UNION ALL
  SELECT campaign_id, date_trunc('hour', event_time), 0, 1, 0 FROM clicks
  UNION ALL
  SELECT campaign_id, date_trunc('hour', event_time), 0, 0, 1 FROM conversions
)
SELECT campaign_id,
       hour_start,
       sum(impressions) AS impressions,
       sum(clicks) AS clicks,
       sum(conversions) AS conversions,
       CAST(sum(clicks) AS DOUBLE) / nullif(sum(impressions), 0) AS ctr,
       CAST(sum(conversions) AS DOUBLE) / nullif(sum(clicks), 0) AS cvr
FROM events
GROUP BY campaign_id, hour_start
ORDER BY campaign_id, hour_start
