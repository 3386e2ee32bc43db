/**
 * Discrepancies in the funnel: clicks whose impression was never seen, and conversions whose
 * click was never seen, within the attribution window.
 *
 * A click names its impression (`impression_id`), a conversion its click (`click_id`). While a
 * window is open it only collects those references, hashed like the dedupe ids. When the window
 * closes, the watermark has passed its end, so every on-time event that came before one of its
 * clicks (an impression precedes its click in event time) has been seen; the references are then
 * looked up in the shard's dedupe state, which remembers every event id of the dedupe horizon.
 * The horizon is therefore the attribution window the check can see. Both events share a shard
 * because the partition key is the campaign id.
 *
 * Once resolved, only the two counts remain, and they merge by addition like every other counter.
 */
import type { AdEvent } from '../../events/types.ts';
import { hash64Into, type Hash64 } from './hash64.ts';

/** What the lookup needs from the dedupe state: was this hashed event id seen? */
export interface SeenIds {
  seenHash(hi: number, lo: number): boolean;
}

export interface AttributionSnapshot {
  /** Unresolved references: base64 of (kind, hi, lo) uint32 triplets; kind 0 click, 1 conversion. */
  pending: string;
  orphanClicks: number;
  orphanConversions: number;
}

const CLICK = 0;
const CONVERSION = 1;
const scratch: Hash64 = { hi: 0, lo: 0 };

export class Attribution {
  orphanClicks = 0;
  orphanConversions = 0;
  /** (kind, hi, lo) triplets; few per window, since clicks and conversions are rare events. */
  private pending: number[] = [];

  /** Remembers what a click or conversion refers to; other events refer to nothing. */
  add(event: AdEvent): void {
    if (event.type === 'click') this.refer(CLICK, event.body.impression_id);
    else if (event.type === 'conversion') this.refer(CONVERSION, event.body.click_id);
  }

  private refer(kind: number, id: string): void {
    const { hi, lo } = hash64Into(id, scratch);
    this.pending.push(kind, hi, lo);
  }

  /** Counts the references nobody has seen, and forgets them; call when the window closes. */
  resolve(seen: SeenIds): void {
    const p = this.pending;
    for (let i = 0; i < p.length; i += 3) {
      if (seen.seenHash(p[i + 1], p[i + 2])) continue;
      if (p[i] === CLICK) this.orphanClicks += 1;
      else this.orphanConversions += 1;
    }
    this.pending = [];
  }

  merge(other: Attribution): void {
    this.orphanClicks += other.orphanClicks;
    this.orphanConversions += other.orphanConversions;
    this.pending.push(...other.pending);
  }

  snapshot(): AttributionSnapshot {
    return {
      pending: Buffer.from(Uint32Array.from(this.pending).buffer).toString('base64'),
      orphanClicks: this.orphanClicks,
      orphanConversions: this.orphanConversions,
    };
  }

  static restore(snapshot: AttributionSnapshot | undefined): Attribution {
    const attribution = new Attribution();
    if (!snapshot) return attribution;
    // Copied into a fresh buffer: a decoded Buffer may sit at an offset Uint32Array cannot view.
    attribution.pending = Array.from(new Uint32Array(Uint8Array.from(Buffer.from(snapshot.pending, 'base64')).buffer));
    attribution.orphanClicks = snapshot.orphanClicks;
    attribution.orphanConversions = snapshot.orphanConversions;
    return attribution;
  }
}
