-- Ingestion delay (record arrival on Kinesis minus event time) per event-time hour (UTC), and how
-- far behind its shard's newest event a record arrived (out-of-orderness).
--
-- What is missing: the lake keeps no arrival time per valid event (event tables hold
-- event_time only; arrival_time is kept for rejected records alone), so exact percentiles over
-- events cannot be computed here. The pipeline measures both delays of every valid event and
-- writes, per one-minute window and shard, their p50 and p99 to the metrics table (from a
-- quantile sketch): arrival minus event time as 'arrival_delay_p50_ms' / 'arrival_delay_p99_ms',
-- the delay behind the shard's newest event as 'ingestion_delay_p50_ms' / 'ingestion_delay_p99_ms'
-- (the one the delay detector watches: a producer that falls behind shows in it, while a stream
-- that all arrives late, such as a backfill, does not). This query reports how the per-window
-- values are spread over each hour: the median and 90th percentile window (nearest rank) and the
-- worst window. Percentiles of per-window percentiles are not percentiles of events; an exact
-- answer needs an arrival_time column.
WITH windows AS (
  SELECT shard_id,
         window_start,
         max(CASE WHEN metric = 'arrival_delay_p50_ms' THEN value END) AS p50_ms,
         max(CASE WHEN metric = 'arrival_delay_p99_ms' THEN value END) AS p99_ms,
         max(CASE WHEN metric = 'ingestion_delay_p99_ms' THEN value END) AS behind_newest_p99_ms
  FROM metrics
  WHERE metric IN ('arrival_delay_p50_ms', 'arrival_delay_p99_ms', 'ingestion_delay_p99_ms')
  GROUP BY shard_id, window_start
),
ranked AS (
  SELECT date_trunc('hour', window_start) AS hour_start,
         p50_ms,
         p99_ms,
         behind_newest_p99_ms,
         row_number() OVER (PARTITION BY date_trunc('hour', window_start) ORDER BY p99_ms) AS window_rank,
         count(*) OVER (PARTITION BY date_trunc('hour', window_start)) AS windows
  FROM windows
  -- A window with no arrival time to measure (none carried one) has no arrival delay to rank.
  WHERE p99_ms IS NOT NULL
)
SELECT hour_start,
       max(windows) AS windows,
       max(CASE WHEN window_rank = CAST(ceil(0.5 * windows) AS BIGINT) THEN p99_ms END) AS median_window_p99_ms,
       max(CASE WHEN window_rank = CAST(ceil(0.9 * windows) AS BIGINT) THEN p99_ms END) AS p90_window_p99_ms,
       max(p99_ms) AS max_window_p99_ms,
       max(p50_ms) AS max_window_p50_ms,
       max(behind_newest_p99_ms) AS max_window_behind_newest_p99_ms
FROM ranked
GROUP BY hour_start
ORDER BY hour_start
