/**
 * The analysts' first two questions, as the SQL they would run on Athena or `adstream query`
 * (plain ANSI joins and aggregates, so the same text runs on Trino and DuckDB).
 */
export const CTR_AND_SPEND_BY_CAMPAIGN = `
WITH imp AS (SELECT campaign_id, count(*) AS impressions, sum(cost_micros) AS imp_cost FROM impressions GROUP BY campaign_id),
     clk AS (SELECT campaign_id, count(*) AS clicks, sum(cost_micros) AS click_cost FROM clicks GROUP BY campaign_id)
SELECT imp.campaign_id,
       imp.impressions,
       coalesce(clk.clicks, 0) AS clicks,
       round(100.0 * coalesce(clk.clicks, 0) / imp.impressions, 2) AS ctr_pct,
       round((imp.imp_cost + coalesce(clk.click_cost, 0)) / 1e6, 2) AS spend
FROM imp LEFT JOIN clk ON clk.campaign_id = imp.campaign_id
ORDER BY spend DESC
LIMIT 10`;

/** Impressions → clicks → conversions, counting only steps whose predecessor is in the lake. */
export const FUNNEL = `
SELECT (SELECT count(*) FROM impressions) AS impressions,
       (SELECT count(*) FROM clicks c WHERE c.impression_id IN (SELECT event_id FROM impressions)) AS clicks,
       (SELECT count(*) FROM conversions v WHERE v.click_id IN (SELECT event_id FROM clicks)) AS conversions,
       round(100.0 * (SELECT count(*) FROM clicks c WHERE c.impression_id IN (SELECT event_id FROM impressions))
             / nullif((SELECT count(*) FROM impressions), 0), 3) AS ctr_pct,
       round(100.0 * (SELECT count(*) FROM conversions v WHERE v.click_id IN (SELECT event_id FROM clicks))
             / nullif((SELECT count(*) FROM clicks), 0), 2) AS cvr_pct`;

/** Every valid event in the lake, by type: the number `npm start` reports as written. */
export const WRITTEN_BY_TYPE = `
SELECT 'impression' AS event_type, count(*) AS events FROM impressions
UNION ALL SELECT 'click', count(*) FROM clicks
UNION ALL SELECT 'conversion', count(*) FROM conversions
UNION ALL SELECT 'bid_request', count(*) FROM bid_requests`;
