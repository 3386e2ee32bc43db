-- Bid win rate and clearing price per publisher.
--
-- win_rate is won bids over bid requests. Clearing prices are those of won bids: their mean, and their median and 90th percentile by the nearest-rank method
-- (the smallest price with at least p of the won bids at or below it). Percentiles are computed
-- with row_number() instead of approx_percentile (Trino) / quantile_disc (DuckDB), whose names
-- differ, so the same text runs on both engines and gives exact values.
-- clearing_spend_micros sums won bids only: the schema has a lost bid clear at 0, but an exchange
-- that forwards loss notices sends the winning price on lost bids too, which is not our spend.
WITH bids AS (
  SELECT publisher_id,
         count(*) AS bid_requests,
         sum(CASE WHEN won THEN 1 ELSE 0 END) AS wins,
         sum(CASE WHEN won THEN clearing_price_micros ELSE 0 END) AS clearing_spend_micros
  FROM bid_requests
  GROUP BY publisher_id
),
won AS (
  SELECT publisher_id,
         clearing_price_micros,
         row_number() OVER (PARTITION BY publisher_id ORDER BY clearing_price_micros) AS price_rank,
         count(*) OVER (PARTITION BY publisher_id) AS wins
  FROM bid_requests
  WHERE won
),
clearing AS (
  SELECT publisher_id,
         avg(CAST(clearing_price_micros AS DOUBLE)) AS avg_clearing_price_micros,
         max(CASE WHEN price_rank = CAST(ceil(0.5 * wins) AS BIGINT) THEN clearing_price_micros END) AS p50_clearing_price_micros,
         max(CASE WHEN price_rank = CAST(ceil(0.9 * wins) AS BIGINT) THEN clearing_price_micros END) AS p90_clearing_price_micros
  FROM won
  GROUP BY publisher_id
)
SELECT b.publisher_id,
       b.bid_requests,
       b.wins,
       CAST(b.wins AS DOUBLE) / b.bid_requests AS win_rate,
       c.avg_clearing_price_micros,
       c.p50_clearing_price_micros,
       c.p90_clearing_price_micros,
       b.clearing_spend_micros
FROM bids b
LEFT JOIN clearing c ON c.publisher_id = b.publisher_id
ORDER BY b.publisher_id
