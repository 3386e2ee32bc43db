-- Ingestion delay (record arrival on Kinesis minus event time) per event-time hour (UTC).
--
-- What is missing: the lake keeps no arrival time per valid event (event tables hold
-- event_time only; arrival_time is kept for rejected records alone), so exact percentiles over
-- events cannot be computed here. The pipeline measures the delay of every valid event and
-- writes, per one-minute window and shard, its p50 and p99 to the metrics table
-- (metric = 'ingestion_delay_p50_ms' / 'ingestion_delay_p99_ms', from a quantile sketch). This
-- query reports how those per-window values are spread over each hour: the median and 90th
-- percentile window (nearest rank) and the worst window. Percentiles of per-window
-- percentiles are not percentiles of events; an exact answer needs an arrival_time column.
WITH windows AS (
  SELECT shard_id,
         window_start,
         max(CASE WHEN metric = 'ingestion_delay_p50_ms' THEN value END) AS p50_ms,
         max(CASE WHEN metric = 'ingestion_delay_p99_ms' THEN value END) AS p99_ms
  FROM metrics
  WHERE metric IN ('ingestion_delay_p50_ms', 'ingestion_delay_p99_ms')
  GROUP BY shard_id, window_start
),
ranked AS (
  SELECT date_trunc('hour', window_start) AS hour_start,
         p50_ms,
         p99_ms,
         row_number() OVER (PARTITION BY date_trunc('hour', window_start) ORDER BY p99_ms) AS window_rank,
         count(*) OVER (PARTITION BY date_trunc('hour', window_start)) AS windows
  FROM windows
)
SELECT hour_start,
       max(windows) AS windows,
       max(CASE WHEN window_rank = CAST(ceil(0.5 * windows) AS BIGINT) THEN p99_ms END) AS median_window_p99_ms,
       max(CASE WHEN window_rank = CAST(ceil(0.9 * windows) AS BIGINT) THEN p99_ms END) AS p90_window_p99_ms,
       max(p99_ms) AS max_window_p99_ms,
       max(p50_ms) AS max_window_p50_ms
FROM ranked
GROUP BY hour_start
ORDER BY hour_start
