/**
 * generateTraffic: seeded, realistic ad traffic with injected anomalies and ground truth.
 *
 * Records are generated one simulated minute at a time into a priority queue on event time and
 * released once no later minute can produce anything earlier, so the output is in event-time
 * order (clicks and conversions are scheduled ahead of their time) while memory stays bounded
 * by what is pending (about an hour of conversions at most). Two deliberate exceptions: records
 * held back by an `ingestion_delay` anomaly (those of about half the publishers, emitted 5–10
 * minutes late, behind newer events), and duplicates, which are re-sent 0.2–5 s after their
 * original like a producer retry.
 *
 * Independent PRNG streams (split from the seed) drive setup, the anomaly plan, the traffic and
 * the faults, so changing e.g. the duplicate rate does not reshuffle the traffic.
 */
import type { AdEvent } from '../events/types.ts';
import { encodeEvent } from '../events/wire.ts';
import type { AnomalyLabel, GeneratedRecord } from './types.ts';
import { resolveGeneratorConfig, type GeneratorConfig } from './config.ts';
import { Rng, WeightedPicker } from './rng.ts';
import { createCampaigns, createPublishers, type CampaignProfile } from './campaigns.ts';
import { ANOMALY_STRENGTH, AnomalyEffects, labelsFromSpecs, pickDelayedPublishers, planDefaultAnomalies } from './anomalies.ts';
import { AuctionSimulator } from './auctions.ts';
import { EventQueue } from './eventQueue.ts';
import { MALFORMED_REASONS, makeMalformed, type CommonFields } from './malformed.ts';

const MINUTE_MS = 60_000;

export interface TrafficRun {
  config: GeneratorConfig;
  /** Injected anomalies, in event time; known before any record is generated. */
  labels: AnomalyLabel[];
  /** Each campaign's configured rates, for reports and tests. */
  campaigns: readonly CampaignProfile[];
  /** The records, generated lazily; iterating again replays the same bytes. */
  records: Iterable<GeneratedRecord>;
}

interface Pending {
  key: number;
  seq: number;
  event: AdEvent;
  /** Set once encoded: a duplicate re-sends exactly these bytes. */
  data: Buffer | null;
  duplicate: boolean;
  /** Already held back by an ingestion delay (do not delay twice). */
  delayed: boolean;
}

interface Setup {
  config: GeneratorConfig;
  campaigns: CampaignProfile[];
  labels: AnomalyLabel[];
  publishers: WeightedPicker<ReturnType<typeof createPublishers>[number]>;
  delayedPublishers: Set<string>;
  floodUsers: Map<string, string[]>;
  runTag: string;
}

function setUp(config: GeneratorConfig): Setup & { trafficSeed: Rng; faultSeed: Rng } {
  const root = Rng.seeded(config.seed);
  const setupRng = root.split();
  const planRng = root.split();
  const trafficSeed = root.split();
  const faultSeed = root.split();
  const runTag = setupRng.hex(6);
  const campaigns = createCampaigns(setupRng, config.campaigns);
  const pubs = createPublishers(setupRng, config.publishers);
  const weights = pubs.map((p) => ({ id: p.id, weight: setupRng.logNormal(1, 0.8) }));
  const publishers = new WeightedPicker(pubs.map((p, i) => ({ value: p, weight: weights[i].weight })));
  const floodUsers = new Map(campaigns.map((c) => [c.id, Array.from({ length: ANOMALY_STRENGTH.floodUsers }, () => `u-${setupRng.hex(12)}`)]));
  const labels =
    config.anomalies === 'default'
      ? planDefaultAnomalies(planRng, config.start, config.durationMs, campaigns)
      : labelsFromSpecs(config.anomalies, campaigns);
  const delayedPublishers = pickDelayedPublishers(planRng, weights);
  return { config, campaigns, labels, publishers, delayedPublishers, floodUsers, runTag, trafficSeed, faultSeed };
}

