-- Spend against revenue per campaign, in micros (divide by 1e6 for currency units).
--
-- Spend is what the campaign paid: impression clearing prices (cost_micros of impressions) plus
-- cost-per-click charges (cost_micros of clicks, 0 for CPM buys). Revenue is the conversions'
-- revenue_micros, by the conversion's own campaign and whatever its timing (no attribution
-- window; funnel_by_campaign.sql has the windowed figure). roas is revenue over spend.
WITH money AS (
  SELECT campaign_id, cost_micros AS impression_spend_micros, 0 AS click_spend_micros, 0 AS revenue_micros
  FROM impressions
  UNION ALL
  SELECT campaign_id, 0, cost_micros, 0 FROM clicks
  UNION ALL
  SELECT campaign_id, 0, 0, revenue_micros FROM conversions
)
SELECT campaign_id,
       sum(impression_spend_micros) AS impression_spend_micros,
       sum(click_spend_micros) AS click_spend_micros,
       sum(impression_spend_micros) + sum(click_spend_micros) AS spend_micros,
       sum(revenue_micros) AS revenue_micros,
       sum(revenue_micros) - sum(impression_spend_micros) - sum(click_spend_micros) AS margin_micros,
       CAST(sum(revenue_micros) AS DOUBLE) / nullif(sum(impression_spend_micros) + sum(click_spend_micros), 0) AS roas
FROM money
GROUP BY campaign_id
ORDER BY campaign_id
