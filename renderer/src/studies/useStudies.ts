import { useCallback, useEffect, useRef, useState } from 'react';
import type { PatientSummary } from '../../../main/api/studies.js';
import { useClient } from '../transport/context.js';

/** The patients → studies → series tree from `studies.list`, refreshed on demand and while imports progress. */
export function useStudies(): { patients: PatientSummary[] | null; error: string | null; refresh: () => void } {
  const client = useClient();
  const [patients, setPatients] = useState<PatientSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const inFlight = useRef(false);
  const again = useRef(false);

  const refresh = useCallback(() => {
    // Coalesce: progress events can arrive faster than the list comes back.
    if (inFlight.current) {
      again.current = true;
      return;
    }
    const load = (): void => {
      inFlight.current = true;
      client
        .call('studies.list', {})
        .then(
          (r) => {
            setPatients(r.patients);
            setError(null);
          },
          (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
        )
        .finally(() => {
          inFlight.current = false;
          if (again.current) {
            again.current = false;
            load();
          }
        });
    };
    load();
  }, [client]);

  useEffect(() => refresh(), [refresh]);
  return { patients, error, refresh };
}