export function generateTraffic(overrides: Partial<GeneratorConfig> = {}): TrafficRun {
  const setup = setUp(resolveGeneratorConfig(overrides));
  return {
    config: setup.config,
    labels: setup.labels,
    campaigns: setup.campaigns,
    // Fresh PRNG clones per iteration: every pass yields the same records.
    records: { [Symbol.iterator]: () => emitRecords(setup, setup.trafficSeed.clone(), setup.faultSeed.clone()) },
  };
}

function* emitRecords(setup: Setup, trafficRng: Rng, faultRng: Rng): Generator<GeneratedRecord> {
  const { config } = setup;
  const effects = new AnomalyEffects(setup.labels, setup.delayedPublishers);
  const end = config.start + config.durationMs;
  const simulator = new AuctionSimulator(
    {
      campaigns: setup.campaigns,
      publishers: setup.publishers,
      effects,
      impressionsPerMinute: config.impressionsPerMinute,
      end,
      floodUsers: setup.floodUsers,
      runTag: setup.runTag,
    },
    trafficRng,
  );
  const queue = new EventQueue<Pending>();
  let seq = 0;
  const schedule = (event: AdEvent): void => {
    queue.push({ key: event.body.event_time, seq: seq++, event, data: null, duplicate: false, delayed: false });
  };
  // A share r of the output being re-sends (or malformed) means r / (1 - r) extra per valid record.
  const extraPerValid = (share: number): number => share / (1 - share);
  let malformedCount = 0;

  function* release(upTo: number): Generator<GeneratedRecord> {
    for (let next = queue.peek(); next && next.key < upTo; next = queue.peek()) {
      const item = queue.pop() as Pending;
      const { event } = item;
      const eventTime = event.body.event_time;
      const truth = { eventType: event.type, eventId: event.body.event_id, eventTime, campaignId: event.body.campaign_id };
      if (item.duplicate) {
        yield { data: item.data as Buffer, partitionKey: truth.campaignId, truth: { kind: 'duplicate', ...truth } };
        continue;
      }
      if (!item.delayed && effects.ingestionDelayed(eventTime, event.body.publisher_id)) {
        const delay = faultRng.int(ANOMALY_STRENGTH.delayMinMs, ANOMALY_STRENGTH.delayMaxMs);
        queue.push({ ...item, key: item.key + delay, seq: seq++, delayed: true });
        continue;
      }
      const data = encodeEvent(event);
      yield { data, partitionKey: truth.campaignId, truth: { kind: 'valid', ...truth } };
      if (faultRng.chance(extraPerValid(effects.malformedRate(eventTime, config.malformedRate)))) {
        // Round-robin over the classes keeps them evenly spread even in a short run.
        const reason = MALFORMED_REASONS[malformedCount++ % MALFORMED_REASONS.length];
        const bad = makeMalformed(reason, commonFields(event, `bad-${setup.runTag}-${malformedCount.toString(36).padStart(7, '0')}`), faultRng);
        yield { data: bad.data, partitionKey: bad.partitionKey, truth: { kind: 'malformed', reason: bad.reason } };
      }
      if (faultRng.chance(extraPerValid(effects.duplicateRate(eventTime, config.duplicateRate)))) {
        queue.push({ ...item, key: item.key + faultRng.int(200, 5_000), seq: seq++, data, duplicate: true });
      }
    }
  }

  for (let minute = config.start; minute < end; minute += MINUTE_MS) {
    simulator.simulateMinute(minute, schedule);
    // Nothing generated from the next minute on can be earlier than its start.
    yield* release(minute + MINUTE_MS);
  }
  yield* release(Number.POSITIVE_INFINITY);
}

/** A malformed record borrows a real event's dimensions under a fresh id. */
function commonFields(event: AdEvent, eventId: string): CommonFields {
  const b = event.body;
  return {
    event_id: eventId,
    event_time: b.event_time,
    campaign_id: b.campaign_id,
    ad_id: b.ad_id,
    publisher_id: b.publisher_id,
    site_id: b.site_id,
    placement: b.placement,
    country: b.country,
    device_type: b.device_type,
    user_id: b.user_id,
  };
}
