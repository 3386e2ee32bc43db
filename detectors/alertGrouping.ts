/**
 * One notification per campaign (or per stream-level cause) and window: a traffic drop moves a
 * campaign's bid requests, impressions and clicks at once, and an operator should get one page
 * saying so, not three. The notification is the strongest alert of the group (critical first,
 * then the highest score), keeps that alert's deterministic id, and carries the others in
 * `related`; firing and resolved notifications are grouped separately.
 */
import type { AlertEvent, Severity } from './types.ts';

const severityRank: Record<Severity, number> = { critical: 1, warning: 0 };

function stronger(a: AlertEvent, b: AlertEvent): number {
  return severityRank[b.severity] - severityRank[a.severity] || b.score - a.score || (a.alertId < b.alertId ? -1 : 1);
}

export function groupNotifications(alerts: readonly AlertEvent[]): AlertEvent[] {
  const groups = new Map<string, AlertEvent[]>();
  for (const alert of alerts) {
    const id = `${alert.windowStart}|${alert.status ?? 'firing'}|${alert.group ?? alert.key}`;
    const list = groups.get(id);
    if (list) list.push(alert);
    else groups.set(id, [alert]);
  }
  const out: AlertEvent[] = [];
  for (const members of groups.values()) {
    if (members.length === 1) {
      out.push(members[0]);
      continue;
    }
    const [primary, ...related] = [...members].sort(stronger);
    const where = primary.group ?? primary.key;
    out.push({
      ...primary,
      summary: `${members.length} alerts for ${where}: ${primary.summary}`,
      related: related.map((r) => ({ ...r, related: undefined })),
    });
  }
  return out;
}
