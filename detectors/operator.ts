/**
 * `detectAnomalies`: the detector as an RxJS operator, metric events in (window order), alert
 * events out (firing and resolved notifications). A metric stream has no "window complete" marker, so a window is finished when the
 * first metric of a later window arrives, or when the source completes; alerts on keys that went
 * silent therefore come out one window later than alerts on keys that have data.
 *
 * Pass your own `VolumeDetector` to snapshot it while the stream runs, or to resume one restored
 * from a snapshot:
 *
 * ```ts
 * const detector = new VolumeDetector(defaultDetectorConfig);
 * metrics$.pipe(detectAnomalies(defaultDetectorConfig, detector)).subscribe(sendAlert);
 * // later: saveCheckpoint(detector.snapshot())
 * ```
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { AlertEvent, MetricEvent } from './types.ts';
import { VolumeDetector, type DetectorConfig } from './volumeDetector.ts';

export { defaultDetectorConfig } from './defaultConfig.ts';

export function detectAnomalies(
  config: DetectorConfig,
  detector: VolumeDetector = new VolumeDetector(config),
): OperatorFunction<MetricEvent, AlertEvent> {
  return (source) =>
    new Observable<AlertEvent>((subscriber) => {
      const emit = (alerts: AlertEvent[]): void => alerts.forEach((a) => subscriber.next(a));
      const subscription = source.subscribe({
        next: (metric) => {
          try {
            emit(detector.observe([metric], { windowsComplete: false }));
          } catch (err) {
            subscriber.error(err);
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => {
          emit(detector.finishWindow().map((t) => t.alert));
          subscriber.complete();
        },
      });
      return () => subscription.unsubscribe();
    });
}
